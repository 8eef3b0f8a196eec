"""Dockerfiles, Containerfiles and compose files, read as text, never built.

Rule ids are the keys of ``RULES``; every finding names file:line. When the
repository has neither a Dockerfile nor a compose file the collector is
``not_applicable``; the facts ``docker.dockerfiles`` and ``docker.compose_files``
say which of the two exist, for controls that need only one of them.
"""

from __future__ import annotations

import fnmatch
import re

from auditor import __version__, files
from auditor.collectors.base import AuditContext
from auditor.collectors.repository import SENSITIVE_PATTERNS
from auditor.configparse import FileProblem, Hits, describe, error_facts, read_text, result
from auditor.configparse import dockerfile as df
from auditor.configparse.yamlpos import Y, loads
from auditor.evidence import CollectorResult, Fact, Finding, Location, Severity
from auditor.redact import redact

H, M = Severity.HIGH, Severity.MEDIUM
RULES: dict[str, tuple[Severity, str]] = {
    "DOCKER-ROOT-USER": (M, "The final image stage runs as root"),
    "DOCKER-BASE-UNPINNED": (M, "A base image has no tag, the tag 'latest', or an unset tag"),
    "DOCKER-SECRET-IN-ENV": (H, "ENV or ARG sets a secret-like variable to a literal value"),
    "DOCKER-SECRET-FILE-COPIED": (H, "COPY or ADD puts a .env or key file in the image"),
    "DOCKER-ADD-REMOTE": (M, "ADD downloads a remote URL without verification"),
    "DOCKER-CURL-PIPE-SH": (H, "RUN pipes a curl or wget download into a shell"),
    "DOCKER-DEBUG-ENABLED": (M, "The final image enables debug mode, a debugger or a dev server"),
    "DOCKER-DEBUG-PORT": (M, "The final image exposes a debugger port"),
    "COMPOSE-PRIVILEGED": (H, "A compose service is privileged or adds ALL/SYS_ADMIN"),
    "COMPOSE-HOST-NETWORK": (M, "A compose service uses the host network namespace"),
    "COMPOSE-DOCKER-SOCKET": (H, "A compose service mounts the Docker socket"),
    "COMPOSE-SECRET-IN-ENV": (H, "A compose service sets a secret-like variable to a literal"),
}
_PIPE_SH = re.compile(
    r"\b(?:curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:\S+=\S*\s+)*"
    r"(?:/\S*/)?(?:ba|z|da|k)?sh\b"
    r"|\b(?:ba)?sh\s+(?:-\w+\s+)*[\"']?(?:\$\(|<\()\s*(?:curl|wget)\b"
)
_REMOTE = re.compile(r"^(?:https?://|git@|git://|ssh://)", re.IGNORECASE)
_DEBUG_CMD = re.compile(r"\bdebugpy\b|\bpdb\b|--debug\b|--reload\b|\brunserver\b")
_ENV_EXAMPLES = (".env.example", ".env.sample", ".env.template")
_NONE = Y(None, 0)


class DockerfileCollector:
    name = "dockerfile"
    tool = "auditor"
    fact_keys = frozenset(
        {
            "docker.dockerfiles",
            "docker.compose_files",
            "docker.final_user",
            "docker.base_image",
            "docker.file_error",
        }
    )

    def version(self, timeout: float) -> str:
        return __version__

    def collect(self, ctx: AuditContext) -> CollectorResult:
        found = files.walk(ctx.root, ("",), ctx.excludes)
        dockerfiles = [p for p in found.files if is_dockerfile(p)]
        composes = [p for p in found.files if is_compose(p)]
        skipped = {p: r for p, r in found.skipped.items() if is_dockerfile(p) or is_compose(p)}
        how = "file names Dockerfile[.*], Containerfile[.*], *.dockerfile"
        facts = [
            _list_fact("docker.dockerfiles", dockerfiles, how),
            _list_fact("docker.compose_files", composes, "names docker-compose*.y(a)ml, compose*"),
        ]
        findings: list[Finding] = []
        for rel in dockerfiles + composes:
            hits = Hits(RULES, rel)
            try:
                text = read_text(ctx.root, rel)
                if rel in composes:
                    check_compose(loads(text, rel), hits)
                else:
                    check_dockerfile(df.parse(text), hits, facts)
            except FileProblem as e:
                skipped[rel] = describe(e)
                continue
            findings += hits.items
        facts += error_facts("docker.file_error", skipped)
        nothing = not (dockerfiles or composes or skipped)
        absent = "the repository has no Dockerfile, Containerfile or compose file"
        scanned = len(dockerfiles) + len(composes)
        return result(self.name, findings, facts, skipped, scanned, absent if nothing else None)


def is_dockerfile(rel: str) -> bool:
    low = rel.rsplit("/", 1)[-1].lower()
    return (
        low in ("dockerfile", "containerfile")
        or low.startswith(("dockerfile.", "containerfile."))
        or low.endswith((".dockerfile", ".containerfile"))
    )


def is_compose(rel: str) -> bool:
    low = rel.rsplit("/", 1)[-1].lower()
    return low.startswith(("docker-compose", "compose")) and low.endswith((".yml", ".yaml"))


def _list_fact(key: str, paths: list[str], how: str) -> Fact:
    source = Location(paths[0], 1) if paths else None
    return Fact(key, paths, source, f"{how}; symbolic links not followed")


def check_dockerfile(parsed: df.Dockerfile, hits: Hits, facts: list[Fact]) -> None:
    names = {s.name for s in parsed.stages if s.name}
    for ins in parsed.preamble:
        _instruction(ins, hits)
    for stage in parsed.stages:
        _base_image(stage, hits, names, facts)
        for ins in stage.instructions:
            _instruction(ins, hits)
    if parsed.stages:
        _final_stage(parsed, hits, facts)


def _base_image(stage: df.Stage, hits: Hits, stages: set[str], facts: list[Fact]) -> None:
    image = stage.image
    if image.lower() in stages or image.lower() == "scratch":
        return
    ref, _, digest = image.partition("@")
    tag = ref.rsplit("/", 1)[-1].partition(":")[2] or None
    value = {"image": image, "tag": tag, "digest": digest or None, "stage": stage.name}
    how = "FROM line, global ARG defaults substituted"
    facts.append(Fact("docker.base_image", value, Location(hits.rel, stage.line), how))
    if digest:
        return
    if stage.unresolved:
        why = f"base image '{image}' depends on a build argument without a default"
    elif tag is None or tag == "latest":
        why = f"base image '{image}' is not pinned (no tag or 'latest', no digest)"
    else:
        return
    hits("DOCKER-BASE-UNPINNED", stage.line, why, image)


def _instruction(ins: df.Instruction, hits: Hits) -> None:
    if ins.keyword in ("ENV", "ARG"):
        pairs = df.env_pairs(ins) if ins.keyword == "ENV" else df.arg_pairs(ins)
        for name, value in pairs:
            secret = df.literal(value) if value is not None and df.secret_name(name) else None
            if secret:
                why = f"{ins.keyword} {name} sets a literal secret {redact(secret)} in the image"
                hits("DOCKER-SECRET-IN-ENV", ins.line, why, f"{name}={redact(secret)}")
    elif ins.keyword in ("COPY", "ADD"):
        flags, words = ins.words()
        from_stage = any(f.startswith("--from") for f in flags)
        for src in [] if from_stage else (ins.exec_form() or words)[:-1]:
            base = src.rstrip("/").rsplit("/", 1)[-1]
            if base not in _ENV_EXAMPLES and any(
                fnmatch.fnmatchcase(base, p) for p in SENSITIVE_PATTERNS
            ):
                why = f"{ins.keyword} copies '{src}' (a secret or key file) into the image"
                hits("DOCKER-SECRET-FILE-COPIED", ins.line, why, src)
            if ins.keyword == "ADD" and _REMOTE.match(src):
                why = f"ADD downloads '{src}' without verifying a checksum"
                hits("DOCKER-ADD-REMOTE", ins.line, why, src)
    elif ins.keyword == "RUN":
        match = _PIPE_SH.search(" ".join([ins.args, *ins.heredocs]))
        if match:
            why = f"RUN pipes a download into a shell: '{match.group(0)[:80]}'"
            hits("DOCKER-CURL-PIPE-SH", ins.line, why, match.group(0))


def _chain(parsed: df.Dockerfile) -> list[df.Stage]:
    """The final stage, then the stages it is built FROM, nearest first."""
    by_name = {s.name: s for s in parsed.stages if s.name}
    chain = [parsed.stages[-1]]
    while chain[-1].image.lower() in by_name and len(chain) <= len(parsed.stages):
        chain.append(by_name[chain[-1].image.lower()])
    return chain


def _final_stage(parsed: df.Dockerfile, hits: Hits, facts: list[Fact]) -> None:
    chain = _chain(parsed)
    env: dict[str, str | None] = dict(parsed.global_args)
    user: tuple[str, int, bool] | None = None
    debug: list[tuple[int, str]] = []
    ports: list[tuple[int, str]] = []
    for ins in [i for stage in reversed(chain) for i in stage.instructions]:
        if ins.keyword in ("ARG", "ENV"):
            pairs = df.env_pairs(ins) if ins.keyword == "ENV" else df.arg_pairs(ins)
            for name, value in pairs:
                env[name] = value if value is not None else env.get(name)
                if value is not None and df.debug_setting(name, value):
                    debug.append((ins.line, f"{ins.keyword} {name}={value}"))
        elif ins.keyword == "USER":
            value, unresolved = df.substitute(ins.args.strip(), env)
            user = (value, ins.line, unresolved)
        elif ins.keyword in ("CMD", "ENTRYPOINT"):
            command = " ".join(ins.exec_form() or [ins.args])
            if _DEBUG_CMD.search(command):
                debug.append((ins.line, f"{ins.keyword} {command[:80]}"))
        elif ins.keyword == "EXPOSE":
            ports += [(ins.line, p.split("/")[0]) for p in ins.args.split()]
    if user is None:
        line = chain[0].line
        how = (
            "no USER in the final stage or the stages it is built from; the base image's "
            "default user applies (root for most images)"
        )
        facts.append(Fact("docker.final_user", None, Location(hits.rel, line), how))
        why = "the final stage sets no USER, so it runs as the base image's user (usually root)"
        hits("DOCKER-ROOT-USER", line, why, "no USER")
    else:
        value, line, unresolved = user
        how = "last USER of the final stage (or of the stage it is built from)"
        if unresolved:
            how += ", with a build argument that has no default"
        facts.append(Fact("docker.final_user", value, Location(hits.rel, line), how))
        if unresolved:
            hits("DOCKER-ROOT-USER", line, f"USER {value} depends on an unset build arg", value)
        elif value.split(":", 1)[0] in ("root", "0"):
            hits("DOCKER-ROOT-USER", line, f"the final stage runs as root (USER {value})", value)
    for line, what in debug:
        why = f"debug mode, a debugger or a dev server in the final image: {what}"
        hits("DOCKER-DEBUG-ENABLED", line, why, what)
    for line, port in ports:
        if port == "5678" or (port == "5000" and debug):
            label = "debugpy" if port == "5678" else "Flask debug server"
            hits("DOCKER-DEBUG-PORT", line, f"EXPOSE {port} ({label}) in the final image", port)


def check_compose(doc: Y, hits: Hits) -> None:
    services = doc.get("services") or doc  # version 1 files list services at the top
    for name, svc in sorted(services.map().items()):
        if not isinstance(svc.value, dict) or name.startswith("x-"):
            continue
        if (p := svc.get("privileged")) and p.value is True:
            hits("COMPOSE-PRIVILEGED", p.line, f"service '{name}' runs privileged", name)
        for cap in (svc.get("cap_add") or _NONE).seq():
            if str(cap.text()).upper().removeprefix("CAP_") in ("ALL", "SYS_ADMIN"):
                why = f"service '{name}' adds capability {cap.text()}"
                hits("COMPOSE-PRIVILEGED", cap.line, why, name)
        if (n := svc.get("network_mode")) and n.text() == "host":
            hits("COMPOSE-HOST-NETWORK", n.line, f"service '{name}' uses network_mode: host", name)
        for vol in (svc.get("volumes") or _NONE).seq():
            source = vol.text() or (vol.get("source") or _NONE).text() or ""
            if "docker.sock" in source.split(":", 1)[0]:
                why = f"service '{name}' mounts the Docker socket ({source})"
                hits("COMPOSE-DOCKER-SOCKET", vol.line, why, name)
        _compose_env(svc.get("environment"), name, hits)


def _compose_env(env: Y | None, service: str, hits: Hits) -> None:
    pairs: list[tuple[str, str, int]] = []
    if env is not None and isinstance(env.value, dict):
        pairs = [(k, v.text() or "", v.line) for k, v in env.value.items()]
    elif env is not None:
        for item in env.seq():
            key, eq, value = (item.text() or "").partition("=")
            if eq:
                pairs.append((key, value, item.line))
    for key, value, line in pairs:
        secret = df.literal(value) if df.secret_name(key) else None
        if secret:
            why = f"service '{service}' sets {key} to a literal secret {redact(secret)}"
            hits("COMPOSE-SECRET-IN-ENV", line, why, f"{service}:{key}={redact(secret)}")
