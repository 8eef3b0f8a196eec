"""Organisation roll-up: many repositories' results.json, each produced by that
repository's own CI, merged into one view. This is how the auditor scales past one
machine: no scheduler of our own, just documents."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor import results

DEFAULT_STALE_DAYS = 30


def _when(doc: dict[str, Any]) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(str(doc.get("generated_at")), "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=dt.UTC
        )
    except ValueError:
        return None


def rollup(
    paths: Sequence[Path], now: dt.datetime, stale_days: int = DEFAULT_STALE_DAYS
) -> dict[str, Any]:
    """The roll-up document; every input file is validated like `auditor report` does."""
    repos = []
    failing: Counter[str] = Counter()
    titles: dict[str, str] = {}
    practice_titles: dict[str, str] = {}
    for path in paths:
        doc = results.load(path)
        when = _when(doc)
        age = (now - when).days if when else None
        for c in doc["controls"]:
            titles.setdefault(c["id"], c["title"])
            if c["status"] == "fail":
                failing[c["id"]] += 1
        for p in doc["practices"]:
            practice_titles.setdefault(p["id"], p["title"])
        repos.append(
            {
                "name": Path(doc["target"]["path"]).name,
                "source": str(path),
                "commit": doc["target"]["head_commit"],
                "generated_at": doc.get("generated_at"),
                "age_days": age,
                "stale": age is None or age > stale_days,
                "score": doc["score"]["overall"],
                "complete": doc["score"]["complete"],
                "counts": doc["score"]["counts"],
                "checklist": f"{doc['checklist']['id']} {doc['checklist']['version']}",
                "practices": {p["id"]: p["score"] for p in doc["practices"]},
            }
        )
    repos.sort(key=lambda r: (r["score"] is None, r["score"] or 0.0, r["name"], r["source"]))
    scored = [r["score"] for r in repos if r["score"] is not None]
    return {
        "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stale_days": stale_days,
        "repositories": repos,
        "practices": [{"id": k, "title": v} for k, v in sorted(practice_titles.items())],
        "average_score": round(sum(scored) / len(scored), 1) if scored else None,
        "most_failing": [
            {"id": cid, "title": titles[cid], "repositories": n}
            for cid, n in sorted(failing.items(), key=lambda kv: (-kv[1], kv[0]))[:25]
        ],
        "stale": sum(1 for r in repos if r["stale"]),
        "incomplete": sum(1 for r in repos if not r["complete"]),
    }
