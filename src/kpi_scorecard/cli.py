"""The ``kpi`` command: a thin click group over the library.

Each command parses its arguments, calls the library, prints, and sets the exit code: 0 success,
1 problems in the data, 2 usage. Heavy modules (plotly, mkdocs, markdown) are imported inside the
commands so that ``kpi --help`` stays instant.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kpi_scorecard.errors import (
    MESSAGE_LIMIT,
    ScorecardError,
    ValidationFailed,
    one_line,
    quote,
)

if TYPE_CHECKING:
    from kpi_scorecard.edit.plausible import Recorded
    from kpi_scorecard.errors import Problem

EXIT_PROBLEMS = 1

repository_argument = click.argument(
    "directory",
    required=False,
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)


repo_option = click.option(
    "--repo",
    "directory",
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The scorecard repository (default: the current folder).",
)


def print_problems(problems: list[Problem]) -> None:
    """Every problem on its own line, then a one-line summary on stderr. Problems with the
    command's own arguments have no file: they read ``error: ...``."""
    github = click.get_current_context(silent=True) is not None and (
        click.get_current_context().meta.get("format") == "github"
    )
    for problem in problems:
        text = github_command(problem) if github else str(problem)
        if problem.path in ARGUMENT_PROBLEMS:
            text = text.split(": ", 1)[1]
        click.echo(text)
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if problems:
        click.echo(f"{_count(errors, 'error')}, {_count(warnings, 'warning')}", err=True)


def github_command(problem: Problem) -> str:
    """``::error file=...,line=...::message``: GitHub shows it on that line of the diff."""

    def escape(text: str, properties: bool = False) -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if properties else text

    message = problem.text()
    return (
        f"::{problem.severity} file={escape(problem.path, True)},line={problem.line}::"
        f"{escape(message)}"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def require_scorecard(directory: Path) -> Path:
    """The repository root, or a usage error when it holds no ``kpis/`` folder."""
    root = directory.resolve()
    if not (root / "kpis").is_dir():
        raise click.UsageError(
            f"{quote(str(directory))} is not a scorecard repository (no kpis/ folder)"
        )
    return root


class KpiGroup(click.Group):
    """Turns library and operating system errors into a one-line message and exit 1, never a
    traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ValidationFailed as failed:
            print_problems(failed.problems)
            ctx.exit(EXIT_PROBLEMS)
        except ScorecardError as error:
            click.echo(f"error: {one_line(str(error), MESSAGE_LIMIT)}", err=True)
            ctx.exit(EXIT_PROBLEMS)
        except OSError as error:  # a full disk, a read-only folder: the file and the reason
            click.echo(f"error: {os_error_text(error)}", err=True)
            ctx.exit(EXIT_PROBLEMS)


def os_error_text(error: OSError) -> str:
    """``site/index.html: no space left on device``: the file (relative to the current folder
    when it is under it) and the reason, on one line."""
    reason = (error.strerror or str(error) or type(error).__name__).lower()
    if error.filename is None:
        return reason
    path = Path(os.fsdecode(error.filename))
    with contextlib.suppress(ValueError):
        path = path.resolve().relative_to(Path.cwd())
    shown = "".join(c if c.isprintable() else "?" for c in path.as_posix())
    return f"{shown}: {reason}"


@click.group(cls=KpiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpi-scorecard")
def main() -> None:
    """KPI scorecards as code: YAML in git, a mkdocs-material site out."""


@main.command()
@repository_argument
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github"]),
    default="text",
    help="github: workflow commands, so that GitHub annotates the lines of the pull request.",
)
def validate(directory: Path, output_format: str) -> None:
    """Check a scorecard repository and report every problem, one line each: errors, and
    warnings about KPI quality (no target, off target without a note, overdue values).

    Exit status: 0 valid (warnings allowed), 1 errors, 2 usage.

    \b
    Example:
        kpi validate            # the repository in the current folder
        kpi validate ../acme    # another one
        kpi validate --format github
    """
    from kpi_scorecard.repository import load_repository

    root = require_scorecard(directory)
    click.get_current_context().meta["format"] = output_format
    repository = load_repository(root)
    print_problems(sorted(repository.warnings + repository.quality))
    click.echo(f"{_count(len(repository.scorecard.kpis), 'KPI')} valid", err=True)


COMMAND_LINE = "kpi set"
ARGUMENT_PROBLEMS = (COMMAND_LINE, "kpi new")
"""Problems with a command's own arguments: printed as ``error: ...`` without a file."""


@main.command(name="new")
@click.argument("kpi_id", metavar="ID")
@click.option("--name", required=True, help="The title shown on the site.")
@click.option("--owner", required=True, help="A person id from kpis/people.yaml.")
@click.option("--category", required=True, help="A category key; also the folder under kpis/.")
@click.option("--better", required=True, type=click.Choice(["higher", "lower"]))
@click.option("--unit", default="number", type=click.Choice(["number", "percent", "currency"]))
@click.option("--description", default=None, help="What it measures (Markdown).")
@repo_option
def new(
    kpi_id: str,
    name: str,
    owner: str,
    category: str,
    better: str,
    unit: str,
    description: str | None,
    directory: Path,
) -> None:
    """Write a new KPI file, kpis/CATEGORY/ID.yaml, with every field explained in comments.

    \b
    Example:
        kpi new cpl --name "Cost per lead" --owner maria --category efficiency --better lower
    """
    from kpi_scorecard.edit.scaffold import NewKpi, new_kpi

    root = require_scorecard(directory)
    fields = NewKpi(kpi_id, name, owner, category, better, unit=unit)
    if description:
        fields = NewKpi(kpi_id, name, owner, category, better, description, unit)
    path = new_kpi(root, fields)
    click.echo(f"wrote {path.relative_to(root).as_posix()}", err=True)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="KPI scorecard", help="The site's title.")
def init(directory: Path, title: str) -> None:
    """Make a new scorecard repository in DIRECTORY (new or empty) that builds as it is.

    \b
    Example:
        kpi init acme-scorecard --title "Acme marketing scorecard"
    """
    from kpi_scorecard.edit.scaffold import init_repository

    written = init_repository(directory, title)
    click.echo(f"{_count(len(written), 'file')} written to {one_line(str(directory))}", err=True)


@main.command()
@repository_argument
def codeowners(directory: Path) -> None:
    """Write .github/CODEOWNERS so that each KPI file needs a review by its owner or approver
    (their github handles in kpis/people.yaml); people without a handle are listed.

    \b
    Example:
        kpi codeowners
    """
    from kpi_scorecard.edit.scaffold import write_codeowners

    root = require_scorecard(directory)
    path, missing = write_codeowners(root)
    for line in missing:
        click.echo(f"warning: {line}", err=True)
    click.echo(f"wrote {path.relative_to(root).as_posix()}", err=True)


confirm_option = click.option(
    "--confirm",
    is_flag=True,
    help="Record values far outside their KPI's history (otherwise refused, with the reason).",
)
new_segment_option = click.option(
    "--new-segment",
    "new_segments",
    is_flag=True,
    help="Allow a segment the KPI does not have yet (otherwise refused: a typo would start one).",
)


def print_recorded(recorded: list[Recorded]) -> None:
    """What changed, one sentence per value: ``traffic Oct 2026: 15 463 -> 15 600
    (restated)``."""
    for change in recorded:
        click.echo(change.sentence())


@main.command(name="set", context_settings={"ignore_unknown_options": True})
@click.argument("kpi_id", metavar="ID")
@click.argument("month")
@click.argument("value")
@click.option("--note", help="Markdown: the story behind the number.")
@click.option("--segment", help="Record the value of a segment (a channel) instead of the total.")
@confirm_option
@new_segment_option
@repo_option
def set_value(
    kpi_id: str,
    month: str,
    value: str,
    note: str | None,
    segment: str | None,
    confirm: bool,
    new_segments: bool,
    directory: Path,
) -> None:
    """Record a KPI's value for a month (null: not reported), keeping the file's comments,
    key order and formatting; only the touched lines change. Negative values need no quoting.
    Prints what changed. A value far outside the KPI's history (a fraction typed into a
    percent KPI, a digit too many) is refused unless --confirm, a segment the KPI does not
    have unless --new-segment.

    \b
    Example:
        kpi set cpc 2026-11 1.18 --note "Broad match paused all month."
        kpi set margin 2026-11 -3.5
        kpi set paid_spend 2026-11 41250 --segment search
    """
    from kpi_scorecard.edit.record import Checks, Request, record

    root = require_scorecard(directory)
    request = Request(kpi_id, month, value, note, COMMAND_LINE, 1, segment)
    result = record(root, [request], checks=Checks(confirm, new_segments))
    print_recorded(result.recorded)
    for path in result.files:
        click.echo(f"updated {path.relative_to(root).as_posix()}", err=True)


@main.command(name="import")
@click.argument(
    "csv_file",
    metavar="FILE.csv|FILE.xlsx",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@confirm_option
@new_segment_option
@repo_option
def import_csv(csv_file: Path, confirm: bool, new_segments: bool, directory: Path) -> None:
    """Record many values from kpi,month,value[,note[,segment]] rows: all of them, or none when
    any row is wrong (every bad row is reported as FILE.csv:line: ...). A header row may name
    the columns in any order. Prints what changed; --confirm and --new-segment as for kpi set.
    From a workbook (.xlsx), the first sheet is read: months in date cells or as YYYY-MM text,
    values in number cells; errors name FILE.xlsx:ROW.

    \b
    Example:
        kpi import november.csv
        kpi import november.xlsx
    """
    from kpi_scorecard.edit.record import Checks, record_csv

    root = require_scorecard(directory)
    checks = Checks(confirm, new_segments)
    if csv_file.suffix.lower() in (".xlsx", ".xlsm"):
        from kpi_scorecard.sources.workbook import record_workbook

        result = record_workbook(root, csv_file, str(csv_file), checks)
    else:
        result = record_csv(root, csv_file, str(csv_file), checks)
    print_recorded(result.recorded)
    click.echo(f"{_count(len(result.files), 'file')} updated", err=True)


def _month_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    from kpi_scorecard.model import parse_month

    if value is None:
        return None
    month = parse_month(value.strip())
    if month is None:
        raise click.BadParameter(f"{quote(value)} is not a month (expected YYYY-MM, e.g. 2026-03)")
    return month


@main.command()
@click.argument("kpi_ids", metavar="[KPI]...", nargs=-1)
@click.option(
    "--month",
    metavar="YYYY-MM",
    callback=_month_option,
    help="Record only this month of what the queries return.",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@repo_option
def pull(kpi_ids: tuple[str, ...], month: int | None, dry_run: bool, directory: Path) -> None:
    """Record the values the KPIs' databases hold (their source: query), all of them or none,
    and print what changed as kpi diff does (Markdown; restatements flagged). The databases'
    URLs come from scorecard.yaml, their ${VARIABLES} from the environment.

    \b
    Example:
        kpi pull --dry-run              # every KPI with a source, nothing written
        kpi pull traffic --month 2026-11
    """
    from kpi_scorecard.sources.pull import pull as pull_values

    root = require_scorecard(directory)
    pulled = pull_values(root, kpi_ids, month, dry_run)
    if not pulled.queried:
        click.echo("no KPI has a source: nothing to pull", err=True)
        return
    click.echo(pulled.summary, nl=False)
    for warning in pulled.warnings:
        click.echo(str(warning), err=True)
    verb = "would change" if dry_run else "updated"
    click.echo(f"{_count(len(pulled.changed), 'file')} {verb}", err=True)


@main.command()
@click.argument("base", required=False)
@click.argument("head", required=False)
@repo_option
def diff(base: str | None, head: str | None, directory: Path) -> None:
    """Markdown summary of KPI changes between two revisions, for pull request comments.

    BASE defaults to the merge base with the default branch, HEAD to the working tree. Prints
    nothing when no KPI changed.

    \b
    Example:
        kpi diff                      # this branch against main, uncommitted edits included
        kpi diff origin/main HEAD >> "$GITHUB_STEP_SUMMARY"
    """
    from kpi_scorecard.audit.diff import snapshot_at, snapshot_of_tree
    from kpi_scorecard.audit.history import RevisionError, default_base, resolve
    from kpi_scorecard.render.diff import diff_markdown

    root = require_scorecard(directory)
    try:
        base_commit = resolve(root, base) if base else default_base(root)
        head_commit = resolve(root, head) if head else None
    except RevisionError as error:
        raise click.UsageError(str(error)) from None
    old = snapshot_at(root, base_commit, f"`{base or base_commit[:7]}`")
    new = (
        snapshot_at(root, head_commit, f"`{head}`")
        if head_commit
        else snapshot_of_tree(root, "the working tree")
    )
    click.echo(diff_markdown(old, new), nl=False)


@main.command()
@repository_argument
@click.option("--strict", is_flag=True, help="Fail on warnings too (as mkdocs build --strict).")
def build(directory: Path, strict: bool) -> None:
    """Build the site into site/, replacing the previous one only when the build succeeds.

    \b
    Example:
        kpi build --strict
    """
    from kpi_scorecard.site import build_site, exit_without_teardown, runs_command

    site_dir = build_site(require_scorecard(directory), strict=strict)
    click.echo(f"site written to {site_dir}", err=True)
    if runs_command("kpi"):  # nothing is left to do: the build's objects need not be freed
        exit_without_teardown(0)


@main.command()
@repository_argument
@click.option(
    "--dev-addr", "-a", default=None, help="IP:PORT to serve on (default 127.0.0.1:8000)."
)
def serve(directory: Path, dev_addr: str | None) -> None:
    """Preview the site with live reload when kpis/, site_src/ or hooks/ change.

    \b
    Example:
        kpi serve -a 127.0.0.1:8001
    """
    from kpi_scorecard.site import serve_site

    serve_site(require_scorecard(directory), dev_addr=dev_addr)


@main.command()
@click.argument("month", required=False)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "html", "text"]),
    default="markdown",
    help="markdown for a pull request or a chat, html for email, text for a terminal.",
)
@click.option(
    "--audience",
    type=click.Choice(["business"]),
    default=None,
    help="Leave out the KPIs not meant for that audience.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@click.option("--send", is_flag=True, help="Mail it (text and HTML) through KPI_SMTP_URL.")
@click.option("--to", "recipients", multiple=True, metavar="ADDR", help="A recipient; repeat.")
@click.option("--from", "sender", metavar="ADDR", help="The sender (default: KPI_SMTP_FROM).")
@click.option(
    "--initiative",
    metavar="SLUG",
    help="An initiative's kick-off, readout or end summary, to its DACI people.",
)
@repo_option
def readout(
    month: str | None,
    output_format: str,
    audience: str | None,
    output: Path | None,
    send: bool,
    recipients: tuple[str, ...],
    sender: str | None,
    initiative: str | None,
    directory: Path,
) -> None:
    """The month's executive summary: status counts, what is off target and why, the biggest
    moves, the pace of the year and what was restated since the last review. MONTH defaults to
    the scorecard's reporting month; links point to the site when mkdocs.yml sets site_url.

    \b
    Example:
        kpi readout                          # Markdown on stdout
        kpi readout 2026-10 --format html -o readout.html
        KPI_SMTP_URL=smtps://bot:secret@mail.example.com kpi readout --send --to team@example.com
        kpi readout --initiative spring-paid-social --send   # to its DACI people
    """
    from kpi_scorecard.readouts import parse_readout_month, readout_of
    from kpi_scorecard.render.readout import readout_markdown, readout_text
    from kpi_scorecard.render.readout_html import readout_html
    from kpi_scorecard.site import configured_site_url

    root = require_scorecard(directory)
    chosen = parse_readout_month(month)
    if initiative is not None:
        initiative_readout(
            root, initiative, chosen, output_format, output, send, recipients, sender
        )
        return
    summary = readout_of(root, chosen, audience, configured_site_url(root))
    writers = {"markdown": readout_markdown, "html": readout_html, "text": readout_text}
    text = writers[output_format](summary)
    if send:
        mail(summary.heading, readout_text(summary), readout_html(summary), recipients, sender)
    _write_or_print(text, output)


def initiative_readout(
    root: Path,
    slug: str,
    month: int | None,
    output_format: str,
    output: Path | None,
    send: bool,
    recipients: tuple[str, ...],
    sender: str | None,
) -> None:
    """``kpi readout --initiative``: the message due, to --to or else its DACI people."""
    from kpi_scorecard.readouts import initiative_message_of
    from kpi_scorecard.render.initiative import message_html, message_markdown, message_text
    from kpi_scorecard.site import configured_site_url

    message = initiative_message_of(root, slug, month, configured_site_url(root))
    for name in message.without_email:
        click.echo(f"warning: {one_line(name)} has no email in kpis/people.yaml", err=True)
    writers = {"markdown": message_markdown, "html": message_html, "text": message_text}
    text = writers[output_format](message)
    if send:
        to = recipients or message.recipients
        body = message_text(message, addressed=False)
        mail(message.subject, body, message_html(message), to, sender)
    _write_or_print(text, output)


def _write_or_print(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {one_line(str(output))}", err=True)


def mail(
    subject: str, text: str, html: str, recipients: tuple[str, ...], sender: str | None
) -> None:
    """Send text and HTML; a usage error without recipients or a server."""
    from kpi_scorecard.mail import (
        FROM_VARIABLE,
        URL_VARIABLE,
        parse_smtp_url,
        readout_message,
        send,
        sender_of,
    )

    if not recipients:
        raise click.UsageError("--send needs at least one --to ADDR")
    url = os.environ.get(URL_VARIABLE)
    if not url:
        raise click.UsageError(f"--send needs {URL_VARIABLE} (smtp://user:pass@host:port)")
    server = parse_smtp_url(url)
    chosen = sender_of(sender, os.environ.get(FROM_VARIABLE), server)
    send(readout_message(subject, text, html, chosen, recipients), server)
    click.echo(f"sent to {_count(len(recipients), 'recipient')} through {server}", err=True)
