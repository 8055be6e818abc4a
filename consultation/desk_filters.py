"""The moderator's desk filters (consultation, hold reason), read from a query string or a
form and validated: anything unknown is ignored, never an error page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from consultation.models import Consultation
from consultation.models.comments import HOLD_REASONS


@dataclass(frozen=True)
class DeskFilters:
    consultation_id: int | None
    hold_reason: str
    consultations: list[tuple[int, str]]

    @property
    def query(self) -> dict:
        return {"consultation_id": self.consultation_id, "hold_reason": self.hold_reason}

    @property
    def querystring(self) -> str:
        """ "&consultation=…&reason=…" for links that keep the filters."""
        pairs = {}
        if self.consultation_id:
            pairs["consultation"] = self.consultation_id
        if self.hold_reason:
            pairs["reason"] = self.hold_reason
        return "&" + urlencode(pairs) if pairs else ""

    @property
    def reasons(self) -> list[tuple[str, str]]:
        return list(HOLD_REASONS.items())


def desk_filters(data) -> DeskFilters:
    consultations = list(Consultation.objects.order_by("-opens_at").values_list("pk", "title"))
    raw = str(data.get("consultation", ""))
    chosen = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 12 else None
    if chosen not in {pk for pk, _ in consultations}:
        chosen = None
    reason = str(data.get("reason", ""))
    return DeskFilters(
        consultation_id=chosen,
        hold_reason=reason if reason in HOLD_REASONS else "",
        consultations=consultations,
    )
