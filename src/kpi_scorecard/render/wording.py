"""Changes said as sentences: what the History, /changes/ and ``kpi diff`` show people.

A change is data (field, month, old, new, kind: contract section 5); people read "Target from
€150 to €140 from Apr 2026" and "Oct 2026 restated from 15 463 to 15 600", with the KPI's unit
and people's names, not JSON and ids. Sentences are plain text: each caller escapes them for
HTML or Markdown.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date

from kpi_scorecard.audit.changes import Change
from kpi_scorecard.model import Kpi, Scorecard, Status, number_literal, parse_month
from kpi_scorecard.render.numbers import STATUS_LABELS, current_locale, value_text

EXCERPT = 60
"""Characters of a note or description quoted in a sentence."""

FIELD_NAMES = {
    "name": "Name",
    "description": "Description",
    "category": "Category",
    "owner": "Owner",
    "better": "Better",
    "unit": "Unit",
    "currency": "Currency",
    "decimals": "Decimals",
    "aggregate": "Aggregate",
    "target": "Target",
    "tolerance": "Tolerance",
    "benchmark": "Benchmark",
    "supports": "Supports",
    "audience": "Audience",
    "daci": "DACI",
    "tags": "Tags",
    "formula": "Formula",
    "segments": "Segments",
    "segment_targets": "Segment targets",
    "source": "Source",
}
"""Field -> how a sentence names it; other fields are named as written."""
NUMERIC_FIELDS = ("target", "benchmark")
"""Fields whose numbers are in the KPI's unit."""
QUOTED_FIELDS = ("name", "formula")
"""Fields whose text is quoted, so that it reads apart from the sentence."""
MULTI_LINE_FIELDS = ("description",)
"""Fields too long to quote whole: the sentence says that they changed."""


def month_label(month: str | None) -> str:
    """``2026-10`` -> ``Oct 2026`` (``Okt. 2026`` in de): the one way months are written on
    pages, in the scorecard's locale."""
    return _month_label(month, current_locale())


@functools.lru_cache(maxsize=4096)
def _month_label(month: str | None, locale: str) -> str:
    # Cached: Babel takes longer than the rest of a history's sentence.
    ordinal = parse_month(month or "")
    if ordinal is None:
        return month or ""
    year, index = divmod(ordinal, 12)
    if year < 1:  # YAML accepts 0000-01; a calendar has no year 0
        return month or ""
    return format_date(date(year, index + 1, 1), "MMM y", locale=locale.replace("-", "_"))


_STATUS_WORDS: dict[str, str] = {status: words for status, (_, words) in STATUS_LABELS.items()}


def status_words(status: Status | str) -> str:
    """The status as the site writes it: ``on target``, ``not reported``."""
    return _STATUS_WORDS.get(status, status)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """Text on one line, shortened to ``limit`` characters with an ellipsis."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Wording:
    """How changes of one KPI are said: its unit for values, people's and categories' names."""

    kpi: Kpi | None
    """The KPI as it is now; None when it is not known (a side that does not validate)."""
    people: Mapping[str, str]
    """Person id -> name."""
    categories: Mapping[str, str]
    """Category key -> title."""
    currency: str | None = None

    @classmethod
    def of(cls, scorecard: Scorecard | None, kpi_id: str) -> Wording:
        if scorecard is None:
            return cls(None, {}, {})
        return cls(
            scorecard.kpis.get(kpi_id),
            {person_id: person.name for person_id, person in scorecard.people.items()},
            dict(scorecard.settings.categories or {}),
            scorecard.settings.currency,
        )

    def value(self, value: Any) -> str:
        """A number in the KPI's unit; anything else as written, on one line."""
        if value is None:
            return "none"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return excerpt(_written(value))
        if self.kpi is None:
            return number_literal(float(value))
        return value_text(self.kpi, float(value), self.currency)

    def person(self, person_id: Any) -> str:
        return self.people.get(person_id, str(person_id)) if isinstance(person_id, str) else "none"

    def sentences(self, change: Change) -> list[str]:
        """One change as one or more sentences (a stepped target says each step)."""
        if change.field == "values":
            return [self._value_change(month_label(change.month), change)]
        if change.field == "notes":
            return [self._note_change(change)]
        if change.field == "file":
            return [
                f"File moved from {change.old}" if change.old else f"File created as {change.new}"
            ]
        if change.field == "target" and (
            isinstance(change.old, dict) or isinstance(change.new, dict)
        ):
            return self._stepped(FIELD_NAMES["target"], change.old, change.new)
        if change.field in ("segments", "segment_targets"):
            return self._segments(change)
        return [self._field_change(change)]

    def _value_change(self, where: str, change: Change) -> str:
        if change.kind == "added":
            return f"{where} reported: {self.value(change.new)}"
        if change.kind == "removed":
            return f"{where} value removed (was {self.value(change.old)})"
        return f"{where} restated from {self.value(change.old)} to {self.value(change.new)}"

    def _note_change(self, change: Change) -> str:
        month = month_label(change.month)
        if change.new is None:
            return f"Note for {month} removed"
        verb = "added" if change.old is None else "changed"
        return f"Note for {month} {verb}: “{excerpt(_written(change.new))}”"

    def _field_change(self, change: Change) -> str:
        name = FIELD_NAMES.get(change.field, change.field)
        if change.field in MULTI_LINE_FIELDS:
            return f"{name} changed" if change.old is not None else f"{name} set"
        old, new = (
            self._field_value(change.field, change.old),
            self._field_value(change.field, change.new),
        )
        if change.old is None:
            return f"{name} set to {new}"
        if change.new is None:
            return f"{name} removed (was {old})"
        return f"{name} from {old} to {new}"

    def _field_value(self, field_name: str, value: Any) -> str:
        if field_name in ("owner", "supports") and isinstance(value, str):
            return self.person(value) if field_name == "owner" else value
        if field_name == "category" and isinstance(value, str):
            return self.categories.get(value, value)
        if field_name == "daci" and isinstance(value, dict):
            return _daci(value, self.person)
        if field_name in ("tags", "audience") and isinstance(value, list):
            return ", ".join(excerpt(str(item), 30) for item in value) or "none"
        if field_name == "benchmark" and isinstance(value, dict):
            source = f" ({excerpt(str(value['source']), 40)})" if value.get("source") else ""
            return self.value(value.get("value")) + source
        if field_name in NUMERIC_FIELDS:
            return self.value(value)
        if field_name in QUOTED_FIELDS and isinstance(value, str):
            return f"“{excerpt(value)}”"
        return self.value(value) if isinstance(value, int | float) else excerpt(_written(value))

    def _stepped(self, name: str, old: Any, new: Any) -> list[str]:
        """A target given per month: one sentence per step that changed."""
        before, after = _steps(old), _steps(new)
        sentences = []
        for month in sorted(set(before) | set(after), key=str):
            was, now = before.get(month), after.get(month)
            if was == now:
                continue
            start = "" if month == "" else f" from {month_label(month)}"
            if was is None:
                sentences.append(f"{name} of {self.value(now)}{start} added")
            elif now is None:
                sentences.append(f"{name} of {self.value(was)}{start} removed")
            else:
                sentences.append(f"{name} from {self.value(was)} to {self.value(now)}{start}")
        return sentences or [f"{name} changed"]

    def _segments(self, change: Change) -> list[str]:
        """Segment values (or targets) per segment, each said like the KPI's own."""
        old = change.old if isinstance(change.old, dict) else {}
        new = change.new if isinstance(change.new, dict) else {}
        sentences = []
        for segment in sorted(set(old) | set(new), key=str):
            label = f"Segment “{excerpt(str(segment), 30)}”"
            was, now = old.get(segment), new.get(segment)
            if change.field == "segment_targets":
                sentences += self._stepped(f"{label} target", was, now)
                continue
            was_values = was if isinstance(was, dict) else {}
            now_values = now if isinstance(now, dict) else {}
            for month in sorted(set(was_values) | set(now_values), key=str):
                a, b = was_values.get(month), now_values.get(month)
                if a == b:
                    continue
                kind = (
                    "added"
                    if month not in was_values
                    else "removed"
                    if month not in now_values
                    else "restated"
                )
                where = f"{label} {month_label(str(month))}"
                sentences.append(
                    self._value_change(where, Change("values", str(month), a, b, kind))
                )
        return sentences or [f"{FIELD_NAMES[change.field]} changed"]


def _steps(target: Any) -> dict[str, Any]:
    """A target as month -> value; a constant target is the step of every month ("")."""
    if target is None:
        return {}
    if isinstance(target, dict):
        return {str(month): value for month, value in target.items()}
    return {"": target}


def _daci(daci: Mapping[str, Any], person: Any) -> str:
    parts = []
    for role in ("approver", "contributors", "informed"):
        people = daci.get(role)
        if people is None:
            continue
        names = [person(p) for p in (people if isinstance(people, list) else [people])]
        parts.append(f"{role} {', '.join(names) or 'none'}")
    return "; ".join(parts) or "none"


def _written(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_literal(float(value))
    if isinstance(value, list):
        return ", ".join(_written(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_written(item)}" for key, item in value.items())
    return str(value)
