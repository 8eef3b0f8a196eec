"""Dependency evidence: manifest and lock parsers, the offline OSV database, EOL data.

Everything here reads files only. Nothing installs, imports or runs audited
code, and only ``osv_update`` touches the network, when asked to.
"""

from __future__ import annotations
