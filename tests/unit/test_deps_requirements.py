from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.deps import requirements
from auditor.deps.model import Dependency

HASH_A = "sha256:" + "a" * 64
HASH_B = "sha256:" + "b" * 64
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def parse(tmp_path: Path, text: str, rel: str = "requirements.txt") -> requirements.Manifest:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return requirements.parse(str(tmp_path), rel)


def by_name(manifest: requirements.Manifest) -> dict[str, Dependency]:
    return {d.name: d for d in manifest.dependencies}


def test_logical_lines_follow_pip_joining_and_comments() -> None:
    text = (
        "# heading\n"
        "django==4.2.1 \\\n"
        f"    --hash={HASH_A} \\\n"
        f"    --hash={HASH_B}\n"
        "requests  # why we need it\n"
        "flask \\\n"
        "# a comment line ends the continuation\n"
        "pkg @ https://example.com/pkg.whl#sha256=" + "c" * 64 + "\n"
        "\n"
        "   \n"
    )
    lines = list(requirements.logical_lines(text))
    assert lines == [
        (2, f"django==4.2.1     --hash={HASH_A}     --hash={HASH_B}"),
        (5, "requests"),
        (6, "flask"),
        (8, "pkg @ https://example.com/pkg.whl#sha256=" + "c" * 64),
    ]


def test_pins_ranges_markers_extras_and_hashes(tmp_path: Path) -> None:
    m = parse(
        tmp_path,
        "Django==4.2.1 \\\n"
        f"    --hash={HASH_A}\n"
        "requests>=2.28,<3\n"
        'flask[async]==2.3.2 ; python_version >= "3.8"\n'
        "numpy==1.26.*\n"
        "legacy===1.0-custom\n"
        "Zope.Interface\n",
    )
    deps = by_name(m)
    assert not m.problems
    assert deps["django"].version == "4.2.1" and deps["django"].hashed
    assert deps["django"].display == "Django" and deps["django"].location.line == 1
    assert deps["requests"].version is None and deps["requests"].spec == "<3,>=2.28"
    assert deps["flask"].version == "2.3.2" and deps["flask"].markers == 'python_version >= "3.8"'
    assert deps["numpy"].version is None, "a wildcard == is not an exact pin"
    assert deps["legacy"].version == "1.0-custom" and deps["legacy"].pinned
    assert deps["zope-interface"].spec == "" and not deps["zope-interface"].pinned


def test_vcs_and_url_requirements(tmp_path: Path) -> None:
    m = parse(
        tmp_path,
        "-e git+https://github.com/org/tagged.git@v1.0#egg=tagged\n"
        f"git+https://github.com/org/exact.git@{COMMIT}#egg=exact\n"
        "git+https://github.com/org/branch.git#egg=branch\n"
        "https://example.com/dl/archive-1.0.tar.gz\n"
        "https://example.com/dl/hashed-1.0.tar.gz#sha256=" + "d" * 64 + "\n"
        f"named @ git+https://user:s3cret@github.com/org/named.git@{COMMIT}\n"
        "-e .\n"
        "./vendor/localpkg\n",
    )
    deps = by_name(m)
    assert not m.problems
    assert deps["tagged"].editable and deps["tagged"].url_pinned is False
    assert deps["exact"].url_pinned is True and deps["exact"].pinned
    assert deps["branch"].pinned is False
    assert deps["archive"].pinned is False, "an archive URL without a hash can change"
    assert deps["hashed"].pinned is True
    assert deps["named"].pinned and deps["named"].url is not None
    assert "s3cret" not in deps["named"].url and "***@github.com" in deps["named"].url
    assert deps["localpkg"].local and deps["localpkg"].pinned
    local = [d for d in m.dependencies if d.url == "."]
    assert len(local) == 1 and local[0].local and local[0].editable


def test_invalid_lines_become_positioned_problems(tmp_path: Path) -> None:
    m = parse(
        tmp_path,
        "django==4.2\n"
        "this is not a requirement!\n"
        "flask==2.0 --index-url https://example.com\n"
        "--frobnicate\n"
        "requests==2.0 --hash=md5:abc\n"
        "pkg==${VERSION}\n"
        "--requirement\n"
        "ok==1.0\n",
    )
    assert [d.name for d in m.dependencies] == ["django", "ok"]
    problems = [str(p) for p in m.problems]
    assert problems[0].startswith("requirements.txt:2: expected a PEP 508 requirement")
    assert problems[1] == (
        "requirements.txt:3: expected only per-requirement options after a requirement, "
        "got '--index-url'"
    )
    assert problems[2] == (
        "requirements.txt:4: expected a pip requirements-file option, got '--frobnicate'"
    )
    assert problems[3].startswith("requirements.txt:5: expected --hash=")
    assert problems[4].startswith("requirements.txt:6: expected a PEP 508 requirement")
    assert "environment variables are not expanded" in problems[4]
    assert problems[5] == "requirements.txt:7: expected a value after '--requirement'"


def test_includes_are_relative_and_confined(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("evil==1\n")
    repo = tmp_path / "repo"
    (repo / "reqs" / "sub").mkdir(parents=True)
    (repo / "reqs" / "sub" / "base.txt").write_text("django==4.2\n")
    (repo / "reqs" / "constraints.txt").write_text("requests==2.31.0\n")
    os.symlink(repo / "reqs" / "sub" / "base.txt", repo / "reqs" / "link.txt")
    m = parse(
        repo,
        "-r sub/base.txt\n"
        "--constraint=constraints.txt\n"
        "-r ../../outside.txt\n"
        "-r link.txt\n"
        "-r missing.txt\n"
        "-r https://example.com/reqs.txt\n"
        "-r/etc/passwd\n",
        rel="reqs/prod.txt",
    )
    assert m.includes == ("reqs/sub/base.txt",)
    assert m.constraints == ("reqs/constraints.txt",)
    problems = [str(p) for p in m.problems]
    assert problems == [
        "reqs/prod.txt:3: --requirement: expected a path inside the repository, "
        "got '../../outside.txt'",
        "reqs/prod.txt:4: --requirement: 'link.txt' is a symbolic link (not followed)",
        "reqs/prod.txt:5: --requirement: expected an existing file, got 'missing.txt'",
        "reqs/prod.txt:6: expected a local file for --requirement, got a URL (not fetched)",
        "reqs/prod.txt:7: --requirement: expected a relative path inside the repository, "
        "got '/etc/passwd'",
    ]


def test_extra_index_url_is_recorded_without_credentials(tmp_path: Path) -> None:
    m = parse(
        tmp_path,
        "--index-url https://pypi.org/simple\n"
        "--extra-index-url https://deploy:t0ken@pkgs.example.com/simple\n"
        "-f https://example.com/wheels/\n"
        "-f ./wheels\n"
        "django==4.2\n",
    )
    assert [(i.location.line, i.what) for i in m.indexes] == [
        (2, "--extra-index-url https://***@pkgs.example.com/simple"),
        (3, "--find-links https://example.com/wheels/"),
    ]


@pytest.mark.parametrize("encoding_problem", [b"django==4.2\n\xff\xfe\n"])
def test_undecodable_file_is_a_problem_not_a_crash(tmp_path: Path, encoding_problem: bytes) -> None:
    (tmp_path / "requirements.txt").write_bytes(encoding_problem)
    m = requirements.parse(str(tmp_path), "requirements.txt")
    assert m.dependencies == ()
    assert str(m.problems[0]).startswith("requirements.txt: expected UTF-8 text")
