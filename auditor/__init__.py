"""auditor: a security-checklist compliance auditor for Python projects."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
