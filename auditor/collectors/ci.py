"""CI pipelines and repository automation: which security tools run on which events,
whether dependency updates are automated, and GitHub Actions hygiene.

The files live at fixed paths, so they are looked up directly, never through a
symbolic link (not even a linked ``.github``). YAML is read with PyYAML's safe
loader through ``configparse.yamlpos``, which keeps ``on:`` as the string "on"
(``yaml.safe_load`` would turn it into ``True``) and a line for every value. A
malformed file is one ``ci.file_error`` fact; the other files are still read.
Rule ids are the keys of ``RULES``; see docs/collectors-deploy.md.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from auditor import __version__
from auditor.collectors.base import AuditContext
from auditor.configparse import (
    FileProblem,
    Hits,
    describe,
    error_facts,
    is_symlink,
    read_text,
    regular_file,
    result,
)
from auditor.configparse.yamlpos import Y, loads
from auditor.evidence import CollectorResult, Fact, Finding, Location, Severity

C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
RULES: dict[str, tuple[Severity, str]] = {
    "GHA-UNPINNED-ACTION": (M, "A third-party action is not pinned to a full commit SHA"),
    "GHA-UNPINNED-GITHUB-ACTION": (L, "A GitHub-owned action is not pinned to a commit SHA"),
    "GHA-PERMISSIONS-MISSING": (M, "A workflow leaves GITHUB_TOKEN permissions at the default"),
    "GHA-PERMISSIONS-WRITE-ALL": (H, "A workflow or job grants permissions: write-all"),
    "GHA-PR-TARGET-CHECKOUT": (C, "pull_request_target checks out the pull request's code"),
    "GHA-SCRIPT-INJECTION": (H, "Attacker-controlled github.event text is expanded into a script"),
    "GHA-SECRET-ECHO": (H, "A step prints a secret with echo or printf"),
}
TOOLS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # name: (category, regex over run scripts, action prefixes)
    "bandit": ("sast", r"\bbandit\b", ("pycqa/bandit-action", "mdegis/bandit-action")),
    "semgrep": ("sast", r"\bsemgrep\b", ("returntocorp/semgrep-action", "semgrep/semgrep-action")),
    "codeql": ("sast", r"\bcodeql\s+database\b", ("github/codeql-action/analyze",)),
    "pip-audit": ("dependencies", r"\bpip-audit\b", ("pypa/gh-action-pip-audit",)),
    "safety": ("dependencies", r"\bsafety\s+(check|scan)\b", ("pyupio/safety-action",)),
    "osv-scanner": ("dependencies", r"\bosv-scanner\b", ("google/osv-scanner-action",)),
    "dependency-review": ("dependencies", r"$^", ("actions/dependency-review-action",)),
    "gitleaks": ("secrets", r"\bgitleaks\b", ("gitleaks/gitleaks-action",)),
    "trufflehog": ("secrets", r"\btrufflehog\b", ("trufflesecurity/trufflehog",)),
    "detect-secrets": ("secrets", r"\bdetect-secrets\b", ()),
    "auditor": ("auditor", r"\bauditor\s+audit\b|-m\s+auditor\s+audit\b", ()),
}
GITLAB_TEMPLATES = {
    "sast.gitlab-ci.yml": ("gitlab-sast", "sast"),
    "dependency-scanning.gitlab-ci.yml": ("gitlab-dependency-scanning", "dependencies"),
    "secret-detection.gitlab-ci.yml": ("gitlab-secret-detection", "secrets"),
}
SUMMARY = {  # fact key: (category, events that count)
    "ci.sast_in_ci": ("sast", {"push", "pull_request", "pull_request_target", "merge_request"}),
    "ci.dependency_scan_in_ci": (
        "dependencies",
        {"pull_request", "pull_request_target", "merge_request", "schedule"},
    ),
    "ci.secret_scan_in_ci": ("secrets", {"push", "pull_request", "pull_request_target"}),
    "ci.auditor_in_ci": ("auditor", {"push", "pull_request", "merge_request", "schedule"}),
}
HYGIENE = {  # list fact key: the rule whose findings it lists
    "ci.unpinned_actions": "GHA-UNPINNED-ACTION",
    "ci.unpinned_github_actions": "GHA-UNPINNED-GITHUB-ACTION",
    "ci.workflows_without_permissions": "GHA-PERMISSIONS-MISSING",
    "ci.write_all_permissions": "GHA-PERMISSIONS-WRITE-ALL",
    "ci.pull_request_target_checkouts": "GHA-PR-TARGET-CHECKOUT",
    "ci.script_injections": "GHA-SCRIPT-INJECTION",
    "ci.echoed_secrets": "GHA-SECRET-ECHO",
}
RENOVATE = (
    "renovate.json",
    "renovate.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".renovaterc",
    ".renovaterc.json",
)
OTHER_FILES = (
    ".gitlab-ci.yml",
    ".pre-commit-config.yaml",
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
    *RENOVATE,
)
PYTHON_ECOSYSTEMS = frozenset({"pip", "uv", "pipenv", "poetry"})
_PY_MANAGERS = {"pip_requirements", "pip-compile", "pip_setup", "pipenv", "poetry", "pep621"}
_SHA = re.compile(r"[0-9a-f]{40}")
_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_UNTRUSTED = re.compile(
    r"github\.head_ref|github\.event\.[\w.\[\]'\"*-]*?(?:title|body|message|head\.ref|head\.label"
    r"|page_name|author\.email|author\.name|default_branch|head_branch)\b"
)
_ECHO_SECRET = re.compile(r"\b(?:echo|printf)\b[^\n]*\$\{\{\s*secrets\.")
_HEAD_REF = re.compile(r"pull_request\.head\.(?:sha|ref|repo)|github\.head_ref|refs/pull/")
_GITLAB_RESERVED = {
    "stages",
    "variables",
    "include",
    "default",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "pages",
}


class CiCollector:
    name = "ci"
    tool = "auditor"
    fact_keys = frozenset(
        {
            "ci.workflow_files",
            "ci.gitlab_ci",
            "ci.security_tool",
            "ci.dependency_updates",
            "ci.python_dependency_updates",
            "ci.workflow_permissions",
            "ci.file_error",
            *SUMMARY,
            *HYGIENE,
        }
    )

    def version(self, timeout: float) -> str:
        return __version__

    def collect(self, ctx: AuditContext) -> CollectorResult:
        root = ctx.root
        skipped: dict[str, str] = {}
        workflows = _workflow_files(root, skipped)
        present = [p for p in OTHER_FILES if _present(root, p, skipped)]
        gitlab = [p for p in present if p == ".gitlab-ci.yml"]
        facts = [_list("ci.workflow_files", workflows), _list("ci.gitlab_ci", gitlab)]
        docs: dict[str, Y] = {}
        for rel in [*workflows, *(p for p in present if p.endswith((".yml", ".yaml")))]:
            try:
                docs[rel] = loads(read_text(root, rel), rel)
            except FileProblem as e:
                skipped[rel] = describe(e)
        hooks = _precommit_tools(docs.get(".pre-commit-config.yaml"))
        findings: list[Finding] = []
        tools: list[Tool] = []
        for rel in (w for w in workflows if w in docs):
            hits = Hits(RULES, rel)
            tools += _workflow(docs[rel], hits, facts, hooks)
            findings += hits.items
        if ".gitlab-ci.yml" in docs:
            tools += _gitlab(docs[".gitlab-ci.yml"], hooks)
        facts += _tool_facts(tools) + _updates(root, docs, present, skipped)
        for key, rule in HYGIENE.items():
            mine = [f for f in findings if f.rule_id == rule]
            shown = sorted(f"{f.location}: {f.message}" for f in mine)
            how = f"findings of rule {rule} in GitHub Actions workflows"
            facts.append(Fact(key, shown, mine[0].location if mine else None, how))
        facts += error_facts("ci.file_error", skipped)
        return result(self.name, findings, facts, skipped, len(workflows) + len(present))


Tool = tuple[str, str, list[str], str, str, int]
"""(tool, category, triggering events, file, how it runs, line)."""


def _list(key: str, paths: list[str]) -> Fact:
    source = Location(paths[0], 1) if paths else None
    return Fact(key, paths, source, "files at their fixed paths; symbolic links not followed")


def _present(root: Path, rel: str, skipped: dict[str, str]) -> bool:
    if regular_file(root, rel):
        return True
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        if is_symlink(root, prefix):  # reported once, as the link itself
            skipped[prefix] = "symbolic link, not followed"
            break
    return False


def _workflow_files(root: Path, skipped: dict[str, str]) -> list[str]:
    if not _present(root, ".github/workflows/.", skipped) and any(
        p in skipped for p in (".github", ".github/workflows")
    ):
        return []
    try:
        names = sorted(os.listdir(root / ".github" / "workflows"))
    except OSError:
        return []
    rels = (f".github/workflows/{n}" for n in names if n.endswith((".yml", ".yaml")))
    return [rel for rel in rels if _present(root, rel, skipped)]


def _events(doc: Y) -> list[str]:
    on = doc.get("on") or doc.get("true") or doc.get("True")  # "true": a quoted-key oddity
    if on is None:
        return []
    if isinstance(on.value, dict):
        return sorted(on.value)
    return sorted(t for t in ([on.text()] if on.text() else [i.text() for i in on.seq()]) if t)


def _line(y: Y, text: str, pos: int) -> int:
    """The line of ``text[pos]``: a ``run: |`` block's text starts on the line after the key."""
    return y.line + 1 + text[:pos].count("\n") if "\n" in text.rstrip("\n") else y.line


def _workflow(
    doc: Y, hits: Hits, facts: list[Fact], hooks: list[tuple[str, str, int]]
) -> list[Tool]:
    events = _events(doc)
    perms = doc.get("permissions")
    shown = (
        {k: v.text() for k, v in perms.map().items()}
        if perms and perms.map()
        else (perms.text() if perms else None)
    )
    where = Location(hits.rel, perms.line if perms else 1)
    facts.append(Fact("ci.workflow_permissions", shown, where, "top-level permissions"))
    jobs = doc.at("jobs").map()
    for scope in [perms, *(j.get("permissions") for j in jobs.values())]:
        if scope is not None and scope.text() == "write-all":
            hits("GHA-PERMISSIONS-WRITE-ALL", scope.line, "permissions: write-all", "write-all")
    if perms is None and (not jobs or any(j.get("permissions") is None for j in jobs.values())):
        why = "no top-level permissions and not every job sets its own: the token gets defaults"
        hits("GHA-PERMISSIONS-MISSING", 1, why, "permissions")
    tools: list[Tool] = []
    for job_name, job in sorted(jobs.items()):
        steps = job.at("steps").seq()
        for uses, step in [(job.at("uses"), job), *((s.at("uses"), s) for s in steps)]:
            action = uses.plain().lower()
            if not action:
                continue
            _pinning(uses, hits)
            tools += [
                (t, c, events, hits.rel, "uses", uses.line)
                for t, (c, _, prefixes) in TOOLS.items()
                if prefixes and action.startswith(prefixes)
            ]
            with_ = " ".join(v.plain() for v in step.at("with").map().values())
            if (
                "pull_request_target" in events
                and action.startswith("actions/checkout")
                and _HEAD_REF.search(with_)
            ):
                why = f"pull_request_target job '{job_name}' checks out the pull request's code"
                hits("GHA-PR-TARGET-CHECKOUT", uses.line, why, job_name)
        for step in steps:
            script = step.get("run") or step.at("with").at("script")
            text = script.text()
            if text is None:
                continue
            body = _commands(text)
            tools += _run_tools(body, events, hits.rel, script, hooks)
            _script_checks(script, text, hits)
    return tools


def _commands(text: str) -> str:
    """The script with comments and install lines blanked (line numbers kept): installing
    bandit is not running it."""
    lines = text.split("\n")
    return "\n".join("" if re.search(r"^\s*#|\binstall\b", ln) else ln for ln in lines)


def _run_tools(
    body: str, events: list[str], rel: str, script: Y, hooks: list[tuple[str, str, int]]
) -> list[Tool]:
    out: list[Tool] = []
    for tool, (cat, regex, _) in TOOLS.items():
        if m := re.search(regex, body):
            out.append((tool, cat, events, rel, "run", _line(script, body, m.start())))
    if re.search(r"\bpre-commit\s+run\b", body):
        via = "pre-commit hook at .pre-commit-config.yaml:{}"
        out += [(t, c, events, rel, via.format(n), script.line) for t, c, n in hooks]
    return out


def _pinning(uses: Y, hits: Hits) -> None:
    ref_text = uses.plain()
    if ref_text.startswith("./"):
        return
    if ref_text.startswith("docker://"):
        if "@sha256:" not in ref_text:
            hits("GHA-UNPINNED-ACTION", uses.line, f"{ref_text} is not pinned by digest", ref_text)
        return
    name, _, ref = ref_text.partition("@")
    if _SHA.fullmatch(ref):
        return
    github_owned = name.lower().split("/", 1)[0] in ("actions", "github")
    rule = "GHA-UNPINNED-GITHUB-ACTION" if github_owned else "GHA-UNPINNED-ACTION"
    hits(rule, uses.line, f"{ref_text} is pinned to '{ref or 'nothing'}', not a commit SHA", name)


def _script_checks(script: Y, text: str, hits: Hits) -> None:
    for m in _EXPR.finditer(text):
        if u := _UNTRUSTED.search(m.group(1)):
            why = f"${{{{ {u.group(0)} }}}} is expanded into a script (shell injection)"
            hits("GHA-SCRIPT-INJECTION", _line(script, text, m.start()), why, u.group(0))
    for m in _ECHO_SECRET.finditer(text):
        why = "a secret is printed; log masking fails once it is transformed or split"
        hits("GHA-SECRET-ECHO", _line(script, text, m.start()), why, m.group(0))


def _precommit_tools(doc: Y | None) -> list[tuple[str, str, int]]:
    out = []
    for repo in doc.at("repos").seq() if doc else []:
        for hook in repo.at("hooks").seq():
            hook_id = f"{repo.at('repo').plain()} {hook.at('id').plain()}".lower()
            out += [(t, c, hook.line) for t, (c, _, _) in TOOLS.items() if t in hook_id]
    return out


def _gitlab(doc: Y, hooks: list[tuple[str, str, int]]) -> list[Tool]:
    rel = ".gitlab-ci.yml"
    out: list[Tool] = []
    include = doc.get("include")
    for inc in (include.seq() or [include]) if include else []:
        name = (inc.text() or inc.at("template").plain()).lower()
        for suffix, (tool, cat) in GITLAB_TEMPLATES.items():
            if name.endswith(suffix):
                out.append((tool, cat, ["push"], rel, f"include {name}", inc.line))
    for job_name, job in sorted(doc.map().items()):
        if job_name in _GITLAB_RESERVED or job_name.startswith(".") or not job.map():
            continue
        events = _gitlab_events(job)
        for key in ("before_script", "script", "after_script"):
            for line in _flatten(job.get(key)):
                out += _run_tools(_commands(line.plain()), events, rel, line, hooks)
    return out


def _flatten(y: Y | None, depth: int = 0) -> list[Y]:
    """Script lines; GitLab allows nested lists (from !reference)."""
    if y is None or depth > 10:
        return []
    if isinstance(y.value, list):
        return [x for item in y.value for x in _flatten(item, depth + 1)]
    return [y] if y.text() else []


def _gitlab_events(job: Y) -> list[str]:
    """GitLab runs a job on pushes unless ``only``/``rules`` say otherwise."""
    words = " ".join(y.plain() for y in _flatten(job.get("only")))
    words += " ".join(rule.at("if").plain() for rule in job.at("rules").seq())
    events = {e for e in ("merge_request", "schedule") if e in words}
    if not words.strip() or re.search(r"push|branches|main|master|CI_COMMIT_BRANCH", words):
        events.add("push")
    return sorted(events)


def _tool_facts(tools: list[Tool]) -> list[Fact]:
    found = []
    for tool, cat, events, rel, via, line in sorted({(*t[:2], tuple(t[2]), *t[3:]) for t in tools}):
        value = {"tool": tool, "category": cat, "events": list(events), "via": via}
        how = f"{tool} in a CI {via}, triggered by {', '.join(events) or 'no event'}"
        found.append(Fact("ci.security_tool", value, Location(rel, line), how))
    summary = []
    for key, (cat, counted) in SUMMARY.items():
        hits = [f for f in found if f.value["category"] == cat and counted & set(f.value["events"])]
        shown = sorted(
            f"{f.value['tool']} at {f.source} on {', '.join(f.value['events'])}" for f in hits
        )
        how = f"{cat} tools run in CI on any of {', '.join(sorted(counted))}"
        summary.append(Fact(key, shown, hits[0].source if hits else None, how))
    return found + summary


def _updates(
    root: Path, docs: dict[str, Y], present: list[str], skipped: dict[str, str]
) -> list[Fact]:
    found: list[tuple[str, bool, Location]] = []
    for rel in (p for p in present if "dependabot" in p and p in docs):
        for upd in docs[rel].at("updates").seq():
            eco = upd.at("package-ecosystem").plain()
            found.append((f"dependabot {eco}", eco in PYTHON_ECOSYSTEMS, Location(rel, upd.line)))
    for rel in (p for p in present if p in RENOVATE):
        python = True  # Renovate's default managers include the Python ones
        if not rel.endswith(".json5"):
            try:
                config = json.loads(read_text(root, rel))
            except FileProblem as e:
                skipped[rel] = describe(e)
                continue
            except ValueError as e:
                skipped[rel] = f"invalid JSON: {e}"
                continue
            managers = config.get("enabledManagers") if isinstance(config, dict) else None
            if isinstance(managers, list):
                python = bool(_PY_MANAGERS & set(map(str, managers)))
        found.append(("renovate", python, Location(rel, 1)))
    how = "Dependabot updates entries and Renovate config files"
    py = [(n, loc) for n, ok, loc in found if ok]
    return [
        Fact(
            "ci.dependency_updates",
            sorted(f"{n} ({loc})" for n, _, loc in found),
            found[0][2] if found else None,
            how,
        ),
        Fact(
            "ci.python_dependency_updates",
            sorted(f"{n} ({loc})" for n, loc in py),
            py[0][1] if py else None,
            how + "; Python ecosystems (pip, uv, pipenv, poetry)",
        ),
    ]
