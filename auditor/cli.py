"""Command line: wiring only. Errors become one line on stderr and an exit code here."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from auditor import __version__, aggregate, audit, config, demo, diff, git, proc, report, results
from auditor.errors import AuditorError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = (
    "Exit codes: 0 every evaluated control passed; 1 a control failed or the score is "
    "below --fail-under; 2 bad input or usage; 3 the audit is incomplete (a collector "
    "errored, or an internal error)."
)


def _internal(err: Exception) -> NoReturn:
    """A bug of ours must not look like a verdict: report it and exit as incomplete."""
    click.echo(f"auditor: internal error: {type(err).__name__}: {err}", err=True)
    sys.exit(audit.EXIT_INCOMPLETE)


def _fatal(err: AuditorError) -> NoReturn:
    click.echo(f"auditor: error: {err}", err=True)
    sys.exit(err.exit_code)


def _on_terminate(signum: int, frame: object) -> None:
    """A cancelled CI job sends SIGTERM: stop every tool we started, then exit; outputs
    are only ever replaced atomically, so nothing half-written is left behind."""
    proc.terminate_all()
    sys.stderr.write("auditor: terminated; outputs are only written atomically\n")
    os._exit(128 + signum)


@click.group(epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="auditor")
def main() -> None:
    """Security-checklist compliance auditor for Python projects."""
    signal.signal(signal.SIGTERM, _on_terminate)


def _audit_options(f: F) -> F:
    options = [
        click.option(
            "--checklist",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Checklist YAML (default: bundled).",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Auditor settings (TOML).",
        ),
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Output folder.",
        ),
        click.option(
            "--format",
            "formats",
            type=click.Choice(config.FORMATS),
            multiple=True,
            help="Output format (repeatable; default html and json).",
        ),
        click.option(
            "--fail-under",
            type=click.FloatRange(0, 100),
            default=None,
            help="Exit 1 if the overall score is below this.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=None,
            help="Per-collector timeout in seconds.",
        ),
        click.option(
            "--url",
            "urls",
            multiple=True,
            help="https:// URL of the deployed service to check live (repeatable).",
        ),
        click.option(
            "--http-url",
            "http_urls",
            multiple=True,
            help="http:// URL that must redirect to https (repeatable).",
        ),
        click.option(
            "--ca-bundle",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="CA bundle for the live TLS checks (default: the system trust store).",
        ),
        click.option(
            "--osv-db",
            type=click.Path(exists=True, path_type=Path),
            default=None,
            help="Offline OSV PyPI database, folder or zip (default: from `auditor db update`).",
        ),
        click.option(
            "--waivers",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="Waiver file (default: .auditor/waivers.yaml in the audited repository).",
        ),
        click.option(
            "--attestations",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="Attestation file (default: .auditor/attestations.yaml in the audited repo).",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(["critical", "high", "medium", "low"]),
            default=None,
            help="Exit 1 only for failing controls at or above this severity.",
        ),
        click.option(
            "--fail-on-error/--no-fail-on-error",
            default=None,
            help="Exit 3 when the audit is incomplete (default: on).",
        ),
        click.option(
            "--config-from",
            "config_from",
            default=None,
            metavar="REF",
            help="Read the repository's auditor settings, waivers and attestations from this "
            "trusted git ref (e.g. the base branch) instead of the working tree.",
        ),
        click.option(
            "--changed-since",
            default=None,
            metavar="REF",
            help="PR mode: code scanners analyse only files changed since REF (others from cache).",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Per-file result cache (default: $XDG_CACHE_HOME/auditor).",
        ),
        click.option(
            "--no-cache", is_flag=True, default=False, help="Do not read or write the cache."
        ),
        click.option(
            "--workers", type=click.IntRange(1, 256), default=None, help="Parallel processes."
        ),
        click.option("--quiet", "-q", is_flag=True, default=False, help="No progress lines."),
        click.option(
            "--today",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            default=None,
            hidden=True,
            help="Evaluate waivers and attestations as of this date (for reproducing an audit).",
        ),
        click.option(
            "--previous",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="An earlier results.json: adds 'changes since the last audit'.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _run(path: Path, out: Path, opts: dict[str, Any]) -> audit.AuditResult:
    cli = {
        "checklist": str(opts["checklist"]) if opts["checklist"] else None,
        "formats": opts["formats"],
        "fail_under": opts["fail_under"],
        "timeout": opts["timeout"],
        "waivers": str(opts["waivers"]) if opts["waivers"] else None,
        "attestations": str(opts["attestations"]) if opts["attestations"] else None,
        "fail_on": opts["fail_on"],
        "osv_db": str(opts["osv_db"]) if opts["osv_db"] else None,
        "tls_targets": opts["urls"],
        "http_urls": opts["http_urls"],
        "ca_bundle": str(opts["ca_bundle"]) if opts["ca_bundle"] else None,
        "changed_since": opts["changed_since"],
        "cache_dir": str(opts["cache_dir"]) if opts["cache_dir"] else None,
        "cache": False if opts["no_cache"] else None,
        "workers": opts["workers"],
        "fail_on_error": opts["fail_on_error"],
    }
    ref = opts["config_from"]
    trusted = (ref, git.file_at(path, ref, "pyproject.toml")) if ref else None
    settings = config.resolve(path, opts["config_file"], cli, trusted)
    previous = results.load(opts["previous"]) if opts["previous"] else None
    today = opts["today"].date() if opts["today"] else None
    show = not opts["quiet"] and sys.stderr.isatty()
    progress = (lambda line: click.echo(line, err=True)) if show else None
    result = audit.run(path, settings, today, ref, progress)
    doc = results.build(result)
    _render(doc, out, settings["formats"], previous)
    click.echo(f"Score: {result.score.summary}")
    counts = ", ".join(f"{n} {s}" for s, n in result.score.counts.items() if n)
    click.echo(f"Controls: {counts}")
    for name, c in sorted(result.collected.items()):
        if c.status == "error":
            click.echo(f"Collector {name}: error: {c.reason}", err=True)
    return result


def _render(
    doc: dict[str, Any], out: Path, formats: list[str], previous: dict[str, Any] | None
) -> None:
    changes = diff.compare(previous, doc) if previous is not None else None
    rendered = {
        out / fmt.filename: report.render(fmt, doc, changes)
        for fmt in (report.Format(f) for f in sorted(set(formats)))
    }
    results.write_all(rendered)
    for p in rendered:
        click.echo(f"Wrote {p}")


@main.command("audit", epilog=EXIT_CODES_HELP)
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_audit_options
def audit_cmd(path: Path, out: Path | None, **opts: Any) -> None:
    """Audit the repository or folder at PATH."""
    try:
        result = _run(path, out or Path("auditor-report"), opts)
    except AuditorError as e:
        _fatal(e)
    except Exception as e:  # noqa: BLE001 - the CLI edge: never a traceback as a verdict
        _internal(e)
    sys.exit(result.exit_code)


@main.command("demo")
@click.option(
    "--secure", is_flag=True, help="Audit the secure variant instead of the insecure one."
)
@_audit_options
def demo_cmd(secure: bool, out: Path | None, **opts: Any) -> None:
    """Build the bundled example app into a git repository and audit it.

    Exits 0 when the audit completed, whatever it found (it is a showcase);
    3 if a collector errored.
    """
    variant = "secure" if secure else "insecure"
    out = out or Path("auditor-demo")
    try:
        repo = demo.build(variant, out / f"repo-{variant}")
        click.echo(f"Built the {variant} demo repository at {repo}")
        if opts["osv_db"] is None:
            # a few real advisories for the demo's pins, so the dependency control is decided
            opts = {**opts, "osv_db": demo.OSV_DB}
            click.echo(f"Using the demo vulnerability database {demo.OSV_DB} (6 records)")
        result = _run(repo, out, opts)
    except AuditorError as e:
        _fatal(e)
    except Exception as e:  # noqa: BLE001 - the CLI edge: never a traceback as a verdict
        _internal(e)
    click.echo(f"Open {out / 'index.html'} in a browser to see the dashboard.")
    sys.exit(audit.EXIT_INCOMPLETE if result.exit_code == audit.EXIT_INCOMPLETE else 0)


@main.command("report")
@click.argument("results_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "formats",
    type=click.Choice(config.FORMATS),
    multiple=True,
    help="Output format (repeatable; default html).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("auditor-report"),
    help="Output folder.",
)
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="An earlier results.json to compare with.",
)
def report_cmd(
    results_file: Path, formats: tuple[str, ...], out: Path, previous: Path | None
) -> None:
    """Re-render a stored results.json without re-running any collector."""
    try:
        doc = results.load(results_file)
        before = results.load(previous) if previous else None
        _render(doc, out, list(formats) or ["html"], before)
    except AuditorError as e:
        _fatal(e)


@main.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
@click.option("--fail-on-regression", is_flag=True, help="Exit 1 on any new failing control.")
def diff_cmd(old: Path, new: Path, fmt: str, fail_on_regression: bool) -> None:
    """Control-level changes between two results.json files, including weakening of the audit."""
    try:
        changes = diff.compare(results.load(old), results.load(new))
    except AuditorError as e:
        _fatal(e)
    if fmt == "json":
        click.echo(json.dumps(changes, indent=2, sort_keys=True))
    elif fmt == "markdown":
        click.echo(report.markdown.render_changes(changes), nl=False)
    else:
        click.echo(diff.render_text(changes), nl=False)
    sys.exit(1 if fail_on_regression and changes["new_failures"] else 0)


@main.command("aggregate")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("auditor-org")
)
@click.option(
    "--stale-days",
    type=click.IntRange(min=1),
    default=aggregate.DEFAULT_STALE_DAYS,
    show_default=True,
)
def aggregate_cmd(files: tuple[Path, ...], out: Path, stale_days: int) -> None:
    """Merge many repositories' results.json into one organisation dashboard."""
    import datetime as dt

    try:
        org = aggregate.rollup(files, dt.datetime.now(dt.UTC), stale_days)
        outputs = {
            out / "org.json": json.dumps(org, indent=2, sort_keys=True) + "\n",
            out / "index.html": report.html.render_org(org),
        }
        results.write_all(outputs)
    except AuditorError as e:
        _fatal(e)
    for p in outputs:
        click.echo(f"Wrote {p}")


@main.group("db")
def db_group() -> None:
    """The offline vulnerability database (OSV, PyPI ecosystem)."""


@db_group.command("update")
@click.option(
    "--path",
    "dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for all.zip (default: where the dependency collector looks).",
)
def db_update_cmd(dest: Path | None) -> None:
    """Download the OSV PyPI database: the only command that uses the network."""
    from auditor.deps.osv_update import update_database

    try:
        r = update_database(dest)
    except AuditorError as e:
        _fatal(e)
    click.echo(f"Wrote {r.path}: {r.records} records, downloaded {r.downloaded}")


@main.command("staged-secrets")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
def staged_secrets_cmd(path: Path) -> None:
    """Scan the staged changes for secrets (the pre-commit hook); exit 1 if any is found."""
    from auditor.staged import scan_staged

    try:
        hits = scan_staged(path.resolve())
    except AuditorError as e:
        _fatal(e)
    for h in hits:
        click.echo(f"{h.path}:{h.line}: {h.rule_id}: {h.redacted}", err=True)
    if hits:
        click.echo(
            f"auditor: {len(hits)} secret(s) in the staged changes; commit aborted", err=True
        )
    sys.exit(1 if hits else 0)


@main.command("collectors")
def collectors_cmd() -> None:
    """List collectors and the versions of their tools; exit 3 if a tool is missing."""
    from auditor.collectors import PLANNED, REGISTRY

    missing = False
    for name, c in sorted(REGISTRY.items()):
        try:
            status = f"{c.tool} {c.version(30.0)}"
        except AuditorError as e:
            status, missing = f"MISSING: {e}", True
        click.echo(f"{name:<12} {status}")
    for name in sorted(PLANNED):
        click.echo(f"{name:<12} not implemented yet")
    sys.exit(audit.EXIT_INCOMPLETE if missing else 0)


@main.group("checklist")
def checklist_group() -> None:
    """Checklist tools."""


@checklist_group.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def validate_cmd(file: Path) -> None:
    """Validate a checklist file; exit 2 with file:line:col on the first error."""
    try:
        cl = audit.load_checklist(file)
    except AuditorError as e:
        _fatal(e)
    n = sum(1 for _ in cl.controls())
    click.echo(f"{file}: ok: {len(cl.practices)} practices, {n} controls")


if __name__ == "__main__":  # pragma: no cover
    main()
