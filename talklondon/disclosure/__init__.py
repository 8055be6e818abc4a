"""Statistical disclosure control for every published count on the site.

One engine for the consultation's results tables and the ANPR statistics (and anything else
that publishes counts of people): primary and secondary suppression, rounding, and an audit by
an intruder who knows the rules. Pure functions, no database; see engine.py and audit.py.
"""

from talklondon.disclosure.audit import Intruder, Rules, hidden_ranges, weak_entries
from talklondon.disclosure.differencing import (
    differencing_problems,
    differencing_repair,
    protect_revision,
)
from talklondon.disclosure.engine import (
    BASE,
    CONFIDENTIAL,
    CONFIDENTIAL_NOTE,
    MARKERS,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    ROUNDING_NOTE,
    RULES,
    THRESHOLD,
    TOTAL,
    Grid,
    Key,
    ProtectedTable,
    Published,
    apply_rounding,
    diff_cells,
    grid_of,
    protect_counts,
    protect_linked,
    protect_related,
    protect_system,
    protect_table,
    published_grid,
    round_base,
    round_significant,
    total_key,
)

__all__ = [
    "BASE",
    "CONFIDENTIAL",
    "CONFIDENTIAL_NOTE",
    "MARKERS",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "ROUNDING_NOTE",
    "RULES",
    "THRESHOLD",
    "TOTAL",
    "Grid",
    "Intruder",
    "Key",
    "ProtectedTable",
    "Published",
    "Rules",
    "apply_rounding",
    "diff_cells",
    "differencing_problems",
    "differencing_repair",
    "grid_of",
    "hidden_ranges",
    "protect_counts",
    "protect_linked",
    "protect_related",
    "protect_revision",
    "protect_system",
    "protect_table",
    "published_grid",
    "round_base",
    "round_significant",
    "total_key",
    "weak_entries",
]
