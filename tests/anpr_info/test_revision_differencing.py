"""A revised ANPR release and the version before it, read side by side, single out no one
(issue 15: differencing over time, in the ANPR statistics as in the consultation's results).

Both versions of a month stay public (permalinks keep the figures as first published). A
correction that adds three hits to one cell moves its published figure, rounded to the
nearest 5, by one step: the intruder who compares the versions knows that between 1 and 9
hits were added to that area and category, which is the few people's records the rules
exist to protect.
"""

import pytest

from anpr_info.models import ReleaseTable
from demo.anpr_simulator import Simulator
from talklondon import disclosure
from tests.disclosure.intruder import Knowledge

from .conftest import publish_period

pytestmark = pytest.mark.django_db

THRESHOLD = disclosure.RULES.threshold
MEASURE, TABLE, PERIOD = "hits", "by_area_category", "2025-03"


def published(release) -> dict:
    table = release.tables.get(measure=MEASURE, table=TABLE, period=PERIOD)
    return {(tuple(r), tuple(c)): (value, flag) for r, c, value, flag in table.payload["cells"]}


def read(knowledge: Knowledge, name: str, cells: dict) -> None:
    """One version as the intruder sees it: its figures, and the rows and columns adding up
    to their totals (rows and columns left out as [x] or [z] are in no total)."""
    shown = {key: value for key, (value, flag) in cells.items() if flag not in ("x", "z")}
    total = ("all",)
    rows = sorted({r for r, _c in shown if r != total})
    cols = sorted({c for _r, c in shown if c != total})
    knowledge.add_grid(name, shown, rows, cols, total=total)


def test_a_small_correction_is_not_revealed_by_comparing_versions(
    small_feed, publishers, signed_post
):
    small_feed()
    first = publish_period(PERIOD, *publishers)
    before = published(first)
    rows = Simulator(scale=0.02).month(PERIOD)["hits"]
    # A cell published at a multiple of 5 (or 1 or 2 above it): three more hits move it up
    # one step of the rounding.
    totals: dict = {}
    for row in rows:
        key = ((row["area"],), (row["category"],))
        totals[key] = totals.get(key, 0) + row["count"]
    target = next(
        key
        for key, count in sorted(totals.items())
        if before.get(key, (None, ""))[0] is not None and count % 5 in (0, 1, 2)
    )
    for row in rows:
        if ((row["area"],), (row["category"],)) == target:
            row["count"] += 3
            break
    response = signed_post(
        {"dataset": "hits", "period": PERIOD, "reason": "Three hits were missed.", "rows": rows}
    )
    assert response.status_code == 201, response.content
    second = publish_period(PERIOD, *publishers, notes="Corrected hit counts.")
    after = published(second)

    knowledge = Knowledge(threshold=THRESHOLD, base=disclosure.RULES.base)
    read(knowledge, "before", before)
    read(knowledge, "after", after)
    changes = knowledge.ranges(
        targets=[key for key, (_value, flag) in after.items() if flag not in ("x", "z")],
        objective=lambda key: {("after", *key): 1, ("before", *key): -1},
    )
    singled_out = {key: span for key, span in changes.items() if 0 < span[0] < THRESHOLD}
    assert singled_out == {}, f"{target}: comparing the versions reveals {singled_out}"
    # Only this table changed its figures; the correction is still published where it can be.
    stored = ReleaseTable.objects.get(release=second, measure=MEASURE, table=TABLE, period=PERIOD)
    assert stored.payload != first.tables.get(measure=MEASURE, table=TABLE).payload
