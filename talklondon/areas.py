"""London's local authority areas and their police command units, loaded from committed data.

The CSV is a copy of the shared reference list: 32 boroughs plus the City of London, the force
that polices each, and the Metropolitan Police command unit each borough belongs to.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "london_areas.csv"
OUTSIDE_LONDON = "outside"


@dataclass(frozen=True)
class Area:
    gss_code: str
    name: str
    police_force: str
    command_unit: str  # empty for the City of London, which the Met does not police

    @property
    def is_met(self) -> bool:
        return self.police_force == "Metropolitan Police"


@cache
def london_areas() -> tuple[Area, ...]:
    """All 33 areas, sorted by name with the City of London first."""
    with DATA_FILE.open(newline="", encoding="utf-8") as handle:
        rows = [
            Area(
                gss_code=row["gss_code"],
                name=row["borough"],
                police_force=row["police_force"],
                command_unit=row["met_command_unit"] or "",
            )
            for row in csv.DictReader(handle)
        ]
    return tuple(sorted(rows, key=lambda a: (a.name != "City of London", a.name)))


@cache
def area_by_code() -> dict[str, Area]:
    return {area.gss_code: area for area in london_areas()}


def borough_choices(*, include_outside: bool = True) -> list[tuple[str, str]]:
    """Form choices: the 33 areas by GSS code, then "Outside London"."""
    choices = [(area.gss_code, area.name) for area in london_areas()]
    if include_outside:
        choices.append((OUTSIDE_LONDON, "Outside London"))
    return choices


def borough_name(code: str) -> str:
    if code == OUTSIDE_LONDON:
        return "Outside London"
    area = area_by_code().get(code)
    return area.name if area else ""
