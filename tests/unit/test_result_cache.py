"""The settings collectors' whole-result cache: reused only while every file they read,
every path they probed and every walk they took is unchanged; never a different verdict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from auditor.collectors.base import AuditContext
from auditor.collectors.django_settings import DjangoSettingsCollector
from auditor.collectors.flask_config import FlaskConfigCollector
from auditor.evidence import CollectorResult
from auditor.files import DEFAULT_EXCLUDES
from tests.unit.test_secrets_samples import samples

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "e2e"

SETTINGS = """
SECRET_KEY = "k3J9s-2mQ!x7Lp0_vR4tZ8wB1nC6yD5eF(hG)iH*uJ&oK^lM%aN$bO#cP@qS"
DEBUG = False
ALLOWED_HOSTS = ["example.com"]
try:
    from proj.local import *  # noqa
except ImportError:
    pass
"""
MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")\n'


def django_repo(root: Path) -> Path:
    (root / "proj").mkdir(parents=True)
    (root / "proj" / "__init__.py").write_text("")
    (root / "proj" / "settings.py").write_text(SETTINGS)
    (root / "manage.py").write_text(MANAGE)
    return root


def ctx(root: Path, cache: Path | None, timeout: float = 600.0) -> AuditContext:
    return AuditContext(root, False, DEFAULT_EXCLUDES, timeout, cache_dir=cache)


def cache_stats(result: CollectorResult) -> dict[str, Any]:
    stats = result.details["cache"]
    assert isinstance(stats, dict)
    return stats


def without_cache(result: CollectorResult) -> CollectorResult:
    details = {k: v for k, v in result.details.items() if k != "cache"}
    return CollectorResult(result.name, result.tool, result.tool_version, result.status,
                           result.reason, result.findings, result.facts, details)  # fmt: skip


def fact(result: CollectorResult, key: str) -> Any:
    return next(f.value for f in result.facts if f.key == key)


def test_a_warm_run_reuses_the_result_and_equals_a_run_without_cache(tmp_path: Path) -> None:
    repo = django_repo(tmp_path / "r")
    cache = tmp_path / "cache"
    c = DjangoSettingsCollector()
    cold = c.collect(ctx(repo, cache))
    warm = c.collect(ctx(repo, cache))
    plain = c.collect(ctx(repo, None))
    assert cache_stats(cold)["hits"] == 0
    assert cache_stats(warm)["hits"] == 1
    assert "cache" not in plain.details
    assert without_cache(cold) == without_cache(warm) == plain
    assert fact(warm, "django.setting.DEBUG") is False


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    repo = django_repo(tmp_path / "r")
    cache = tmp_path / "cache"
    c = DjangoSettingsCollector()
    c.collect(ctx(repo, cache))
    settings = repo / "proj" / "settings.py"
    settings.write_text(settings.read_text().replace("DEBUG = False", "DEBUG = True"))
    again = c.collect(ctx(repo, cache))
    assert cache_stats(again)["hits"] == 0
    assert fact(again, "django.setting.DEBUG") is True


def test_a_new_file_at_a_path_once_found_missing_invalidates(tmp_path: Path) -> None:
    # proj/local.py did not exist (the import failed); creating it changes the settings
    repo = django_repo(tmp_path / "r")
    cache = tmp_path / "cache"
    c = DjangoSettingsCollector()
    first = c.collect(ctx(repo, cache))
    assert fact(first, "django.setting.DEBUG") is False
    (repo / "proj" / "local.py").write_text("DEBUG = True\n")
    again = c.collect(ctx(repo, cache))
    assert cache_stats(again)["hits"] == 0
    assert fact(again, "django.setting.DEBUG") is True


def test_a_new_python_file_anywhere_is_seen_by_the_flask_collector(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "util.py").write_text("X = 1\n")
    cache = tmp_path / "cache"
    c = FlaskConfigCollector()
    assert c.collect(ctx(repo, cache)).status == "not_applicable"
    (repo / "web.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    again = c.collect(ctx(repo, cache))
    assert cache_stats(again)["hits"] == 0
    assert again.status == "ok"
    assert fact(again, "flask.apps") == ["web.py:2"]


def test_fixture_apps_give_identical_results_cold_warm_and_uncached(tmp_path: Path) -> None:
    for name, collector in (("django_vuln", DjangoSettingsCollector()),
                            ("flask_vuln", FlaskConfigCollector())):  # fmt: skip
        repo = tmp_path / name
        shutil.copytree(FIXTURES / name, repo)
        cache = tmp_path / f"cache-{name}"
        cold = collector.collect(ctx(repo, cache))
        warm = collector.collect(ctx(repo, cache))
        assert cache_stats(warm)["hits"] == 1, name
        assert without_cache(cold) == without_cache(warm) == collector.collect(ctx(repo, None))
        assert cold.findings, name


def test_a_damaged_entry_is_discarded_and_the_result_computed_again(tmp_path: Path) -> None:
    repo = django_repo(tmp_path / "r")
    cache = tmp_path / "cache"
    c = DjangoSettingsCollector()
    cold = c.collect(ctx(repo, cache))
    entries = list((cache / "facts").rglob("*.json"))
    assert len(entries) == 1
    for forged in ({"observations": {"reads": {}, "probes": {}, "walks": {}}},
                   "garbage"):  # fmt: skip
        entry = json.loads(entries[0].read_text())
        entry["value"] = forged  # the integrity check no longer matches
        entries[0].write_text(json.dumps(entry))
        again = c.collect(ctx(repo, cache))
        assert cache_stats(again)["discarded"] == 1
        assert without_cache(again) == without_cache(cold)


def test_a_run_cut_short_by_the_time_limit_is_never_cached(tmp_path: Path) -> None:
    repo = django_repo(tmp_path / "r")
    (repo / "proj" / "settings.py").write_text(
        SETTINGS + "".join(f"V{i} = [x * 2 for x in range(50)]\n" for i in range(2000))
    )
    cache = tmp_path / "cache"
    c = DjangoSettingsCollector()
    cut = c.collect(ctx(repo, cache, timeout=1e-6))
    assert not list((cache / "facts").rglob("*.json"))
    # and the evidence names the time limit, not a step budget it never used up
    reasons = " ".join(f.unknown or "" for f in cut.facts)
    assert "time limit was reached" in reasons
    assert "steps exhausted" not in reasons


def test_nothing_secret_looking_is_written_to_the_cache(tmp_path: Path) -> None:
    token = next(s.secret for s in samples() if s.secret.startswith("ghp_"))
    repo = django_repo(tmp_path / "r")
    cache = tmp_path / "cache"
    excluded = AuditContext(repo, False, (*DEFAULT_EXCLUDES, token), 600.0, cache_dir=cache)
    DjangoSettingsCollector().collect(excluded)
    written = b"".join(p.read_bytes() for p in (cache / "facts").rglob("*.json"))
    assert written and token.encode() not in written  # exclusion patterns are kept hashed
    # a file the collectors read whose name looks like a secret: not cached at all
    (repo / f"{token}.py").write_text("X = 1\n")
    other = tmp_path / "cache2"
    FlaskConfigCollector().collect(ctx(repo, other))
    assert not list(other.rglob("*.json"))


def test_edits_to_files_that_cannot_matter_keep_the_cache(tmp_path: Path) -> None:
    # the one-file commit of a pull request: a module that mentions neither Flask nor
    # DJANGO_SETTINGS_MODULE changes, and both settings collectors keep their result
    repo = django_repo(tmp_path / "r")
    (repo / "util.py").write_text("X = 1\n")
    cache = tmp_path / "cache"
    for c in (DjangoSettingsCollector(), FlaskConfigCollector()):
        cold = c.collect(ctx(repo, cache))
        (repo / "util.py").write_text("X = 2\n")
        warm = c.collect(ctx(repo, cache))
        assert cache_stats(warm)["hits"] == 1, c.name
        assert without_cache(warm) == without_cache(cold) == c.collect(ctx(repo, None))
    # but an edit that makes a file relevant is seen
    (repo / "util.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    again = FlaskConfigCollector().collect(ctx(repo, cache))
    assert cache_stats(again)["hits"] == 0
    assert fact(again, "flask.apps") == ["util.py:2"]


def test_a_well_formed_entry_with_nonsense_observations_is_not_trusted(tmp_path: Path) -> None:
    # an entry that passes the integrity check (as one forged with the check recomputed
    # would) but whose observations cannot be replayed is recomputed, never a crash
    from auditor.cache import FileCache

    repo = django_repo(tmp_path / "r")
    cache = tmp_path / "cache"
    c = DjangoSettingsCollector()
    cold = c.collect(ctx(repo, cache))
    path = next((cache / "facts").rglob("*.json"))
    entry = json.loads(path.read_text())
    entry["value"]["observations"]["walks"] = {"not json": "x"}
    entry["value"]["observations"]["screened"] = ["no separators"]
    store = FileCache(cache, "facts", entry["key"])
    store.put(entry["content"], entry["value"])
    again = c.collect(ctx(repo, cache))
    assert cache_stats(again)["hits"] == 0
    assert without_cache(again) == without_cache(cold)
