"""A revised ANPR release and the version before it, read side by side, single out no one
(issue 15: differencing over time, in the ANPR statistics as in the consultation's results).

Both versions of a month stay public (permalinks keep the figures as first published). A
correction that adds three hits to one cell moves its published figure, rounded to the
nearest 5, by one step: the intruder who compares the versions knows that between 1 and 9
hits were added to that area and category, which is the few people's records the rules
exist to protect.
"""

import pytest
from django.core.exceptions import ValidationError

from anpr_info.models import ReleaseTable
from anpr_info.services import releases as release_services
from demo.anpr_simulator import Simulator
from talklondon import disclosure
from tests.disclosure.intruder import Knowledge

from .conftest import announce, publish_period

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


def _annual(release) -> tuple[int | None, str]:
    table = release.tables.get(measure="searches", table="annual_sensitive")
    [(_row, _col, value, flag)] = table.payload["cells"]
    return value, flag


def send_december_counter_terrorism(signed_post, count: int, reason: str) -> None:
    """A revised December return of searches: the simulator's, with `count` counter-terrorism
    searches in all (in its first row of that purpose)."""
    december = Simulator(scale=0.02).month("2024-12")["searches"]
    ct = [row for row in december if row["purpose"] == "counter_terrorism"]
    for row in ct:
        row["count"] = 0
    ct[0]["count"] = count
    response = signed_post(
        {"dataset": "searches", "period": "2024-12", "reason": reason, "rows": december}
    )
    assert response.status_code == 201, response.content


def test_a_correction_of_a_sensitive_category_is_not_revealed_by_the_annual_figures(
    source, api_key, publishers, signed_post
):
    """The year's London-wide count of counter-terrorism searches is published once, with the
    December release. A correction of three searches that moves it up one step of the
    rounding would tell anyone comparing the two versions that between 1 and 9 were added."""
    from demo.anpr_simulator import Pusher, feed_push

    feed_push(
        pusher=Pusher(key=api_key), months=["2024-11", "2024-12"], simulator=Simulator(scale=0.02)
    )
    november = sum(
        row["count"]
        for row in Simulator(scale=0.02).month("2024-11")["searches"]
        if row["purpose"] == "counter_terrorism"
    )

    def send(extra: int, reason: str) -> None:
        # The year's true count: November's, plus December's, set so that it is 2 above a
        # multiple of 5 (published rounded down), plus `extra`.
        target = november + (2 - november) % 5 + 10
        send_december_counter_terrorism(signed_post, target - november + extra, reason)

    send(0, "Counter-terrorism searches recounted.")
    first = publish_period("2024-12", *publishers)
    value, _flag = _annual(first)
    assert value is not None and value % 5 == 0
    send(3, "Three counter-terrorism searches were missed.")
    second = publish_period("2024-12", *publishers, notes="Corrected search counts.")
    after, flag = _annual(second)
    # Published as value + 5 it would pin the correction to 1-9 searches: it is hidden instead.
    assert (after, flag) == (None, "c")


def test_a_hidden_annual_figure_stays_hidden_in_a_revision(
    source, api_key, publishers, signed_post
):
    """Regression: the annual table of sensitive categories did not carry its hidden figures
    into a revision, as every other table does, so a figure hidden as under 10 could be
    published by the next version and compared."""
    from demo.anpr_simulator import Pusher, feed_push

    feed_push(pusher=Pusher(key=api_key), months=["2024-12"], simulator=Simulator(scale=0.02))
    send_december_counter_terrorism(signed_post, 4, "Recounted.")
    first = publish_period("2024-12", *publishers)
    assert _annual(first) == (None, "c")
    send_december_counter_terrorism(signed_post, 40, "Recounted again.")
    revision = announce("2024-12", publishers[0], notes="Corrected search counts.")
    release_services.release_prepare(release=revision, actor=publishers[0])
    assert _annual(revision) == (None, "c")
    # Nothing else changed, so there is nothing to publish: the approver is told so.
    with pytest.raises(ValidationError, match="changes no published figure"):
        release_services.release_approve(
            release=revision, actor=publishers[1], content_sha256=revision.content_sha256
        )
