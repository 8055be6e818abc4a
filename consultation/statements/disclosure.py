"""What the public may see of a computation: the one place statements call disclosure control.

Group sizes and every agree / disagree / pass count go through the platform's disclosure engine
(talklondon.disclosure): a count under the threshold is hidden, further counts are hidden
wherever a hidden one could be narrowed from the totals, and every count shown is rounded. Each statement's counts form one
table (rows: the groups and the people not in a group; columns: agree, disagree, pass) whose
total row is the overall count, so no hidden cell can be recovered from the figures shown
beside it. A group smaller than the threshold is named but not described, and every
percentage (a sentence about a group, a group's share in the common ground) is worked out from
the published counts and totals, never from the exact ones: a share of exact counts would undo
the rounding, and "100% agreed" would give away hidden zeros.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.core.cache import cache

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
    # Each row's published total (everyone, each group, the people not in a group).
    totals: dict[str, str] = field(default_factory=dict)


@dataclass
class PublicGroup:
    label: str
    size: str
    described: bool
    sentences: list[str] = field(default_factory=list)
    # It does differ from the others, but every figure that would say how is hidden.
    withheld: bool = False


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
    confidential_note: str = CONFIDENTIAL_NOTE
    rounding_note: str = ROUNDING_NOTE
    marker: str = SUPPRESSED


def _shown(published: Published) -> str:
    """A cell as the page, chart and CSV show it: the rounded count, or the marker."""
    return SUPPRESSED if published.value is None else str(published.value)


def _percent(part: str, whole: str) -> int | None:
    """A share of published figures (so anyone can check it), or None if either is hidden."""
    if SUPPRESSED in (part, whole) or not int(whole):
        return None
    return round(int(part) * 100 / int(whole))


def _share_of_others(statement: PublicStatement, g: int, column: int) -> tuple[int, str] | None:
    """The share among the other groups, from their published counts; failing that, among
    everyone else (everyone's published count less this group's). None if neither can be
    worked out from what is shown."""
    others = [i for i in range(len(statement.by_group)) if i != g]
    cells = [statement.by_group[i][column] for i in others]
    wholes = [statement.totals[group_label(i)] for i in others]
    if others and SUPPRESSED not in cells and SUPPRESSED not in wholes:
        share = _percent(str(sum(map(int, cells))), str(sum(map(int, wholes))))
        if share is not None:
            return share, "the other groups"
    mine, whole = statement.by_group[g][column], statement.totals[group_label(g)]
    everyone, everyone_whole = statement.overall[column], statement.totals[TOTAL]
    if SUPPRESSED in (mine, whole, everyone, everyone_whole):
        return None
    rest, rest_whole = int(everyone) - int(mine), int(everyone_whole) - int(whole)
    if rest < 0 or rest_whole <= 0 or rest > rest_whole:
        return None  # rounded on their own, the figures do not leave a sensible difference
    return round(rest * 100 / rest_whole), "everyone else"


# A day is plenty: a new computation has a new id, and erasure changes the payload (and so the key).
DISCLOSED_CACHE_SECONDS = 24 * 60 * 60


def disclosed(result) -> PublicResults:
    """The publishable view of an OpinionResult, protected once per stored computation.

    Protection solves an optimisation per statement, so it must not run on every request: the
    view is cached under the computation's id and a digest of its payload (erasure rewrites
    the payload, which makes a new key, so an erased statement's text is never served again).
    """
    if getattr(result, "pk", None) is None:  # not a stored computation: nothing to key on
        return _disclosed(result)
    digest = hashlib.sha256(
        json.dumps(result.payload, sort_keys=True, default=str).encode()
    ).hexdigest()[:32]
    key = f"statements:disclosed:{result.pk}:{digest}"
    found = cache.get(key)
    if found is None:
        found = _disclosed(result)
        cache.set(key, found, DISCLOSED_CACHE_SECONDS)
    return found


def _disclosed(result) -> PublicResults:
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
        totals = {row: _shown(table[(row, TOTAL)]) for row in [*table_in, TOTAL]}
        public = PublicStatement(
            id=sid,
            text=item["text"],
            overall=rows[TOTAL],
            by_group=[rows[label] for label in labels],
            ungrouped=rows.get(UNGROUPED),
            agree_percent=_percent(rows[TOTAL][0], totals[TOTAL]),
            totals=totals,
        )
        statements.append(public)
        by_id[sid] = public

    public_groups = []
    for g, group in enumerate(groups):
        described = group["size"] >= THRESHOLD
        sentences = []
        if described:
            for rep in group["representatives"]:
                statement = by_id[rep["statement"]]
                column = 0 if rep["direction"] == "agree" else 1
                share_in = _percent(statement.by_group[g][column], statement.totals[labels[g]])
                others = _share_of_others(statement, g, column)
                if share_in is None or others is None:
                    continue  # a figure it needs is hidden
                share_out, whom = others
                verb = "agreed" if rep["direction"] == "agree" else "disagreed"
                sentences.append(
                    f"{share_in}% of this group {verb} that "
                    f"“{statement.text.rstrip('.')}”, compared with "
                    f"{share_out}% of {whom}."
                )
        public_groups.append(
            PublicGroup(
                label=labels[g],
                size=sizes[labels[g]],
                described=described,
                sentences=sentences,
                withheld=described and bool(group["representatives"]) and not sentences,
            )
        )

    common = []
    for sid in payload["common_ground"]:
        statement = by_id[sid]
        shares = []
        for g, group in enumerate(groups):
            if group["size"] < THRESHOLD:
                continue
            share = _percent(statement.by_group[g][0], statement.totals[labels[g]])
            if share is not None:
                shares.append((labels[g], share))
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
