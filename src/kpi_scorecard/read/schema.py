"""JSON Schemas for editors, generated from the validator's own field lists.

Editors with the YAML language server check a file as people type when it starts with
``# yaml-language-server: $schema=...``. The key lists, required keys and choices come from
validate.py, settings.py and model.py, and the help texts below also head the files that
``kpi new`` writes, so there is one description of each field; tests keep the schemas in step
with the validator.
"""

from __future__ import annotations

import json
from typing import Any

from kpi_scorecard.model import AGGREGATE_CHOICES, AUDIENCE_CHOICES, BETTER_CHOICES, UNIT_CHOICES
from kpi_scorecard.read.events import EVENT_KEYS, REQUIRED_EVENT_KEYS
from kpi_scorecard.read.settings import PERSON_KEYS, REVIEW_KEYS, SETTINGS_KEYS
from kpi_scorecard.read.sources import DATABASE_KEYS, DATABASE_NAME, SOURCE_KEYS
from kpi_scorecard.read.validate import KPI_KEYS, REQUIRED_KPI_KEYS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
MONTH = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"}
ID = {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
PERSON_ID = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"}

KPI_HELP = {
    "name": "Required. The title shown on the site.",
    "description": "Required. What the KPI measures and how it is counted (Markdown).",
    "category": "Required. A category key of kpis/scorecard.yaml.",
    "owner": "Required. The person id (kpis/people.yaml) who drives the KPI.",
    "better": "Required. higher or lower: which way is good.",
    "unit": "number (default), percent (write 3.2 for 3.2 %) or currency.",
    "currency": "A currency code such as EUR, for unit: currency.",
    "decimals": "How many decimals to show (0-10).",
    "aggregate": "How months roll up for the year to date: sum, mean (default) or last.",
    "target": "A number for every month, or {YYYY-MM: number} steps, each from its month on.",
    "tolerance": "How far off still counts as amber, a fraction of the target (0.05 = 5 %).",
    "benchmark": "An outside reference: {value: 55, source: Industry report 2025}.",
    "supports": "The id of the higher-level KPI this one serves.",
    "audience": "Who sees it: [internal, business] (default both).",
    "daci": "Decision roles besides the owner: {approver: id, contributors: [ids], informed: [ids]}.",
    "tags": "Free labels.",
    "formula": "A calculated KPI: KPI ids, numbers, + - * / and parentheses; then no values.",
    "source": "Where kpi pull reads the values: {database: name, query: SQL of month, value}.",
    "values": "One line per month, YYYY-MM: number, or null for not reported.",
    "notes": "One line per month, YYYY-MM: the story behind the number (Markdown).",
    "segments": "The KPI by segment (a channel, a region): {segment: {YYYY-MM: number}}.",
    "segment_targets": "Targets of segments: {segment: number or {YYYY-MM: number}}.",
}


def _month_map(values: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "propertyNames": MONTH, "additionalProperties": values}


def _list_or_one(item: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [item, {"type": "array", "items": item}]}


def kpi_schema() -> dict[str, Any]:
    number = {"type": "number"}
    properties: dict[str, Any] = {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string", "minLength": 1},
        "category": {"type": "string", "minLength": 1},
        "owner": PERSON_ID,
        "better": {"enum": list(BETTER_CHOICES)},
        "unit": {"enum": list(UNIT_CHOICES)},
        "currency": {"type": "string"},
        "decimals": {"type": "integer", "minimum": 0, "maximum": 10},
        "aggregate": {"enum": list(AGGREGATE_CHOICES)},
        "target": {"oneOf": [number, _month_map(number)]},
        "tolerance": {"type": "number", "minimum": 0},
        "benchmark": {
            "oneOf": [
                number,
                {
                    "type": "object",
                    "required": ["value"],
                    "additionalProperties": False,
                    "properties": {"value": number, "source": {"type": "string"}},
                },
            ]
        },
        "supports": ID,
        "audience": _list_or_one({"enum": list(AUDIENCE_CHOICES)}),
        "daci": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "approver": PERSON_ID,
                "contributors": _list_or_one(PERSON_ID),
                "informed": _list_or_one(PERSON_ID),
            },
        },
        "tags": _list_or_one({"type": "string"}),
        "formula": {"type": "string", "minLength": 1},
        "source": {
            "type": "object",
            "required": list(SOURCE_KEYS),
            "additionalProperties": False,
            "properties": {key: {"type": "string", "minLength": 1} for key in SOURCE_KEYS},
        },
        "values": {"oneOf": [{"type": "null"}, _month_map({"type": ["number", "null"]})]},
        "notes": {"oneOf": [{"type": "null"}, _month_map({"type": "string"})]},
        "segments": {
            "type": "object",
            "additionalProperties": _month_map({"type": ["number", "null"]}),
        },
        "segment_targets": {
            "type": "object",
            "additionalProperties": {"oneOf": [number, _month_map(number)]},
        },
    }
    for key, help_text in KPI_HELP.items():
        properties[key] = {"description": help_text, **properties[key]}
    return {
        "$schema": DRAFT,
        "$id": "kpi.schema.json",
        "title": "A KPI file of kpi-scorecard (kpis/**/<id>.yaml)",
        "type": "object",
        "required": list(REQUIRED_KPI_KEYS),
        "additionalProperties": False,
        "properties": {key: properties[key] for key in KPI_KEYS},
        "allOf": [
            {"not": {"required": ["formula", "values"]}},
            {"not": {"required": ["formula", "segments"]}},
            {"not": {"required": ["formula", "source"]}},
            {
                "if": {"required": ["currency"]},
                "then": {"required": ["unit"], "properties": {"unit": {"const": "currency"}}},
            },
        ],
    }


def people_schema() -> dict[str, Any]:
    person = {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {key: {"type": "string", "minLength": 1} for key in PERSON_KEYS},
    }
    return {
        "$schema": DRAFT,
        "$id": "people.schema.json",
        "title": "kpis/people.yaml of kpi-scorecard: person id -> person",
        "type": "object",
        "propertyNames": PERSON_ID,
        "additionalProperties": person,
    }


def scorecard_schema() -> dict[str, Any]:
    review = {
        "presenters": _list_or_one(PERSON_ID),
        "day": {"type": "integer", "minimum": 1, "maximum": 31},
        "held": _month_map(DATE),
    }
    properties: dict[str, Any] = {
        "title": {"type": "string", "minLength": 1},
        "as_of": MONTH,
        "fiscal_year_start": {"type": "integer", "minimum": 1, "maximum": 12},
        "tolerance": {"type": "number", "minimum": 0},
        "currency": {"type": "string"},
        "locale": {"type": "string", "pattern": "^[A-Za-z]{2,3}([_-][A-Za-z0-9]+)*$"},
        "categories": {"type": "object", "additionalProperties": {"type": "string"}},
        "review": {
            "type": "object",
            "additionalProperties": False,
            "properties": {key: review[key] for key in REVIEW_KEYS},
        },
        "databases": {
            "description": "Where kpi pull reads values: {name: {url: an SQLAlchemy URL}}; "
            "write secrets as ${VAR}, read from the environment.",
            "type": "object",
            "propertyNames": {"pattern": DATABASE_NAME.pattern.replace("\\Z", "$")},
            "additionalProperties": {
                "type": "object",
                "required": list(DATABASE_KEYS),
                "additionalProperties": False,
                "properties": {"url": {"type": "string", "minLength": 1}},
            },
        },
    }
    return {
        "$schema": DRAFT,
        "$id": "scorecard.schema.json",
        "title": "kpis/scorecard.yaml of kpi-scorecard: the settings",
        "type": "object",
        "additionalProperties": False,
        "properties": {key: properties[key] for key in SETTINGS_KEYS},
    }


def events_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "date": DATE,
        "title": {"type": "string", "minLength": 1},
        "kpis": {"type": "array", "items": ID},
        "segments": {"type": "array", "items": {"type": "string"}},
    }
    event = {
        "type": "object",
        "required": list(REQUIRED_EVENT_KEYS),
        "additionalProperties": False,
        "properties": {key: properties[key] for key in EVENT_KEYS},
    }
    return {
        "$schema": DRAFT,
        "$id": "events.schema.json",
        "title": "kpis/events.yaml of kpi-scorecard: what happened to the business",
        "type": "array",
        "items": event,
    }


def schema_texts() -> dict[str, str]:
    """File name -> JSON text of every schema, stable for diffs."""
    schemas = {
        "kpi.schema.json": kpi_schema(),
        "people.schema.json": people_schema(),
        "scorecard.schema.json": scorecard_schema(),
        "events.schema.json": events_schema(),
    }
    return {name: json.dumps(schema, indent=2) + "\n" for name, schema in schemas.items()}


def schema_comment(relative_path: str) -> str:
    """The first line that points the YAML language server at a schema."""
    return f"# yaml-language-server: $schema={relative_path}"
