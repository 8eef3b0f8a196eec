"""Accuracy of the code-level collectors on the labelled corpus in tests/fixtures/accuracy.

For each family prints TP/FN/FP/TN, precision, recall and Youden J (TPR - FPR) for bandit
alone, our semgrep pack alone, and both combined as the auditor reports them: a case counts
as flagged when a finding that decides a checklist control (not silenced inline) lies in
its file. Run by hand: ``python benchmarks/accuracy.py [--corpus DIR] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.audit import load_checklist  # noqa: E402
from auditor.collectors.bandit import BanditCollector  # noqa: E402
from auditor.collectors.base import AuditContext  # noqa: E402
from auditor.collectors.semgrep import SemgrepCollector  # noqa: E402
from auditor.evidence import Finding  # noqa: E402
from auditor.resources import default_checklist  # noqa: E402

TOOLS = ("bandit", "semgrep", "combined")


@dataclass
class Counts:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    def add(self, path: str, vulnerable: bool, flagged: bool) -> None:
        if vulnerable and flagged:
            self.tp += 1
        elif vulnerable:
            self.fn += 1
            self.missed.append(path)
        elif flagged:
            self.fp += 1
            self.false_alarms.append(path)
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def youden(self) -> float:
        fpr = self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0
        return self.recall - fpr


def flagged_files(findings: tuple[Finding, ...], decisive: set[str]) -> set[str]:
    return {f.location.path for f in findings if f.rule_id in decisive and not f.suppressed_by}


def measure(corpus: Path) -> dict[str, dict[str, Counts]]:
    labels = yaml.safe_load((corpus / "labels.yaml").read_text())
    checklist = load_checklist(default_checklist())
    decisive = {r for c in checklist.controls() if c.implemented for r in c.evidence.rules}
    ctx = AuditContext(corpus, False, (".git", "__pycache__"), 900.0)
    flagged = {
        "bandit": flagged_files(BanditCollector().collect(ctx).findings, decisive),
        "semgrep": flagged_files(SemgrepCollector().collect(ctx).findings, decisive),
    }
    flagged["combined"] = flagged["bandit"] | flagged["semgrep"]
    table: dict[str, dict[str, Counts]] = defaultdict(lambda: {t: Counts() for t in TOOLS})
    for case in labels:
        vulnerable = case["label"] == "vulnerable"
        for tool in TOOLS:
            table[case["family"]][tool].add(case["path"], vulnerable, case["path"] in flagged[tool])
    return dict(sorted(table.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "fixtures" / "accuracy")
    parser.add_argument("--json", action="store_true", help="print machine-readable figures")
    parser.add_argument(
        "--misses", action="store_true", help="list missed and falsely flagged cases"
    )
    args = parser.parse_args()
    table = measure(args.corpus)
    if args.json:
        print(
            json.dumps(
                {fam: {t: vars(c) for t, c in row.items()} for fam, row in table.items()}, indent=2
            )
        )
        return
    print(
        f"{'family':<18}{'tool':<10}{'TP':>4}{'FN':>4}{'FP':>4}{'TN':>4}{'prec':>7}{'recall':>7}{'J':>7}"
    )
    averages = {t: 0.0 for t in TOOLS}
    for fam, row in table.items():
        for tool in TOOLS:
            c = row[tool]
            averages[tool] += c.youden / len(table)
            print(
                f"{fam:<18}{tool:<10}{c.tp:>4}{c.fn:>4}{c.fp:>4}{c.tn:>4}"
                f"{c.precision:>7.2f}{c.recall:>7.2f}{c.youden:>7.2f}"
            )
            if args.misses and (c.missed or c.false_alarms) and tool == "combined":
                print(f"{'':<28}missed: {', '.join(c.missed) or '-'}")
                print(f"{'':<28}false alarms: {', '.join(c.false_alarms) or '-'}")
    print()
    for tool in TOOLS:
        print(f"average Youden J, {tool:<9}: {averages[tool]:.3f}")
    worst = min(table.items(), key=lambda kv: kv[1]["combined"].youden)
    print(f"lowest family J (combined): {worst[0]} {worst[1]['combined'].youden:.2f}")
    not_better = [f for f, r in table.items() if r["combined"].youden <= r["bandit"].youden]
    listed = ", ".join(not_better) or "none"
    print(f"families where combined is not strictly better than bandit: {listed}")


if __name__ == "__main__":
    main()
