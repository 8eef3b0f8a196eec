"""Turn evaluated Django settings, check outcomes and verdicts into facts and
findings: every one with a file:line, secrets only in redacted form, sorted."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.collectors.factsink import FactSink
from auditor.djangocfg.checks import SEVERITY, Outcome
from auditor.djangocfg.discover import Target
from auditor.djangocfg.model import SECRET_SETTINGS, DjangoSettings
from auditor.djangocfg.policy import Verdict
from auditor.evidence import Fact, Location
from auditor.pystatic.evaluate import Known, Unknown, to_json

TOOL = "django_settings"


class FactBuilder(FactSink):
    def __init__(self, version: str) -> None:
        super().__init__(TOOL, version)
        self.files: set[str] = set()

    def project(self, target: Target, s: DjangoSettings) -> None:
        self.files.update(s.files)
        source = target.source if target.source.line else Location(s.path, 1)
        self.facts.append(Fact("django.project", s.module, source, target.how))
        self.facts.append(
            Fact("django.settings_files", list(s.files), Location(s.path, 1),
                 f"files interpreted for {s.module}, the module first, then what it imports")
        )  # fmt: skip

    def unresolved(self, target: Target, keys: Iterable[str]) -> None:
        """The project exists but its settings cannot be read: every fact a
        control might read is unknown, so those controls are ``error``."""
        reason = target.unresolved or (
            f"settings module {target.module} (named at {target.source}) is not in the repository"
        )
        for key in sorted(keys):
            if key not in ("django.unreadable_file", "django.settings_files"):
                self.facts.append(Fact(key, None, target.source, target.how, unknown=reason))

    def unreadable(self, path: str, reason: str) -> None:
        self.facts.append(
            Fact("django.unreadable_file", path, Location(path, 1), "read with ast", reason)
        )

    def setting(self, s: DjangoSettings, name: str) -> None:
        st = s.setting(name)
        key = f"django.setting.{name}"
        if isinstance(st.result, Unknown):
            self.facts.append(Fact(key, None, st.location, st.how(), unknown=st.result.reason))
            return
        value = to_json(st.result.value, secret=name in SECRET_SETTINGS)
        self.facts.append(Fact(key, value, st.location, st.how()))

    def deploy_checks(self, s: DjangoSettings, outcomes: list[Outcome]) -> None:
        silenced_setting = s.setting("SILENCED_SYSTEM_CHECKS")
        silenced: list[str] = []
        if isinstance(silenced_setting.result, Known) and isinstance(
            silenced_setting.result.value, list | tuple
        ):
            silenced = [str(x) for x in silenced_setting.result.value]
        raised: set[str] = set()
        quiet: set[str] = set()
        undecided: list[str] = []
        for outcome in outcomes:
            if outcome.undecided:
                undecided.append(f"{outcome.check}: {outcome.undecided}")
            for r in outcome.raised:
                where = s.setting(r.setting).location
                note = None
                if r.check_id in silenced:
                    note = f"SILENCED_SYSTEM_CHECKS at {silenced_setting.location}"
                    quiet.add(r.check_id)
                else:
                    raised.add(r.check_id)
                self.finding(
                    f"django.{r.check_id}",
                    where,
                    SEVERITY[r.check_id],
                    f"{r.message} (Django {r.check_id}, settings {s.module})",
                    note,
                )
        how = "Django's check --deploy security checks, replicated on the evaluated settings"
        if quiet:
            how += f"; silenced by SILENCED_SYSTEM_CHECKS: {', '.join(sorted(quiet))}"
        unknown = None
        if undecided and not raised:
            unknown = "undecided: " + "; ".join(undecided)
        elif undecided:
            how += "; also undecided: " + "; ".join(undecided)
        self.facts.append(Fact("django.deploy_check_failures", sorted(raised), Location(s.path, 1),
                               how, unknown))  # fmt: skip

    def verdict(self, s: DjangoSettings, v: Verdict) -> None:
        where = s.setting(v.setting).location
        how = f"checks: {v.checked}"
        if v.has_value:
            unknown = "; ".join(v.unknown) if v.unknown else None
            self.facts.append(Fact(v.key, v.value, where, how, unknown))
            return
        shown: list[str] = []
        for p in v.problems:
            at = p.where or s.setting(p.setting).location
            shown.append(f"{p.message} ({at})")
            self.finding(p.rule, at, p.severity, f"{p.message} (settings {s.module})")
        self.problem_fact(v.key, shown, where, how, v.unknown)
