from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor import config, files
from auditor.errors import ConfigError


def test_layers_record_their_source(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.auditor]\nexclude = ["vendor"]\ntimeout = 5\nfail_under = 10\n'
    )
    cfg = tmp_path / "auditor.toml"
    cfg.write_text("timeout = 7\n")
    s = config.resolve(tmp_path, cfg, {"fail_under": 50.0, "formats": ()})
    assert (
        s.values["exclude"].source == config.SOURCE_REPO and s.values["exclude"].from_audited_repo
    )
    assert s["timeout"] == 7.0 and s.values["timeout"].source == f"--config {cfg}"
    assert s["fail_under"] == 50.0 and s.values["fail_under"].source == config.SOURCE_CLI
    assert s.values["formats"].source == config.SOURCE_DEFAULT
    assert "vendor" in s.excludes and "tests" in s.excludes


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("[tool.auditor]\ntimeout = -1\n", 2, "a positive number for 'timeout'"),
        ("[tool.auditor]\n\ncolour = 1\n", 3, "unknown setting 'colour'"),
        ("[tool.auditor]\nformats = ['pdf']\n", 2, "formats from html, json"),
        ("[tool.auditor\n", 1, "expected valid TOML"),
    ],
)
def test_bad_config_is_one_positioned_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        config.resolve(tmp_path, None, {})
    assert str(info.value).startswith(f"{tmp_path / 'pyproject.toml'}:{line}:")
    assert fragment in str(info.value)


def test_walk_skips_symlinks_excludes_and_virtualenvs(tmp_path: Path) -> None:
    for rel in [
        "app/a.py",
        "tests/test_a.py",
        "app/test_b.py",
        "node_modules/x.py",
        "venv2/lib/c.py",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    (tmp_path / "venv2" / "pyvenv.cfg").write_text("home = /usr\n")
    os.symlink("/etc/passwd", tmp_path / "app" / "link.py")
    os.symlink(tmp_path / "app", tmp_path / "loop")
    os.mkfifo(tmp_path / "app" / "fifo.py")
    found = files.walk(tmp_path, (".py",), files.DEFAULT_EXCLUDES)
    assert found.files == ["app/a.py"]
    assert found.skipped["app/link.py"] == "symbolic link (not followed)"
    assert found.skipped["app/fifo.py"] == "not a regular file"
    assert found.skipped["venv2"].startswith("virtualenv")


def test_max_file_bytes_is_a_validated_setting(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\nmax_file_bytes = 2048\n")
    assert config.resolve(tmp_path, None, {})["max_file_bytes"] == 2048
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\nmax_file_bytes = 10\n")
    with pytest.raises(ConfigError, match="size in bytes"):
        config.resolve(tmp_path, None, {})
    (tmp_path / "big.py").write_text("x = 1\n" * 1000)
    found = files.walk(tmp_path, (".py",), (), max_bytes=2048)
    assert found.files == [] and "larger than the 2048-byte limit" in found.skipped["big.py"]
