"""End to end: real repositories built here, scanned by the secrets collector.

Secrets come from ``tests.unit.test_secrets_samples`` (generated at run time). Each test
checks where a secret is reported (path:line), which commit brought it in, whether it is
still at HEAD, and which refs reach it.
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.base import AuditContext
from auditor.collectors.secrets import SecretsCollector
from auditor.errors import ToolTimeoutError
from auditor.evidence import CollectorResult, Severity
from auditor.files import DEFAULT_EXCLUDES
from tests.helpers import git, make_repo, write_files
from tests.unit.test_secrets_samples import Sample, samples

SAMPLES = {s.rule: s for s in samples()}
AWS = SAMPLES["aws-access-key-id"].secret
NPM = SAMPLES["npm-token"].secret
STRIPE = SAMPLES["stripe-live-secret-key"].secret


def run(root: Path, cache: Path | None, *, is_git: bool = True, **kw: Any) -> CollectorResult:
    collector = SecretsCollector(cache, use_cache=cache is not None, **kw)
    return collector.collect(AuditContext(root, is_git, DEFAULT_EXCLUDES, 60.0))


def secret(result: CollectorResult, rule: str) -> dict[str, Any]:
    [fact] = [
        f for f in result.facts if f.key == "secrets.occurrence" and f.value["rule_id"] == rule
    ]
    value: dict[str, Any] = fact.value
    value["where"] = str(fact.source)
    return value


def fact(result: CollectorResult, key: str) -> Any:
    [found] = [f for f in result.facts if f.key == key]
    return found.value


def sha(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev)


def test_a_secret_added_then_deleted_is_found_only_in_history(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"app.py": "x = 1\n"},
        {"config.py": f'import os\nKEY = "{AWS}"\n'},
    )
    added = sha(repo)
    git(repo, "rm", "-q", "config.py")
    git(repo, "commit", "-q", "-m", "remove key")
    result = run(repo, tmp_path / "cache")
    s = secret(result, "aws-access-key-id")
    assert s["status"] == "history" and not s["at_head"]
    assert s["introduced"]["commit"] == added and s["introduced"]["author_date"].startswith(
        "2026-01-01"
    )
    assert s["where"] == "config.py:2" and s["refs"] == ["refs/heads/main"]
    [finding] = result.findings
    assert finding.rule_id == "aws-access-key-id" and str(finding.location) == "config.py:2"
    assert added in finding.message and "only in history" in finding.message
    assert AWS not in finding.message
    assert fact(result, "secrets.at_head") == []
    assert [x.split()[0] for x in fact(result, "secrets.history_only")] == ["aws-access-key-id"]


def test_a_secret_on_a_side_branch_only(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n"})
    git(repo, "checkout", "-q", "-b", "side")
    write_files(repo, {"side.py": f'T = "{NPM}"\n'})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "side work")
    side = sha(repo)
    git(repo, "checkout", "-q", "main")
    s = secret(run(repo, tmp_path / "cache"), "npm-token")
    assert s["status"] == "history" and s["introduced"]["commit"] == side
    assert s["refs"] == ["refs/heads/side"] and s["where"] == "side.py:1"


def test_a_secret_only_in_a_tag(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n"})
    git(repo, "checkout", "-q", "-b", "release")
    write_files(repo, {"release.py": f'\n\nT = "{NPM}"\n'})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "release")
    tagged = sha(repo)
    git(repo, "tag", "-a", "v1.0", "-m", "v1.0")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "release")
    s = secret(run(repo, tmp_path / "cache"), "npm-token")
    assert s["refs"] == ["refs/tags/v1.0"] and s["introduced"]["commit"] == tagged
    assert s["where"] == "release.py:3" and s["status"] == "history"


def test_a_secret_introduced_by_a_merge_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.py": "a = 1\n", "b.py": "b = 1\n"})
    git(repo, "checkout", "-q", "-b", "side")
    write_files(repo, {"b.py": "b = 2\n"})
    git(repo, "commit", "-q", "-am", "side")
    git(repo, "checkout", "-q", "main")
    write_files(repo, {"a.py": "a = 2\n"})
    git(repo, "commit", "-q", "-am", "main")
    git(repo, "merge", "-q", "--no-ff", "--no-commit", "side")
    write_files(repo, {"a.py": f'a = 2\nT = "{NPM}"\n'})
    git(repo, "add", "a.py")
    git(repo, "commit", "-q", "--no-verify", "-m", "evil merge")
    merge = sha(repo)
    assert len(git(repo, "rev-list", "--parents", "-n1", "HEAD").split()) == 3
    cache = tmp_path / "cache"
    s = secret(run(repo, cache), "npm-token")
    assert s["introduced"]["commit"] == merge and s["status"] == "head"
    assert s["where"] == "a.py:2"
    write_files(repo, {"a.py": "a = 2\n"})
    git(repo, "commit", "-q", "-am", "remove")
    s = secret(run(repo, cache), "npm-token")
    assert s["introduced"]["commit"] == merge and s["status"] == "history"


def test_a_secret_in_a_renamed_file_keeps_its_first_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"old_name.py": f'# x\nT = "{NPM}"\n'})
    first = sha(repo)
    git(repo, "mv", "old_name.py", "new_name.py")
    git(repo, "commit", "-q", "-m", "rename")
    s = secret(run(repo, tmp_path / "cache"), "npm-token")
    assert s["status"] == "head" and s["where"] == "new_name.py:2"
    introduced = {
        "commit": first,
        "author_date": "2026-01-01T00:00:00+00:00",
        "path": "old_name.py",
        "line": 2,
    }
    assert s["introduced"] == introduced
    git(repo, "rm", "-q", "new_name.py")
    git(repo, "commit", "-q", "-m", "remove")
    s = secret(run(repo, tmp_path / "cache"), "npm-token")
    assert s["status"] == "history" and s["introduced"] == introduced
    assert s["where"] == "old_name.py:2"


def test_a_secret_in_a_binary_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n"})
    (repo / "blob.bin").write_bytes(b"\x00\x01\x02" * 50 + STRIPE.encode() + b"\x00\xff" * 30)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "binary")
    added = sha(repo)
    git(repo, "rm", "-q", "blob.bin")
    git(repo, "commit", "-q", "-m", "drop binary")
    result = run(repo, tmp_path / "cache")
    s = secret(result, "stripe-live-secret-key")
    assert s["introduced"]["commit"] == added and s["where"] == "blob.bin"
    assert s["status"] == "history" and s["introduced"]["line"] is None


def test_secrets_in_packed_and_loose_objects(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"one.py": f'T = "{NPM}"\n'})
    git(repo, "gc", "-q")
    write_files(repo, {"two.py": f'S = "{STRIPE}"\n'})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "loose")
    counts = dict(line.split(": ") for line in git(repo, "count-objects", "-v").splitlines())
    assert int(counts["in-pack"]) > 0 and int(counts["count"]) > 0
    loose = sha(repo)
    git(repo, "rm", "-q", "one.py", "two.py")
    git(repo, "commit", "-q", "-m", "remove both")
    result = run(repo, tmp_path / "cache")
    packed = secret(result, "npm-token")
    assert packed["where"] == "one.py:1" and packed["status"] == "history"
    assert packed["introduced"]["commit"] == sha(repo, "HEAD~2")
    unpacked = secret(result, "stripe-live-secret-key")
    assert unpacked["introduced"]["commit"] == loose and unpacked["status"] == "history"


def test_stash_entries_and_remote_tracking_refs_are_scanned(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n", ".gitignore": ""})
    write_files(repo, {"app.py": f'x = 1\nT = "{NPM}"\n'})
    git(repo, "stash", "-q")
    write_files(repo, {"app.py": "x = 2\n"})
    git(repo, "stash", "-q")  # the first stash is now stash@{1}
    git(repo, "checkout", "-q", "-b", "gone")
    write_files(repo, {"remote.py": f'S = "{STRIPE}"\n'})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pushed elsewhere")
    git(repo, "update-ref", "refs/remotes/origin/feature", "HEAD")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "gone")
    result = run(repo, tmp_path / "cache")
    assert secret(result, "npm-token")["refs"] == ["refs/stash@{1}"]
    assert secret(result, "stripe-live-secret-key")["refs"] == ["refs/remotes/origin/feature"]


def test_working_tree_untracked_and_ignored_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n", ".gitignore": "local.py\n"})
    write_files(
        repo,
        {
            "app.py": f'x = 1\nT = "{NPM}"\n',
            "new.py": f'\nS = "{STRIPE}"\n',
            "local.py": f'K = "{AWS}"\n',
        },
    )
    result = run(repo, tmp_path / "cache")
    assert secret(result, "npm-token")["status"] == "worktree"
    assert secret(result, "npm-token")["introduced"] is None
    assert secret(result, "stripe-live-secret-key")["status"] == "untracked"
    assert secret(result, "stripe-live-secret-key")["where"] == "new.py:2"
    assert not [f for f in result.findings if f.rule_id == "aws-access-key-id"]
    assert len(fact(result, "secrets.at_head")) == 2


def test_a_plain_folder_is_scanned_as_it_is(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    write_files(root, {"app/settings.py": f'\nKEY = "{AWS}"\n', "README.md": "hi\n"})
    result = run(root, None, is_git=False)
    s = secret(result, "aws-access-key-id")
    assert s["status"] == "worktree" and s["where"] == "app/settings.py:2" and s["refs"] == []
    assert "not a git repository" in fact(result, "secrets.scope")


def test_the_allowlist_suppresses_visibly(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"config.py": f'KEY = "{AWS}"\n', "b.py": f'T = "{NPM}"\n'})
    first = run(repo, None)
    fp = secret(first, "aws-access-key-id")["fingerprint"]
    write_files(
        repo,
        {
            ".auditor/secrets-allowlist.yaml": f"entries:\n  - fingerprint: {fp}\n"
            "    reason: rotated, key revoked\n    who: alice\n    date: 2026-01-02\n"
            "  - fingerprint: zz\n    reason: r\n    who: w\n    date: 2026-01-02\n"
        },
    )
    result = run(repo, None)
    [finding] = [f for f in result.findings if f.rule_id == "aws-access-key-id"]
    assert finding.suppressed_by == "allowlist: rotated, key revoked (alice, 2026-01-02)"
    assert [x.split()[0] for x in fact(result, "secrets.found")] == ["npm-token"]
    assert len(fact(result, "secrets.allowlisted")) == 1
    assert fact(result, "secrets.allowlist_problems")[0].startswith(
        ".auditor/secrets-allowlist.yaml:6:"
    )


def test_placeholders_are_reported_but_not_counted(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"docs.py": 'EXAMPLE_KEY = "AKIAIOSFODNN7EXAMPLE"\ntoken = "<your-token>"\n'},
    )
    result = run(repo, None)
    rules = sorted(f.rule_id for f in result.findings)
    assert rules == ["aws-access-key-id-placeholder", "generic-secret-placeholder"]
    assert all(f.severity is Severity.LOW for f in result.findings)
    assert fact(result, "secrets.found") == [] and len(fact(result, "secrets.placeholders")) == 2


def _stable(result: CollectorResult) -> str:
    return json.dumps(
        [[f.to_dict() for f in result.findings], [f.to_dict() for f in result.facts]],
        sort_keys=True,
    )


def test_a_warm_scan_reads_only_new_content_and_agrees_with_a_cold_one(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"a.py": "a = 1\n" * 50, "b.py": f'T = "{NPM}"\n'},
        {"a.py": "a = 2\n" * 50},
    )
    cache = tmp_path / "cache"
    cold = run(repo, cache)
    assert cold.details["cache"]["state"] == "cold: no cache yet"
    write_files(repo, {"c.py": f'S = "{STRIPE}"\n', "a.py": "a = 3\n" * 50})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "more")
    warm = run(repo, cache)
    assert warm.details["cache"]["state"] == "warm"
    work = warm.details["cache"]
    assert work["commits_walked"] == 1 and work["contents_scanned"] == 2
    assert _stable(warm) == _stable(run(repo, None))
    cache_file = next(cache.iterdir())
    cache_file.write_bytes(cache_file.read_bytes()[:-10])
    again = run(repo, cache)
    assert again.details["cache"]["state"].startswith("cold: cache discarded")
    assert _stable(again) == _stable(warm)


def test_a_deleted_branch_stops_counting_on_a_warm_scan(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n"})
    git(repo, "checkout", "-q", "-b", "side")
    write_files(repo, {"side.py": f'T = "{NPM}"\n'})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "side")
    git(repo, "checkout", "-q", "main")
    cache = tmp_path / "cache"
    assert [f.rule_id for f in run(repo, cache).findings] == ["npm-token"]
    git(repo, "branch", "-q", "-D", "side")
    assert run(repo, cache).findings == ()


def test_content_too_large_to_scan_is_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"big.txt": "x" * 5000 + "\n", "small.py": "y = 1\n"})
    result = run(repo, tmp_path / "cache", max_blob_bytes=1000)
    unscanned = [f for f in result.facts if f.key == "secrets.unscanned"]
    assert {str(f.source) for f in unscanned} >= {"big.txt"}
    assert all(f.unknown and "larger than 1000 bytes" in f.unknown for f in unscanned)


def test_symlinks_in_the_working_tree_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text(f'T = "{NPM}"\n')
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n"})
    (repo / "link.py").symlink_to(outside)
    assert run(repo, None).findings == ()


def test_hostile_git_config_runs_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n", "cfg.py": f'T = "{NPM}"\n'})
    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n")
    evil.chmod(0o755)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("post-checkout", "reference-transaction", "post-index-change", "pre-auto-gc"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (hooks / hook).chmod(0o755)
    # a commit that claims a signature, so log.showSignature would call gpg.program
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    body = (
        f"tree {tree}\nparent {sha(repo)}\nauthor A <a@x> 1767225600 +0000\n"
        "committer A <a@x> 1767225600 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n"
        " iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned\n"
    )
    signed = subprocess.run(
        ["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"],
        input=body.encode(), capture_output=True, check=True,
    ).stdout.decode().strip()  # fmt: skip
    git(repo, "update-ref", "refs/heads/main", signed)
    for key, value in {
        "core.fsmonitor": str(evil),
        "core.hooksPath": str(hooks),
        "core.pager": str(evil),
        "diff.external": str(evil),
        "diff.evil.textconv": str(evil),
        "filter.evil.clean": str(evil),
        "filter.evil.smudge": str(evil),
        "alias.log": f"!{evil}",
        "alias.cat-file": f"!{evil}",
        "log.showSignature": "true",
        "gpg.program": str(evil),
        "gpg.format": "openpgp",
        "core.excludesFile": str(tmp_path / "excludes"),
    }.items():
        git(repo, "config", key, value)
    (tmp_path / "excludes").write_text("*\n")
    write_files(repo, {".gitattributes": "* diff=evil filter=evil\n", "new.py": "n = 1\n"})
    marker.unlink(missing_ok=True)
    result = run(repo, tmp_path / "cache")
    assert not marker.exists()
    assert secret(result, "npm-token")["status"] == "head"
    assert result.details["files_on_disk"] >= 3  # the repo's excludes file hid nothing


def test_no_planted_secret_appears_in_any_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Every detector's sample, some kept at HEAD, some deleted, some on a branch: the
    collector's whole output, its cache and everything printed or logged are searched
    for every raw value."""
    caplog.set_level(logging.DEBUG)
    planted: list[Sample] = samples()
    repo = make_repo(tmp_path / "r", {"README.md": "demo\n"})
    for n, sample in enumerate(planted):
        path = repo / "s" / sample.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sample.content)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"add {sample.rule}")
        if n % 3 == 1:
            git(repo, "rm", "-q", str(path.relative_to(repo)))
            git(repo, "commit", "-q", "-m", f"remove {sample.rule}")
    cache = tmp_path / "cache"
    results = [run(repo, cache), run(repo, cache), run(repo, None, is_git=False)]
    found = {f.rule_id for f in results[0].findings}
    assert found == {s.rule for s in planted}
    dump = json.dumps(
        [
            [r.to_dict(), r.details, [f.to_dict() for f in r.findings],
             [f.to_dict() for f in r.facts], r.reason]
            for r in results
        ],
        ensure_ascii=False,
        default=str,
    )  # fmt: skip
    captured = capsys.readouterr()
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    cached = b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())
    for sample in planted:
        for text in (dump, captured.out, captured.err, logged):
            assert sample.secret not in text, sample.rule
        assert sample.secret.encode() not in cached, sample.rule
        if sample.rule == "pkcs12-file":
            assert sample.content not in cached


def test_sha256_and_empty_repositories(tmp_path: Path) -> None:
    repo = tmp_path / "sha256"
    repo.mkdir()
    git(repo, "init", "-q", "--object-format=sha256", "-b", "main")
    write_files(repo, {"a.py": f'T = "{NPM}"\n'})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "add")
    added = sha(repo)
    git(repo, "rm", "-q", "a.py")
    git(repo, "commit", "-q", "-m", "remove")
    cache = tmp_path / "cache"
    for _ in range(2):  # cold, then warm from a cache of 64-digit ids
        s = secret(run(repo, cache), "npm-token")
        assert s["introduced"]["commit"] == added and len(added) == 64
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    write_files(empty, {"a.py": f'T = "{NPM}"\n'})
    assert secret(run(empty, cache), "npm-token")["status"] == "untracked"


def test_a_scan_past_its_timeout_fails_closed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    with pytest.raises(ToolTimeoutError):
        SecretsCollector(use_cache=False).collect(
            AuditContext(repo, True, DEFAULT_EXCLUDES, 0.000001)
        )
    assert SecretsCollector().version(5.0).startswith("1.0+detectors.")


def test_the_audit_cache_folder_is_used_unless_caching_is_off(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.py": f'T = "{NPM}"\n'})
    ctx = AuditContext(repo, True, DEFAULT_EXCLUDES, 60.0, cache_dir=tmp_path / "audit-cache")
    SecretsCollector().collect(ctx)
    assert [p.parent.name for p in (tmp_path / "audit-cache").rglob("*.cache")] == ["secrets"]
    assert SecretsCollector().collect(ctx).details["cache"]["state"] == "warm"
    off = AuditContext(repo, True, DEFAULT_EXCLUDES, 60.0)
    assert SecretsCollector().collect(off).details["cache"]["state"] == "cold: cache disabled"
