"""nginx, gunicorn and uWSGI configuration in the repository, read, never run.

nginx files are parsed one by one with crossplane (includes are never followed).
A file without an ``http`` block (a ``conf.d`` fragment) inherits the ``http``
level of a repository nginx.conf whose ``include`` pattern matches its name,
which is how the two meet in an image. ``add_header`` follows nginx's rule: a
level with any ``add_header`` inherits none from the levels above it.
Rule ids are the keys of ``RULES``; see docs/collectors-deploy.md.
"""

from __future__ import annotations

import fnmatch
import re
from importlib import metadata
from pathlib import Path

from auditor import files
from auditor.collectors.base import AuditContext
from auditor.configparse import FileProblem, Hits, describe, error_facts, read_text, result
from auditor.configparse import webconf as wc
from auditor.errors import ToolMissingError
from auditor.evidence import CollectorResult, Fact, Finding, Location, Severity

H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW
RULES: dict[str, tuple[Severity, str]] = {
    "NGINX-WEAK-TLS-PROTOCOL": (H, "ssl_protocols enables SSLv2, SSLv3, TLSv1 or TLSv1.1"),
    "NGINX-TLS-PROTOCOLS-UNSET": (L, "A TLS server leaves ssl_protocols to the nginx default"),
    "NGINX-WEAK-CIPHERS": (H, "ssl_ciphers enables RC4, DES, 3DES, MD5, NULL, EXPORT or aNULL"),
    "NGINX-HSTS-MISSING": (M, "A TLS server sends no Strict-Transport-Security header"),
    "NGINX-HSTS-SHORT": (L, "Strict-Transport-Security max-age is under one year"),
    "NGINX-HEADER-MISSING": (L, "A server sends no CSP, nosniff, frame or referrer policy"),
    "NGINX-ADD-HEADER-DROPPED": (M, "A location's add_header drops the server's security headers"),
    "NGINX-SERVER-TOKENS": (L, "server_tokens is not off (the nginx version is disclosed)"),
    "NGINX-AUTOINDEX": (M, "autoindex on lists directory contents"),
    "NGINX-HTTP-NO-REDIRECT": (M, "A port-80 server does not redirect to https"),
    "NGINX-BODY-SIZE-UNLIMITED": (M, "client_max_body_size 0 disables the request size limit"),
    "NGINX-UPLOADS-EXECUTABLE": (H, "An uploads/media location can reach a script handler"),
    "GUNICORN-FORWARDED-ALLOW-ALL": (M, "gunicorn trusts X-Forwarded-* from any address"),
    "GUNICORN-RELOAD": (M, "gunicorn reload = True (a development setting)"),
    "UWSGI-AUTORELOAD": (M, "uWSGI py-autoreload is on (a development setting)"),
    "UWSGI-STATS-EXPOSED": (M, "The uWSGI stats server listens beyond localhost"),
    "UWSGI-ROOT": (M, "uWSGI is configured to run as root"),
}
SECURITY_HEADERS = (
    "strict-transport-security",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
)
HSTS_MIN = 31_536_000
_WEAK_PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")
_WEAK_CIPHER = re.compile(r"(^|[-_])(RC4|DES|3DES|MD5|NULL|EXPORT|EXP|ADH|AECDH)([-_]|$)", re.I)
_WEAK_CIPHER_WORDS = frozenset({"anull", "enull", "low", "exp", "export", "null"})
_UPLOADS = re.compile(r"/(media|uploads?|user[-_]?content|files|attachments)\b", re.I)
_SCRIPT_PASS = ("fastcgi_pass", "uwsgi_pass", "scgi_pass")
_NGINX_DIRS = ("nginx", "sites-available", "sites-enabled", "conf.d")
_SNIFF = re.compile(r"^\s*(server|http|upstream)\s*\{", re.M)


class WebserverCollector:
    name = "webserver"
    tool = "crossplane"
    fact_keys = frozenset(
        {
            "webserver.nginx_files",
            "webserver.gunicorn_files",
            "webserver.uwsgi_files",
            "webserver.file_error",
            "nginx.ssl_protocols",
            "nginx.ssl_ciphers",
            "nginx.hsts_max_age",
            "nginx.security_headers",
            "nginx.server_tokens",
            "nginx.client_max_body_size",
            "nginx.https_redirect",
            "gunicorn.forwarded_allow_ips",
            "gunicorn.reload",
        }
    )

    def version(self, timeout: float) -> str:
        try:
            return metadata.version("crossplane")
        except metadata.PackageNotFoundError:
            raise ToolMissingError("the nginx parser crossplane is not installed") from None

    def collect(self, ctx: AuditContext) -> CollectorResult:
        found = files.walk(ctx.root, (".conf", ".template", ".nginx", ".py", ".ini"), ctx.excludes)
        skipped: dict[str, str] = {}
        nginx = [p for p in found.files if _nginx_file(ctx.root, p)]
        gunicorn = [p for p in found.files if _gunicorn_file(p)]
        uwsgi = [p for p in found.files if p.endswith(".ini") and _uwsgi_file(ctx.root, p)]
        for rel, why in found.skipped.items():
            if rel.endswith((".conf", ".nginx")) or _gunicorn_file(rel):
                skipped[rel] = why
        version = self.version(ctx.timeout) if nginx else "not needed"
        facts = [
            _list(
                "webserver.nginx_files",
                nginx,
                "nginx.conf, *.nginx, .conf under nginx/ or "
                "conf.d/, or any .conf with a server/http block",
            ),
            _list("webserver.gunicorn_files", gunicorn, "gunicorn*.py"),
            _list("webserver.uwsgi_files", uwsgi, "*.ini with a [uwsgi] section"),
        ]
        findings: list[Finding] = []
        parsed: dict[str, tuple[wc.Directive, ...]] = {}
        for rel in nginx:
            try:
                parsed[rel] = wc.parse_nginx(ctx.root, rel)
            except FileProblem as e:
                skipped[rel] = describe(e)
        for rel, top in parsed.items():
            hits = Hits(RULES, rel, (self.tool, version))
            check_nginx(top, _parent_http(rel, parsed), hits, facts)
            findings += hits.items
        for rel in gunicorn + uwsgi:
            hits = Hits(RULES, rel)
            try:
                if rel in uwsgi:
                    wc.check_uwsgi(wc.ini_section(ctx.root, rel, "uwsgi"), hits)
                else:
                    wc.check_gunicorn(wc.gunicorn_settings(ctx.root, rel), hits, facts)
            except FileProblem as e:
                skipped[rel] = describe(e)
            findings += hits.items
        facts += error_facts("webserver.file_error", skipped)
        nothing = not (nginx or gunicorn or uwsgi or skipped)
        absent = "the repository has no nginx, gunicorn or uWSGI configuration file"
        scanned = len(nginx) + len(gunicorn) + len(uwsgi)
        tool = (self.tool, version)
        return result(
            self.name, findings, facts, skipped, scanned, absent if nothing else None, tool
        )


def _list(key: str, paths: list[str], how: str) -> Fact:
    return Fact(
        key, paths, Location(paths[0], 1) if paths else None, f"{how}; symbolic links not followed"
    )


def _nginx_file(root: Path, rel: str) -> bool:
    parts = rel.lower().split("/")
    name = parts[-1]
    if name == "nginx.conf" or name.endswith((".nginx", ".nginx.conf")):
        return True
    if not name.endswith((".conf", ".conf.template")):
        return False
    if any(d in part for part in parts for d in _NGINX_DIRS):
        return True
    try:
        text = read_text(root, rel)
    except FileProblem:
        return False  # not recognisably nginx: not ours to report
    return bool(_SNIFF.search(text)) and ("listen" in text or "location" in text)


def _gunicorn_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.startswith("gunicorn") and name.endswith(".py")


def _uwsgi_file(root: Path, rel: str) -> bool:
    try:
        return "[uwsgi]" in read_text(root, rel)
    except FileProblem:
        return "uwsgi" in rel.lower()


def _parent_http(rel: str, parsed: dict[str, tuple[wc.Directive, ...]]) -> tuple[wc.Directive, ...]:
    """The http level of the first repository nginx config whose ``include`` names this
    fragment: same file-name pattern and, when the pattern has one, same folder name."""
    if any(d.name == "http" for d in parsed[rel]):
        return ()
    folder, _, name = rel.rpartition("/")
    folder = folder.rsplit("/", 1)[-1]
    for other, top in sorted(parsed.items()):
        for http in (d for d in top if d.name == "http" and d.block is not None):
            for inc in http.children("include"):
                head, _, pattern = (inc.args[0] if inc.args else "").rpartition("/")
                where = head.rsplit("/", 1)[-1]
                if not pattern or other == rel or not fnmatch.fnmatchcase(name, pattern):
                    continue
                if not where or fnmatch.fnmatchcase(folder, where):
                    return http.block or ()
    return ()


def _all(block: tuple[wc.Directive, ...]) -> list[wc.Directive]:
    return [x for d in block for x in (d, *_all(d.block or ()))]


def check_nginx(
    top: tuple[wc.Directive, ...], parent: tuple[wc.Directive, ...], hits: Hits, facts: list[Fact]
) -> None:
    for d in _all(top):
        if d.name == "autoindex" and d.args[:1] == ("on",):
            hits("NGINX-AUTOINDEX", d.line, "autoindex on lists directory contents", "autoindex")
        if d.name == "client_max_body_size" and d.args[:1] == ("0",):
            hits("NGINX-BODY-SIZE-UNLIMITED", d.line, "client_max_body_size 0: no size limit", "0")
    for chain, server in wc.servers(top, parent):
        _Server((*chain, server.block or ()), server, hits, facts).check()


class _Server:
    """One server block and the levels above it, with the evidence it produces."""

    def __init__(self, chain: wc.Chain, d: wc.Directive, hits: Hits, facts: list[Fact]) -> None:
        self.chain, self.d, self.hit, self.facts = chain, d, hits, facts
        self.line = d.line

    def fact(self, key: str, value: object, line: int, how: str, path: str = "") -> None:
        self.facts.append(Fact(key, value, Location(path or self.hit.rel, line), how))

    def at(self, d: wc.Directive) -> int:
        """Where a finding about ``d`` goes: its line, or this server's line when it
        was inherited from another file (the finding is about this server)."""
        return d.line if d.file == self.hit.rel else self.line

    def setting(self, key: str, default: str) -> tuple[str | None, wc.Directive | None]:
        """The directive in force here, recorded as fact ``nginx.<key>``."""
        d = wc.innermost(self.chain, key)
        value = " ".join(d.args) if d else None
        if d is None:
            how = f"not set for the server at {self.hit.rel}:{self.line}; {default}"
        else:
            how = f"in force for the server at {self.hit.rel}:{self.line}"
        self.fact(f"nginx.{key}", value, d.line if d else self.line, how, d.file if d else "")
        return value, d

    def check(self) -> None:
        listens = [d.args for d in self.d.children("listen")]
        ssl_on = any(d.args[:1] == ("on",) for d in self.d.children("ssl"))
        tls = ssl_on or any(_is_tls(a) for a in listens)
        port80 = not listens or any(_port(a) == "80" and not _is_tls(a) for a in listens if a)
        redirect = False
        if port80:
            redirect = _redirects(self.d)
            how = "return/rewrite to https:// at server level, in an if, or in location /"
            self.fact("nginx.https_redirect", redirect, self.line, how)
            if not redirect:
                self.hit(
                    "NGINX-HTTP-NO-REDIRECT", self.line, "port 80 without https redirect", "80"
                )
        if tls:
            self.tls()
        tokens, d = self.setting("server_tokens", "nginx default 'on'")
        if tokens != "off":
            why = f"server_tokens is {tokens or 'not set (default on)'}"
            self.hit("NGINX-SERVER-TOKENS", self.at(d or self.d), why, "server_tokens")
        self.setting("client_max_body_size", "nginx default 1m")
        returns = any(d.name == "return" for d in self.d.block or ())
        if not returns and not (redirect and not tls):  # it serves content, not a redirect
            self.headers(tls)
        self.locations()

    def tls(self) -> None:
        _, d = self.setting("ssl_protocols", "before nginx 1.23.4, TLSv1/1.1 allowed")
        if d is None:
            why = "ssl_protocols not set; before nginx 1.23.4 the default allows TLSv1/1.1"
            self.hit("NGINX-TLS-PROTOCOLS-UNSET", self.line, why, "unset")
        elif weak := [p for p in d.args if p in _WEAK_PROTOCOLS]:
            why = f"ssl_protocols enables {' '.join(weak)}"
            self.hit("NGINX-WEAK-TLS-PROTOCOL", self.at(d), why, " ".join(weak))
        ciphers, d = self.setting("ssl_ciphers", "nginx default HIGH:!aNULL:!MD5")
        if d is not None and (weak := weak_ciphers(ciphers or "")):
            why = f"ssl_ciphers enables {':'.join(weak)}"
            self.hit("NGINX-WEAK-CIPHERS", self.at(d), why, ":".join(weak))

    def headers(self, tls: bool) -> None:
        found = wc.headers(self.chain)
        shown = {k: v for k, (v, _) in sorted(found.items()) if k in SECURITY_HEADERS}
        how = "add_header/more_set_headers in force for the server (nginx inheritance)"
        self.fact("nginx.security_headers", shown, self.line, how)
        if tls:
            hsts = found.get("strict-transport-security")
            match = re.search(r"max-age=\"?(\d+)", hsts[0]) if hsts else None
            age = int(match.group(1)) if match else None
            line = self.at(hsts[1]) if hsts else self.line
            how = "max-age of the Strict-Transport-Security header in force"
            self.fact(
                "nginx.hsts_max_age",
                age,
                hsts[1].line if hsts else self.line,
                how,
                hsts[1].file if hsts else "",
            )
            if hsts is None:
                self.hit("NGINX-HSTS-MISSING", self.line, "no Strict-Transport-Security", "hsts")
            elif age is None or age < HSTS_MIN:
                self.hit("NGINX-HSTS-SHORT", line, f"HSTS max-age {age} < {HSTS_MIN}", "hsts")
        csp = found["content-security-policy"][0] if "content-security-policy" in found else ""
        for header in SECURITY_HEADERS[1:]:
            if header == "x-frame-options" and "frame-ancestors" in csp:
                continue
            if header not in found:
                self.hit("NGINX-HEADER-MISSING", self.line, f"no {header} header", header)

    def locations(self) -> None:
        locs = wc.locations(self.chain[:-1], self.d)
        scripts = [loc.line for _, loc in locs if _script_location(loc)]
        for chain, loc in locs:
            path = " ".join(loc.args)
            if any(d.name == "add_header" for d in loc.block or ()):
                own = wc.headers(chain[-1:])
                lost = [h for h in wc.headers(chain[:-1]) if h in SECURITY_HEADERS and h not in own]
                if lost:
                    why = f"add_header here drops inherited {', '.join(lost)}"
                    self.hit("NGINX-ADD-HEADER-DROPPED", loc.line, why, path)
            if not _UPLOADS.search(path):
                continue
            if any(d.name in _SCRIPT_PASS for d in _all(loc.block or ())):
                why = f"location {path} passes requests to a script handler"
                self.hit("NGINX-UPLOADS-EXECUTABLE", loc.line, why, path)
            elif scripts and loc.args[:1] != ("^~",):
                why = f"location {path} lacks ^~, so the script location at line {scripts[0]} wins"
                self.hit("NGINX-UPLOADS-EXECUTABLE", loc.line, why, path)


def _port(args: tuple[str, ...]) -> str:
    if args and wc.LOCAL.match(args[0]):
        return "local"
    return args[0].rsplit(":", 1)[-1] if args else "80"


def _is_tls(args: tuple[str, ...]) -> bool:
    return "ssl" in args or "quic" in args or _port(args) == "443"


def _script_location(loc: wc.Directive) -> bool:
    regex = loc.args[:1] in (("~",), ("~*",))
    scripts = re.search(r"php|py|cgi|pl", " ".join(loc.args[1:]))
    return regex and bool(scripts) and any(loc.children(p) for p in _SCRIPT_PASS)


def _redirects(server: wc.Directive) -> bool:
    places = [server, *server.children("if")]
    places += [loc for loc in server.children("location") if loc.args[-1:] == ("/",)]
    return any(
        d.name in ("return", "rewrite") and any(a.startswith("https://") for a in d.args)
        for place in places
        for d in place.block or ()
    )


def weak_ciphers(spec: str) -> list[str]:
    """Cipher-string terms that add weak suites; ``!X`` and ``-X`` remove, so they are fine."""
    out = []
    for term in re.split(r"[:,\s]+", spec.strip("'\"")):
        if not term or term[0] in "!-":
            continue
        parts = term.lstrip("+").split("+")
        if any(p.lower() in _WEAK_CIPHER_WORDS or _WEAK_CIPHER.search(p) for p in parts):
            out.append(term)
    return out
