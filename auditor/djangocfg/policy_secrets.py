"""Secrets in Django settings: SECRET_KEY must come from the deployment, and no
password or key may be written in the settings, not even as an environment
fallback. Values only ever appear redacted."""

from __future__ import annotations

from auditor.djangocfg.model import DjangoSettings, Undecided
from auditor.djangocfg.policy import Acc, Verdict
from auditor.evidence import Severity
from auditor.pystatic.evaluate import Known, Unknown
from auditor.redact import redact


def _literal(k: Known) -> str | None:
    """How a string secret got into the code, or None when it did not."""
    if not isinstance(k.value, str) or not k.value:
        return None
    shown = redact(k.value)
    if not k.env:
        return f"literal {shown}"
    names = ", ".join(e.name for e in k.env)
    return f"literal default {shown} used when {names} is unset"


def secret_key(s: DjangoSettings) -> Verdict:
    acc = Acc()
    st = s.setting("SECRET_KEY")
    if isinstance(st.result, Unknown):
        if not st.result.env:
            acc.unknown.append(f"SECRET_KEY: {st.result.reason}")
    elif not st.explicit or not st.result.value:
        if not st.result.env:
            acc.add("django.secret_key.missing", "SECRET_KEY", "SECRET_KEY is not set",
                    Severity.HIGH)  # fmt: skip
    else:
        how = _literal(st.result)
        if how is None:
            acc.unknown.append("SECRET_KEY is not a string")
        else:
            insecure = (
                " (a 'django-insecure-' key)"
                if str(st.result.value).startswith("django-insecure-")
                else ""
            )
            acc.add("django.secret_key.in_code", "SECRET_KEY",
                    f"SECRET_KEY is a {how}{insecure}", Severity.CRITICAL)  # fmt: skip
    return acc.verdict(
        "django.secret_key_problems",
        "SECRET_KEY",
        "SECRET_KEY comes from the environment with no literal fallback",
    )


def literal_secrets(s: DjangoSettings) -> Verdict:
    acc = Acc()

    def add(label: str, setting: str, k: Known) -> None:
        how = _literal(k)
        if how is not None:
            acc.add("django.secrets.literal", setting, f"{label} is a {how}", Severity.HIGH)

    def from_code(name: str) -> Known | None:
        """The value when the code decides it; None when the deployment does."""
        st = s.setting(name)
        if isinstance(st.result, Unknown):
            if st.result.env:
                return None
            raise Undecided(name, st.result.reason)
        return st.result

    def check_key() -> None:
        key = from_code("SECRET_KEY")
        if key is not None:
            add("SECRET_KEY", "SECRET_KEY", key)

    def check_fallbacks() -> None:
        keys = from_code("SECRET_KEY_FALLBACKS")
        if keys is None or not isinstance(keys.value, list | tuple):
            return
        for i, key in enumerate(keys.value):
            add(f"SECRET_KEY_FALLBACKS[{i}]", "SECRET_KEY_FALLBACKS", Known(key, keys.env))

    def check_email() -> None:
        password = from_code("EMAIL_HOST_PASSWORD")
        if password is not None:
            add("EMAIL_HOST_PASSWORD", "EMAIL_HOST_PASSWORD", password)

    def check_databases() -> None:
        dbs = s.known("DATABASES")
        if not isinstance(dbs.value, dict):
            raise Undecided("DATABASES", "not a dict")
        for alias in dbs.value:
            conf = (dbs.items or {}).get(alias) or Known(dbs.value[alias], dbs.env)
            if not isinstance(conf.value, dict) or "PASSWORD" not in conf.value:
                continue
            pw = (conf.items or {}).get("PASSWORD") or Known(conf.value["PASSWORD"], conf.env)
            if isinstance(pw.value, str):
                add(f"DATABASES[{alias!r}]['PASSWORD']", "DATABASES", pw)

    for check in (check_key, check_fallbacks, check_email, check_databases):
        acc.run(check)
    return acc.verdict("django.literal_secrets", "SECRET_KEY",
                       "SECRET_KEY, SECRET_KEY_FALLBACKS, EMAIL_HOST_PASSWORD and DATABASES "
                       "passwords are not literals (values redacted)")  # fmt: skip
