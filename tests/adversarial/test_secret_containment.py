"""No planted secret leaves redacted form, through any output of the whole pipeline.

One secret of every detector is planted at HEAD, in history only, in commit messages and
in configuration values the dashboard shows; every output format, stdout, stderr and the
cache folder are then searched for every raw value.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import git, make_repo
from tests.unit.test_secrets_samples import samples


def test_no_raw_secret_in_any_output(tmp_path: Path) -> None:
    planted = samples()
    repo = make_repo(tmp_path / "repo", {"README.md": "demo\n"})
    for n, sample in enumerate(planted):
        path = repo / "s" / sample.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sample.content)
        git(repo, "add", "-A")
        message = f"add {sample.rule}" + (
            f" with {sample.secret}" if sample.rule != "pkcs12-file" else ""
        )
        git(repo, "commit", "-q", "-m", message)
        if n % 3 == 1:
            git(repo, "rm", "-q", str(path.relative_to(repo)))
            git(repo, "commit", "-q", "-m", f"remove {sample.rule}")
    text_secrets = [s.secret for s in planted if s.rule != "pkcs12-file"]
    config_secret = next(s for s in text_secrets if s.startswith("ghp_"))
    (repo / "pyproject.toml").write_text(f'[tool.auditor]\nexclude = ["{config_secret}"]\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    formats = [a for f in ("html", "json", "sarif", "junit", "markdown") for a in ("--format", f)]
    cmd = [sys.executable, "-m", "auditor", "audit", str(repo), "--out", str(out)]
    cmd += ["--cache-dir", str(cache), *formats]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env={**os.environ})
    assert proc.returncode in (0, 1, 3), proc.stderr
    produced = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    produced.update({p: p.read_bytes() for p in cache.rglob("*") if p.is_file()})
    assert len(produced) > 5
    leaks = []
    for sample in planted:
        raw = sample.secret.encode()
        for stream_name, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            if sample.secret in text:
                leaks.append(f"{sample.rule} in {stream_name}")
        for path, data in produced.items():
            if raw in data or (sample.rule == "pkcs12-file" and sample.content in data):
                leaks.append(f"{sample.rule} in {path.relative_to(tmp_path)}")
    assert leaks == [], "\n".join(leaks)
