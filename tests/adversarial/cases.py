"""The adversarial corpus: hostile repositories, files, YAML, tools and output payloads.

Each case builds its input under a temporary folder and says what a correct audit does
with it. `tests/adversarial/test_corpus.py` runs every case; `scripts/adversarial_table.py`
runs them too and writes the outcome table to docs/adversarial.md.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers import fake_tool, git, make_repo, write_files

SHELL = (
    'import subprocess\n\n\ndef run(name):\n    return subprocess.call("ls " + name, shell=True)\n'
)


@dataclass(frozen=True)
class Env:
    """What a case builds in: the folder to audit, a marker that must never appear,
    an evil script that would create it, extra CLI arguments and environment."""

    base: Path
    target: Path
    marker: Path
    evil: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    description: str
    build: Callable[[Env], None]
    exit_codes: tuple[int, ...] = (0, 1)
    check: Callable[[Env, subprocess.CompletedProcess[str], dict[str, Any] | None], None] | None = (
        None
    )
    expected: str = "audit completes; nothing executes"


def evil_repo(e: Env) -> None:
    make_repo(e.target, {"app/run.py": SHELL, ".gitignore": ".env\n"})


def git_config(
    key: str, value: Callable[[Env], str], attrs: str | None = None
) -> Callable[[Env], None]:
    def build(e: Env) -> None:
        evil_repo(e)
        if attrs:  # committed before the driver exists: our own test git must not run it
            write_files(e.target, {".gitattributes": attrs})
            git(e.target, "add", "-A")
            git(e.target, "commit", "-qm", "attrs")
        git(e.target, "config", key, value(e))

    return build


def hooks(e: Env) -> None:
    evil_repo(e)
    for hook in (
        "pre-commit",
        "post-checkout",
        "reference-transaction",
        "post-index-change",
        "pre-auto-gc",
    ):
        path = e.target / ".git" / "hooks" / hook
        path.write_text(f"#!/bin/sh\ntouch {e.marker}\n")
        path.chmod(0o755)


def include_if(e: Env) -> None:
    evil_repo(e)
    other = e.base / "included.gitconfig"
    other.write_text(f"[core]\n\tfsmonitor = {e.evil}\n\tpager = {e.evil}\n")
    git(e.target, "config", f"includeIf.gitdir:{e.target}/.path", str(other))
    git(e.target, "config", "include.path", str(other))


def submodule(e: Env) -> None:
    evil_repo(e)
    write_files(
        e.target,
        {".gitmodules": f'[submodule "x"]\n\tpath = x\n\turl = ext::sh -c touch% {e.marker}\n'},
    )
    git(e.target, "add", "-A")
    git(e.target, "commit", "-qm", "submodule")


def other_owner(e: Env) -> None:
    evil_repo(e)
    subprocess.run(["chown", "-R", "65534:65534", str(e.target)], check=True)


def shallow(e: Env) -> None:
    source = make_repo(e.base / "src", {"a.py": "x = 1\n"}, {"b.py": SHELL}, {"c.py": "y = 2\n"})
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{source}", str(e.target)],
        check=True,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"},
    )


def bare(e: Env) -> None:
    source = make_repo(e.base / "src", {"a.py": SHELL})
    subprocess.run(["git", "clone", "-q", "--bare", str(source), str(e.target)], check=True)


def corrupt_object(e: Env) -> None:
    evil_repo(e)
    blob = git(e.target, "rev-parse", "HEAD:app/run.py")
    obj = e.target / ".git" / "objects" / blob[:2] / blob[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"this is not zlib")


def missing_ref(e: Env) -> None:
    evil_repo(e)
    (e.target / ".git" / "HEAD").write_text("ref: refs/heads/does-not-exist\n")


def long_history(e: Env) -> None:
    e.target.mkdir(parents=True)
    git(e.target, "init", "-q", "-b", "main")
    n = 100_000
    lines = []
    for i in range(1, n + 1):
        msg = f"commit {i}"
        lines.append(
            f"commit refs/heads/main\nmark :{i}\ncommitter T <t@example.invalid> {1_700_000_000 + i} +0000\n"
        )
        lines.append(f"data {len(msg)}\n{msg}\n")
        if i > 1:
            lines.append(f"from :{i - 1}\n")
        if i % 10_000 == 1:
            body = f"x = {i}\n"
            lines.append(f"M 644 inline app/mod{i}.py\ndata {len(body)}\n{body}\n")
    stream = "".join(lines).encode()
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(
        ["git", "-C", str(e.target), "fast-import", "--quiet"], input=stream, check=True, env=env
    )
    subprocess.run(["git", "-C", str(e.target), "checkout", "-q", "main"], check=True, env=env)


def hostile_names(e: Env) -> None:
    name = 'app/<img src=x onerror="window.__pwned=1">\x1b[31m.py'
    make_repo(e.target, {name: SHELL})
    git(
        e.target,
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        '<script>alert(1)</script>\x07 =HYPERLINK("x")',
    )


def symlinks(e: Env) -> None:
    make_repo(e.target, {"app/ok.py": "x = 1\n"})
    os.symlink("/etc/passwd", e.target / "app" / "passwd.py")
    os.symlink(e.target / "app", e.target / "app" / "loop")
    os.symlink("/", e.target / "root")
    (e.target / "pyproject.toml").symlink_to("/etc/passwd")


def fifo(e: Env) -> None:
    make_repo(e.target, {"app/ok.py": "x = 1\n"})
    os.mkfifo(e.target / "app" / "pipe.py")
    os.mkfifo(e.target / "Dockerfile")


def huge_file(e: Env) -> None:
    make_repo(e.target, {"app/ok.py": SHELL})
    with open(e.target / "app" / "generated.py", "wb") as fh:
        fh.truncate(200 * 1024 * 1024)


def minified(e: Env) -> None:
    make_repo(e.target, {"app/ok.py": "x = 1\n"})
    (e.target / "static").mkdir()
    (e.target / "static" / "app.min.js").write_text("var a=1;" * (5 * 1024 * 1024 // 8))


def bad_encodings(e: Env) -> None:
    make_repo(e.target, {"app/ok.py": SHELL})
    (e.target / "app" / "latin.py").write_bytes(b'x = "\xff\xfe\xfa"\nimport os\nos.system("a")\n')
    (e.target / "app" / "wide.py").write_bytes("import os\nos.system(x)\n".encode("utf-16"))
    (e.target / "requirements.txt").write_bytes(b"flask==\xff\n")


def deep_nesting(e: Env) -> None:
    make_repo(e.target, {"app/ok.py": SHELL})
    (e.target / "app" / "deep.py").write_text("x = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n")
    (e.target / "settings.py").write_text("DEBUG = " + "[" * 5_000 + "]" * 5_000 + "\n")


def syntax_error(e: Env) -> None:
    make_repo(
        e.target,
        {
            "app/ok.py": SHELL,
            "app/broken.py": "def (:\n",
            "manage.py": "import os\nos.environ.setdefault(\n",
        },
    )


def newline_names(e: Env) -> None:
    make_repo(
        e.target, {"app/ok.py": SHELL, "app/new\nline.py": SHELL, "app/tab\tname.py": "x = 1\n"}
    )


def import_marker(e: Env) -> None:
    code = f"open({str(e.marker)!r}, 'w').write('imported')\nraise SystemExit('imported')\n"
    make_repo(
        e.target,
        {
            "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n",
            "site/__init__.py": code,
            "site/settings.py": code + "DEBUG = True\n",
            "app.py": code
            + "from flask import Flask\napp = Flask(__name__)\napp.config['DEBUG'] = True\n",
            "gunicorn.conf.py": code + "reload = True\n",
            "setup.py": code,
            "conftest.py": code,
        },
    )


def yaml_checklist(body: str) -> Callable[[Env], None]:
    def build(e: Env) -> None:
        make_repo(e.target, {"app/ok.py": "x = 1\n"})
        bad = e.base / "checklist.yaml"
        bad.write_text(body.replace("MARKER", str(e.marker)))
        e.args.extend(["--checklist", str(bad)])

    return build


def yaml_big(e: Env) -> None:
    make_repo(e.target, {"app/ok.py": "x = 1\n"})
    bad = e.base / "checklist.yaml"
    with open(bad, "w") as fh:
        fh.write("id: big\nversion: '1'\ntitle: t\npractices:\n")
        fh.write(("  # " + "x" * 1000 + "\n") * 51_000)
    e.args.extend(["--checklist", str(bad)])


def yaml_in_repo(name: str, body: str) -> Callable[[Env], None]:
    def build(e: Env) -> None:
        make_repo(e.target, {"app/ok.py": "x = 1\n", name: body.replace("MARKER", str(e.marker))})

    return build


def tool(name: str, script: str, *args: str) -> Callable[[Env], None]:
    def build(e: Env) -> None:
        make_repo(e.target, {"app/run.py": SHELL, "templates/x.html": "<p>{{ x }}</p>\n"})
        fake = e.base / "bin"
        fake_tool(fake, name, script)
        e.env["PATH"] = f"{fake}{os.pathsep}{os.environ['PATH']}"
        e.args.extend(args)

    return build


PAYLOAD = '<script>window.__pwned=1</script>"><img src=x onerror=alert(1)> javascript:alert(1) =HYPERLINK("http://x") | `x` [a](javascript:b)'


def payload_everywhere(e: Env) -> None:
    files = {
        f"app/{'x' * 3}.py": f"# {PAYLOAD}\nimport subprocess\nsubprocess.call('ls ' + n, shell=True)  # {PAYLOAD}\n",
        "pyproject.toml": f'[tool.auditor]\nexclude = ["{PAYLOAD.replace(chr(34), "")}"]\n',
        "Dockerfile": f'FROM python:latest\nENV NOTE="{PAYLOAD.replace(chr(34), "")}"\n',
    }
    make_repo(e.target, files)
    git(e.target, "commit", "-q", "--allow-empty", "-m", PAYLOAD)
    e.args.extend(
        [
            "--format",
            "html",
            "--format",
            "json",
            "--format",
            "markdown",
            "--format",
            "sarif",
            "--format",
            "junit",
        ]
    )


def control_status(doc: dict[str, Any] | None, collector: str) -> set[str]:
    assert doc is not None
    return {c["status"] for c in doc["controls"] if c["collector"] == collector}


def collector_status(doc: dict[str, Any] | None, name: str) -> str:
    assert doc is not None
    return next(c["status"] for c in doc["collectors"] if c["name"] == name)


def bandit_errors(
    e: Env, proc: subprocess.CompletedProcess[str], doc: dict[str, Any] | None
) -> None:
    assert collector_status(doc, "bandit") == "error"
    assert control_status(doc, "bandit") <= {"error", "disabled", "not_applicable"}


def semgrep_errors(
    e: Env, proc: subprocess.CompletedProcess[str], doc: dict[str, Any] | None
) -> None:
    assert collector_status(doc, "semgrep") == "error"
    assert "pass" not in control_status(doc, "semgrep")


BOMB = (
    "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
    + "on: push\n"
)


def ci_unreadable(
    e: Env, proc: subprocess.CompletedProcess[str], doc: dict[str, Any] | None
) -> None:
    statuses = control_status(doc, "ci")
    assert "error" in statuses and "pass" not in statuses, statuses


def one_line_error(
    fragment: str,
) -> Callable[[Env, subprocess.CompletedProcess[str], dict[str, Any] | None], None]:
    def check(e: Env, proc: subprocess.CompletedProcess[str], doc: dict[str, Any] | None) -> None:
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0], proc.stderr
        assert doc is None

    return check


def skipped(
    path_fragment: str, reason: str
) -> Callable[[Env, subprocess.CompletedProcess[str], dict[str, Any] | None], None]:
    def check(e: Env, proc: subprocess.CompletedProcess[str], doc: dict[str, Any] | None) -> None:
        assert doc is not None
        reasons = {
            path: why
            for c in doc["collectors"]
            for path, why in (c["details"].get("skipped") or {}).items()
        }
        hits = [why for path, why in reasons.items() if path_fragment in path]
        assert any(reason in why for why in hits), reasons

    return check


def shell_found(e: Env, proc: subprocess.CompletedProcess[str], doc: dict[str, Any] | None) -> None:
    assert doc is not None
    assert any(f["rule_id"] == "B602" for c in doc["controls"] for f in c["evidence"]["findings"])


def head_unknown(
    e: Env, proc: subprocess.CompletedProcess[str], doc: dict[str, Any] | None
) -> None:
    assert doc is not None and doc["target"]["head_commit"] is None


def not_git(e: Env, proc: subprocess.CompletedProcess[str], doc: dict[str, Any] | None) -> None:
    assert doc is not None and doc["target"]["is_git"] is False


def inert_outputs(
    e: Env, proc: subprocess.CompletedProcess[str], doc: dict[str, Any] | None
) -> None:
    out = e.base / "out"
    html = (out / "index.html").read_text()
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    md = (out / "summary.md").read_text()
    assert "<script>" not in md and "](javascript:" not in md
    junit = (out / "junit.xml").read_text()
    assert "<script>" not in junit
    import json

    json.loads((out / "results.sarif").read_text())


def git_case(cid: str, desc: str, build: Callable[[Env], None]) -> Case:
    return Case(cid, "git", desc, build, check=shell_found)


CASES: list[Case] = [
    git_case(
        "git-fsmonitor",
        "core.fsmonitor runs a script",
        git_config("core.fsmonitor", lambda e: str(e.evil)),
    ),
    git_case("git-hooks", "hooks in .git/hooks and core.hooksPath", hooks),
    git_case(
        "git-hookspath",
        "core.hooksPath to a folder of evil hooks",
        git_config("core.hooksPath", lambda e: str(e.evil.parent)),
    ),
    git_case(
        "git-sshcommand", "core.sshCommand", git_config("core.sshCommand", lambda e: str(e.evil))
    ),
    git_case("git-pager", "core.pager", git_config("core.pager", lambda e: str(e.evil))),
    git_case(
        "git-diff-external", "diff.external", git_config("diff.external", lambda e: str(e.evil))
    ),
    git_case(
        "git-textconv",
        "a textconv driver via .gitattributes",
        git_config("diff.evil.textconv", lambda e: str(e.evil), "* diff=evil\n"),
    ),
    git_case(
        "git-filter",
        "clean/smudge/process filter drivers",
        git_config("filter.evil.process", lambda e: str(e.evil), "* filter=evil\n"),
    ),
    git_case("git-include-if", "includeIf/include pulling config from elsewhere", include_if),
    git_case(
        "git-alias",
        "an alias shadowing a git command",
        git_config("alias.ls-files", lambda e: f"!{e.evil}"),
    ),
    git_case(
        "git-credential",
        "a credential helper",
        git_config("credential.helper", lambda e: f"!{e.evil}"),
    ),
    git_case("git-submodule-url", ".gitmodules with an ext:: command URL", submodule),
    git_case("git-other-owner", "a repository owned by another user", other_owner),
    Case("git-shallow", "git", "a shallow clone", shallow, check=shell_found),
    Case("git-bare", "git", "a bare repository (no work tree)", bare, check=not_git),
    Case(
        "git-corrupt-object", "git", "a corrupt loose object", corrupt_object, exit_codes=(0, 1, 3)
    ),
    Case(
        "git-missing-ref",
        "git",
        "HEAD names a branch that does not exist",
        missing_ref,
        check=head_unknown,
    ),
    Case(
        "git-100k-commits",
        "git",
        "a 100,000-commit linear history",
        long_history,
        expected="completes in bounded time",
    ),
    Case(
        "git-hostile-names",
        "git",
        "commit message and path with control characters and HTML",
        hostile_names,
        check=shell_found,
    ),
    Case(
        "file-symlinks",
        "files",
        "symlinks to /etc/passwd, to /, a loop, and pyproject.toml -> /etc/passwd",
        symlinks,
        check=skipped("app/passwd.py", "symbolic link"),
    ),
    Case(
        "file-fifo",
        "files",
        "FIFOs named like source files and a Dockerfile",
        fifo,
        check=skipped("app/pipe.py", "not a regular file"),
    ),
    Case(
        "file-200mb",
        "files",
        "a 200 MB source file",
        huge_file,
        check=skipped("app/generated.py", "larger than"),
    ),
    Case("file-minified", "files", "a 5 MB single-line minified file", minified),
    Case(
        "file-encodings",
        "files",
        "invalid UTF-8 and UTF-16 source files",
        bad_encodings,
        check=skipped("app/wide.py", "could not"),
    ),
    Case(
        "file-deep-nesting",
        "files",
        "10,000 nested parentheses (recursion)",
        deep_nesting,
        check=skipped("app/deep.py", "could not"),
    ),
    Case(
        "file-syntax-error",
        "files",
        "a file that makes ast.parse raise",
        syntax_error,
        check=skipped("app/broken.py", "could not"),
    ),
    Case(
        "file-newline-names",
        "files",
        "path names with newlines and tabs",
        newline_names,
        check=shell_found,
    ),
    Case(
        "file-import-marker",
        "files",
        "settings, app, gunicorn and setup files that would run on import",
        import_marker,
    ),
    Case(
        "yaml-python-tag",
        "yaml",
        "checklist with !!python/object/apply",
        yaml_checklist(
            "id: !!python/object/apply:os.system ['touch MARKER']\nversion: '1'\ntitle: t\npractices: []\n"
        ),
        exit_codes=(2,),
        check=one_line_error("expected a string"),
    ),
    Case(
        "yaml-billion-laughs",
        "yaml",
        "checklist with exponential aliases",
        yaml_checklist(
            "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b]\n"
        ),
        exit_codes=(2,),
        check=one_line_error("without anchors or aliases"),
    ),
    Case(
        "yaml-50mb",
        "yaml",
        "a 50 MB checklist",
        yaml_big,
        exit_codes=(2,),
        check=one_line_error("expected a YAML file under"),
    ),
    Case(
        "yaml-duplicate-keys",
        "yaml",
        "duplicate keys in the checklist",
        yaml_checklist("id: a\nid: b\nversion: '1'\ntitle: t\npractices: []\n"),
        exit_codes=(2,),
        check=one_line_error("duplicate key 'id'"),
    ),
    Case(
        "yaml-non-string-keys",
        "yaml",
        "non-string keys in the checklist",
        yaml_checklist("? [1, 2]\n: x\nid: a\n"),
        exit_codes=(2,),
        check=one_line_error("expected a string key"),
    ),
    Case(
        "yaml-waiver-tag",
        "yaml",
        "a waiver file with a python tag",
        yaml_in_repo(
            ".auditor/waivers.yaml",
            "waivers:\n  - !!python/object/apply:os.system ['touch MARKER']\n",
        ),
        exit_codes=(2,),
        check=one_line_error("waivers.yaml:2:"),
    ),
    Case(
        "yaml-ci-bomb",
        "yaml",
        "a GitHub workflow with a nine-level alias bomb",
        yaml_in_repo(".github/workflows/ci.yml", BOMB),
        exit_codes=(3,),
        check=ci_unreadable,
        expected="the workflow becomes an error fact; no CI control passes",
    ),
    Case(
        "tool-bandit-missing",
        "tools",
        "bandit not installed (a non-executable stand-in)",
        tool("bandit", 'echo "not bandit"; exit 127'),
        exit_codes=(3,),
        check=bandit_errors,
    ),
    Case(
        "tool-bandit-hangs",
        "tools",
        "bandit hangs past the timeout",
        tool(
            "bandit",
            'if [ "$1" = "--version" ]; then echo "bandit 9.9.9"; exit 0; fi\nsleep 60',
            "--timeout",
            "2",
        ),
        exit_codes=(3,),
        check=bandit_errors,
    ),
    Case(
        "tool-bandit-truncated",
        "tools",
        "bandit prints truncated JSON",
        tool(
            "bandit",
            'if [ "$1" = "--version" ]; then echo "bandit 9.9.9"; exit 0; fi\necho \'{"results": [{"filen\'; exit 1',
        ),
        exit_codes=(3,),
        check=bandit_errors,
    ),
    Case(
        "tool-bandit-outside",
        "tools",
        "bandit reports a path outside the repository",
        tool(
            "bandit",
            'if [ "$1" = "--version" ]; then echo "bandit 9.9.9"; exit 0; fi\n'
            'echo \'{"results": [{"filename": "../../etc/passwd", "test_id": "B602", "line_number": 1, '
            '"issue_severity": "HIGH", "issue_text": "x"}]}\'; exit 1',
        ),
        exit_codes=(3,),
        check=bandit_errors,
    ),
    Case(
        "tool-semgrep-crash",
        "tools",
        "semgrep crashes",
        tool("semgrep", "echo 'Segmentation fault' >&2; exit 139"),
        exit_codes=(3,),
        check=semgrep_errors,
    ),
    Case(
        "tool-semgrep-garbage",
        "tools",
        "semgrep prints garbage",
        tool("semgrep", 'echo "<html>proxy error</html>"'),
        exit_codes=(3,),
        check=semgrep_errors,
    ),
    Case(
        "output-payloads",
        "output",
        "script, javascript: URL, CSV and Markdown injection in messages, names, "
        "commit messages and config values",
        payload_everywhere,
        check=inert_outputs,
    ),
]
