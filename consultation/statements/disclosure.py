"""What the public may see of a computation: the one place statements call disclosure control.

Group sizes and every agree / disagree / pass count go through the platform's disclosure engine
(talklondon.disclosure): a count under the threshold is hidden, further counts are hidden
wherever a hidden one could be narrowed from the totals, and every count shown is rounded. Each statement's counts form one
table (rows: the groups and the people not in a group; columns: agree, disagree, pass) whose
total row is the overall count, so no hidden cell can be recovered from the figures shown
beside it. A group smaller than the threshold is named but not described, and a sentence about
a group is written only from a count that is itself shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from talklondon.disclosure import (
    CONFIDENTIAL,
    CONFIDENTIAL_NOTE,
    ROUNDING_NOTE,
    THRESHOLD,
    TOTAL,
    Published,
    protect_counts,
)

SUPPRESSED = f"[{CONFIDENTIAL}]"
NOTE = f"{CONFIDENTIAL_NOTE} {ROUNDING_NOTE}"

COLUMNS = ("Agree", "Disagree", "Pass")
UNGROUPED = "Not in a group"


def group_label(index: int) -> str:
    return f"Group {chr(ord('A') + index)}"


@dataclass
class PublicStatement:
    id: int
    text: str
    overall: tuple[str, str, str]
    by_group: list[tuple[str, str, str]]
    ungrouped: tuple[str, str, str] | None  # None when nobody outside the groups voted on it
    agree_percent: int | None = None  # of everyone who voted on it, when the counts are shown


@dataclass
class PublicGroup:
    label: str
    size: str
    described: bool
    sentences: list[str] = field(default_factory=list)


@dataclass
class PublicResults:
    computed_at: object
    voters_total: int
    voters_included: int
    votes_total: int
    min_votes: int
    groups: list[PublicGroup]
    statements: list[PublicStatement]
    common_ground: list[dict]
    suppressed: bool
    threshold: int = THRESHOLD
    note: str = NOTE
    marker: str = SUPPRESSED


def _shown(published: Published) -> str:
    """A cell as the page, chart and CSV show it: the rounded count, or the marker."""
    return SUPPRESSED if published.value is None else str(published.value)


def _percent(part: str, whole: int) -> int | None:
    if part == SUPPRESSED or not whole:
        return None
    return round(int(part) * 100 / whole)


def disclosed(result) -> PublicResults:
    """The publishable view of an OpinionResult (its payload read, never recomputed)."""
    payload = result.payload
    groups = payload["groups"]
    labels = [group_label(g) for g in range(len(groups))]
    # The sizes add up to voters_included, which is published.
    size_table = protect_counts({labels[g]: groups[g]["size"] for g in range(len(groups))})
    sizes = {label: _shown(size_table[(label, "count")]) for label in labels}
    suppressed = any(p.flag == CONFIDENTIAL for p in size_table.values())

    statements: list[PublicStatement] = []
    by_id: dict[int, PublicStatement] = {}
    for item in payload["statements"]:
        sid = item["id"]
        table_in = {
            labels[g]: dict(zip(COLUMNS, groups[g]["counts"][str(sid)], strict=True))
            for g in range(len(groups))
        }
        grouped = [
            sum(groups[g]["counts"][str(sid)][c] for g in range(len(groups))) for c in range(3)
        ]
        ungrouped = [o - s for o, s in zip(item["overall"], grouped, strict=True)]
        # A row that is all zeros (nobody outside the groups voted on it) says nothing that the
        # published totals do not: leaving it out stops its zeros forcing a group's counts to be
        # hidden as well.
        if any(ungrouped) or not groups:
            table_in[UNGROUPED] = dict(zip(COLUMNS, ungrouped, strict=True))
        table = protect_counts(table_in, columns=COLUMNS)
        suppressed = suppressed or any(p.flag == CONFIDENTIAL for p in table.values())
        rows = {
            row: tuple(_shown(table[(row, column)]) for column in COLUMNS)
            for row in [*table_in, TOTAL]
        }
        public = PublicStatement(
            id=sid,
            text=item["text"],
            overall=rows[TOTAL],
            by_group=[rows[label] for label in labels],
            ungrouped=rows.get(UNGROUPED),
            agree_percent=_percent(rows[TOTAL][0], sum(item["overall"])),
        )
        statements.append(public)
        by_id[sid] = public

    public_groups = []
    for g, group in enumerate(groups):
        described = group["size"] >= THRESHOLD
        sentences = []
        if described:
            for rep in group["representatives"]:
                shown = by_id[rep["statement"]].by_group[g]
                cell = shown[0] if rep["direction"] == "agree" else shown[1]
                if cell == SUPPRESSED:
                    continue
                verb = "agreed" if rep["direction"] == "agree" else "disagreed"
                sentences.append(
                    f"{round(rep['share_in'] * 100)}% of this group {verb} that "
                    f"“{by_id[rep['statement']].text.rstrip('.')}”, compared with "
                    f"{round(rep['share_out'] * 100)}% of the other groups."
                )
        public_groups.append(
            PublicGroup(
                label=labels[g], size=sizes[labels[g]], described=described, sentences=sentences
            )
        )

    common = []
    for sid in payload["common_ground"]:
        statement = by_id[sid]
        shares = []
        for g, group in enumerate(groups):
            if group["size"] < THRESHOLD:
                continue
            agree, disagree, passed = group["counts"][str(sid)]
            if statement.by_group[g][0] != SUPPRESSED and agree + disagree + passed:
                shares.append((labels[g], round(agree * 100 / (agree + disagree + passed))))
        common.append({"statement": statement, "shares": shares})

    return PublicResults(
        computed_at=result.computed_at,
        voters_total=result.voters_total,
        voters_included=result.voters_included,
        votes_total=result.votes_total,
        min_votes=result.params.get("min_votes", 0),
        groups=public_groups,
        statements=statements,
        common_ground=common,
        suppressed=suppressed,
    )
