"""Find and interpret repository modules by dotted name, like ``import`` would,
without executing them. One ``Loader`` per collection: modules are interpreted
once, cycles and excessive depth end in a poisoned module, not a crash."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from pathlib import Path

from auditor.pystatic import source as pysource
from auditor.pystatic.evaluate import Budget
from auditor.pystatic.limits import Stop
from auditor.pystatic.module import EnvMissing, ImportFailed, Interpreter, Observer
from auditor.pystatic.values import LoadedModule

MAX_IMPORT_DEPTH = 25


def _join(*parts: str) -> str:
    return posixpath.join(*[p for p in parts if p])


def module_for_path(root: Path, rel: str) -> tuple[str, str, bool]:
    """(search root, dotted name, is package) for a file, climbing while the
    folder above is a package (has ``__init__.py``), as Python's import would
    need to find it."""
    parts = rel.split("/")
    folder, filename = parts[:-1], parts[-1]
    is_package = filename == "__init__.py"
    chain = 0
    while chain < len(folder) and pysource.is_regular_file(
        root, _join(*folder[: len(folder) - chain], "__init__.py")
    ):
        chain += 1
    package = folder[len(folder) - chain :]
    dotted = package if is_package else [*package, filename.removesuffix(".py")]
    return "/".join(folder[: len(folder) - chain]), ".".join(dotted) or "__init__", is_package


class Loader:
    def __init__(
        self,
        root: Path,
        search_roots: Sequence[str],
        budget: Budget | None = None,
        max_depth: int = MAX_IMPORT_DEPTH,
    ) -> None:
        self.root = root
        self.search_roots = tuple(dict.fromkeys(search_roots))
        self.budget = budget or Budget()
        self.max_depth = max_depth
        self.cache: dict[str, LoadedModule | None] = {}
        self.trees: dict[str, pysource.Parsed | pysource.SourceError] = {}
        self.active: list[str] = []
        self.errors: dict[str, str] = {}

    def parse(self, rel: str) -> pysource.Parsed | pysource.SourceError:
        """Each file is read and parsed once per collection."""
        if rel not in self.trees:
            self.trees[rel] = pysource.parse_file(self.root, rel)
        return self.trees[rel]

    def find(self, dotted: str) -> tuple[str, bool] | None:
        parts = dotted.split(".")
        if not all(p.isidentifier() for p in parts):
            return None
        for base in self.search_roots:
            stem = _join(base, *parts)
            if pysource.is_regular_file(self.root, stem + ".py"):
                return stem + ".py", False
            if pysource.is_regular_file(self.root, _join(stem, "__init__.py")):
                return _join(stem, "__init__.py"), True
        return None

    def load(self, dotted: str) -> LoadedModule | None:
        if dotted in self.cache:
            return self.cache[dotted]
        if dotted in self.active:
            return LoadedModule(dotted, dotted, {}, poison=f"circular import of {dotted}")
        found = self.find(dotted)
        if found is None:
            self.cache[dotted] = None
            return None
        if len(self.active) >= self.max_depth:
            reason = f"{dotted} is imported more than {self.max_depth} levels deep; not followed"
            return LoadedModule(dotted, found[0], {}, poison=reason)
        module = self.interpret(dotted, found[0], found[1])
        self.cache[dotted] = module
        return module

    def interpret(
        self, dotted: str, rel: str, is_package: bool, observer: Observer | None = None
    ) -> LoadedModule:
        parsed = self.parse(rel)
        if isinstance(parsed, pysource.SourceError):
            self.errors[rel] = parsed.reason
            return LoadedModule(dotted, rel, {}, error=parsed.reason, files=(rel,))
        interp = Interpreter(self, dotted, rel, is_package, observer)
        self.active.append(dotted)
        try:
            interp.run(parsed.tree.body)
        except ImportFailed as e:
            interp.poison_all(f"importing {dotted} would fail: {e.reason}", 1)
        except Stop as e:
            interp.poison_all(f"{rel} was not analysed to the end: {e.reason}", 1)
        except EnvMissing as e:  # pragma: no cover - only raised inside try blocks
            interp.poison_all(f"environment {', '.join(e.names)} missing", e.line)
        except RecursionError:
            self.errors[rel] = "statements nested too deeply to analyse"
            return LoadedModule(dotted, rel, {}, error=self.errors[rel], files=(rel,))
        finally:
            self.active.pop()
        return LoadedModule(dotted, rel, dict(interp.ns), interp.poison, None, tuple(interp.files))
