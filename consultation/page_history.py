"""Reads for a proposal page's history: its versions since the consultation opened, each with
its change note and the words it removed and added."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from consultation.models import ProposalPage, ProposalPageVersion

EQUAL, INSERTED, DELETED = "equal", "inserted", "deleted"
_WORD = re.compile(r"\w+\s*|[^\w\s]+\s*|\s+")


def text_differences(before: str, after: str) -> list[tuple[str, str]]:
    """(kind, text) segments turning `before` into `after`, word by word.

    Whitespace after a changed run is kept outside it, so "<del>12 months</del>" reads as
    words. Linear in the words of both texts for ordinary edits (difflib's autojunk on)."""
    old, new = _WORD.findall(before), _WORD.findall(after)
    segments: list[tuple[str, str]] = []

    def changed(kind: str, words: list[str]) -> None:
        text = "".join(words)
        core = text.rstrip()
        if core:
            segments.append((kind, core))
        if len(text) > len(core):
            segments.append((EQUAL, text[len(core) :]))

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if op == "equal":
            segments.append((EQUAL, "".join(old[i1:i2])))
            continue
        if op in ("delete", "replace"):
            changed(DELETED, old[i1:i2])
        if op in ("insert", "replace"):
            changed(INSERTED, new[j1:j2])
    return segments


@dataclass
class PageChange:
    version: ProposalPageVersion
    title_before: str  # "" when the title did not change
    segments: list[tuple[str, str]]


def page_changes(page: ProposalPage) -> list[PageChange]:
    """Changes made since the consultation opened, newest first (drafting before it opened is
    not shown: nobody had read the page yet)."""
    versions = list(page.versions.order_by("number"))
    opened = page.consultation.opens_at
    changes = []
    for before, after in zip(versions, versions[1:], strict=False):
        if after.created_at < opened:
            continue
        changes.append(
            PageChange(
                version=after,
                title_before=before.title if before.title != after.title else "",
                segments=text_differences(before.body, after.body),
            )
        )
    return list(reversed(changes))


def page_has_changes(page: ProposalPage) -> bool:
    return page.versions.filter(number__gt=1, created_at__gte=page.consultation.opens_at).exists()
