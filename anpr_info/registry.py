"""The measure registry: every dimension, input dataset, published measure and table, declared once.

Validation (ingestion), disclosure control, release building, the API, charts, CSV downloads and
the methodology page all read these declarations, so a new measure is added here and nowhere else.

Vocabulary:
- a *dataset* is what the police back end sends for one period (one return);
- a *measure* is a published statistic with a tier (A, B or C), a grain and a rounding rule;
- a *table* is one published breakdown of a measure (rows by one dimension, optionally columns by
  another), the unit that disclosure control protects and that the hash chain covers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache

from talklondon.areas import london_areas

TOTAL = "all"  # the dimension value that stands for "every value" in a published total


@dataclass(frozen=True)
class Value:
    code: str
    label: str
    parent: str = ""  # for nested geographies: the police command unit
    sensitive: bool = False  # tier C: published only as an annual London-wide figure
    not_applicable: bool = False  # e.g. the City of London for Metropolitan Police outcomes


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    values: tuple[Value, ...]
    description: str = ""
    # The values run in a meaningful order (ages, subsets, tiers): charts keep it. Otherwise
    # bars for one period are sorted by size, as readers compare them.
    ordered: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.values)

    def label_for(self, code: str) -> str:
        if code == TOTAL:
            return f"All {self.label.lower()}" if self.code != "area" else "London"
        for value in self.values:
            if value.code == code:
                return value.label
        return code

    def value(self, code: str) -> Value | None:
        return next((v for v in self.values if v.code == code), None)


def _area_values() -> tuple[Value, ...]:
    values = []
    for area in london_areas():
        if area.is_met:
            parent = f"{area.command_unit} command unit"
        else:
            parent = f"{area.police_force} (not a Metropolitan Police command unit)"
        values.append(Value(area.gss_code, area.name, parent=parent))
    # Ordered so that boroughs nest under their command unit; the City comes last.
    return tuple(
        sorted(values, key=lambda v: ("not a Metropolitan" in v.parent, v.parent, v.label))
    )


CITY_OF_LONDON = "E09000001"

DIMENSIONS: dict[str, Dimension] = {
    d.code: d
    for d in (
        Dimension(
            "owner",
            "Camera owner",
            (
                Value("tfl_ruc", "TfL road-user charging"),
                Value("met_fixed", "Met fixed"),
                Value("met_mobile", "Met mobile"),
                Value("other", "Other"),
            ),
            "Who owns and runs the camera.",
        ),
        Dimension(
            "zone",
            "Zone",
            (
                Value("ccz", "Congestion Charge zone"),
                Value("lez", "Low Emission Zone only"),
                Value("outside", "Outside both zones"),
            ),
            "Where the camera is, by charging zone.",
        ),
        Dimension(
            "area",
            "Area",
            _area_values(),
            "The 32 London boroughs and the City of London, nested into Metropolitan Police "
            "command units. The City of London is policed by the City of London Police.",
        ),
        Dimension(
            "category",
            "Hotlist category",
            (
                Value("stolen", "Stolen vehicle"),
                Value("wanted_missing", "Wanted or missing person"),
                Value("no_insurance", "No insurance"),
                Value("no_tax_mot", "No tax or MOT"),
                Value("local_intelligence", "Local intelligence"),
                Value("other", "Other"),
            ),
            "Why the vehicle was on the hotlist that produced the hit.",
        ),
        Dimension(
            "outcome",
            "Outcome",
            (
                Value("stop", "Vehicle stopped"),
                Value("arrest", "Arrest"),
                Value("seized", "Vehicle seized"),
            ),
            "What happened after a hit, where officers recorded it.",
        ),
        Dimension(
            "purpose",
            "Search purpose",
            (
                Value("serious_crime", "Investigating serious crime"),
                Value("other_crime", "Investigating other crime"),
                Value("missing_person", "Finding a missing person"),
                Value("road_safety", "Road safety"),
                Value("counter_terrorism", "Counter-terrorism", sensitive=True),
            ),
            "Why officers searched stored reads.",
        ),
        Dimension(
            "age_band",
            "Age of the data",
            (
                Value("d0_90", "0 to 90 days"),
                Value("d91_365", "91 days to 12 months"),
            ),
            "How old the searched reads were.",
            ordered=True,
        ),
        Dimension(
            "authorisation",
            "Authorisation level",
            (
                Value("standard", "Standard"),
                Value("senior", "Senior officer"),
            ),
            "Who authorised the search.",
        ),
        Dimension(
            "audit_result",
            "Audit result",
            (
                Value("audited", "Searches audited"),
                Value("non_compliant", "Found non-compliant"),
                Value("referred", "Referred for misconduct"),
            ),
            "Each is a subset of the one before, so they do not add up.",
            ordered=True,
        ),
        Dimension(
            "access_tier",
            "Access tier",
            (
                Value("operator", "Operator (live alerts only)"),
                Value("investigator", "Investigator (searches stored reads)"),
                Value("administrator", "System administrator"),
            ),
            "Staff who held access at the end of the quarter.",
            ordered=True,
        ),
        Dimension(
            "status",
            "Retention",
            (
                Value("due", "Records reaching 12 months"),
                Value("deleted_on_time", "Deleted on reaching 12 months"),
            ),
            ordered=True,
        ),
        Dimension(
            "reason",
            "Reason kept",
            (
                Value("investigation", "Ongoing investigation"),
                Value("court", "Court proceedings"),
                Value("national_security", "National security", sensitive=True),
                Value("other", "Other"),
            ),
            "Why records were kept beyond 12 months.",
        ),
        Dimension(
            "request",
            "Request",
            (
                Value("received", "Requests received"),
                Value("completed", "Requests completed"),
                Value("refused", "Requests refused"),
                Value("complaints", "Complaints"),
            ),
            "Requests from people about their own data, and complaints. These do not add up.",
            ordered=True,
        ),
        Dimension(
            "agency",
            "Agency type",
            (
                Value("other_police", "Other UK police forces"),
                Value("nca", "National Crime Agency"),
                Value("security_services", "Security and intelligence agencies", sensitive=True),
                Value("other_public", "Other public bodies"),
                Value("overseas", "Overseas law enforcement"),
            ),
        ),
    )
}


# --- Input datasets (what a source sends) ---------------------------------------------------

SITE_ID_RE = re.compile(r"^S-[0-9a-f]{8}$")
SITE_ID_FULL_RE = re.compile(r"S-[0-9a-f]{8}")


@dataclass(frozen=True)
class Dataset:
    code: str
    title: str
    grain: str  # period type of one return: "month" or "quarter"
    dimensions: tuple[str, ...]
    value_field: str = "count"
    has_date: bool = False  # rows carry a "date" inside the period (daily data)
    has_site: bool = False  # rows carry an opaque "site_id"
    met_only_area: bool = False  # the City of London is not a Met area: rows for it are refused
    description: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        extra = (("site_id",) if self.has_site else ()) + (("date",) if self.has_date else ())
        return extra + self.dimensions + (self.value_field,)


DATASETS: dict[str, Dataset] = {
    d.code: d
    for d in (
        Dataset(
            "site_reads",
            "Reads by camera site and day",
            "month",
            ("owner", "zone", "area"),
            value_field="reads",
            has_date=True,
            has_site=True,
            description="One row per camera site and day. Sites are opaque ids, never locations.",
        ),
        Dataset(
            "hits",
            "Hotlist hits",
            "month",
            ("owner", "area", "category"),
            met_only_area=True,
        ),
        Dataset("outcomes", "Hit outcomes", "month", ("area", "outcome"), met_only_area=True),
        Dataset(
            "searches",
            "Searches of stored reads",
            "month",
            ("purpose", "age_band", "authorisation"),
        ),
        Dataset("retention", "Records due for deletion and deleted", "month", ("status",)),
        Dataset("retention_kept", "Records kept beyond 12 months", "month", ("reason",)),
        Dataset("audit", "Audit of searches", "quarter", ("audit_result",)),
        Dataset("staff_access", "Staff with access", "quarter", ("access_tier",)),
        Dataset("subject_rights", "Data-subject rights and complaints", "quarter", ("request",)),
        Dataset("disclosures", "Disclosures to other agencies", "quarter", ("agency",)),
    )
}


# --- Published measures and their tables ----------------------------------------------------


@dataclass(frozen=True)
class Table:
    code: str
    title: str
    rows: tuple[str, ...]  # dimension codes (a row is one combination)
    columns: tuple[str, ...] = ()  # dimension codes (a column is one combination)
    additive: bool = True  # publish totals (False when the categories overlap)


@dataclass(frozen=True)
class Measure:
    code: str
    title: str
    description: str
    dataset: str
    grain: str  # "day", "month" or "quarter": the finest period published
    tier: str  # "A", "B" (tier C applies per category, see Value.sensitive)
    unit: str
    rounding: str  # "exact", "3sf" or "base5"
    tables: tuple[Table, ...]
    aggregate: str = "sum"  # "sum" or "distinct_sites" (active cameras)
    chart_dimensions: tuple[str, ...] = field(default=())

    @property
    def dimensions(self) -> tuple[str, ...]:
        seen: list[str] = []
        for table in self.tables:
            for dim in table.rows + table.columns:
                if dim not in seen and dim != "date":
                    seen.append(dim)
        return tuple(seen)

    @property
    def has_sensitive(self) -> bool:
        return any(v.sensitive for d in self.dimensions for v in DIMENSIONS[d].values)

    @property
    def grain_label(self) -> str:
        """How often the finest figures come: "Daily", "Monthly" or "Quarterly"."""
        return {"day": "Daily", "month": "Monthly", "quarter": "Quarterly"}[self.grain]

    @property
    def period_grain(self) -> str:
        """The period one release covers for this measure (a day grain is released monthly)."""
        return "month" if self.grain == "day" else self.grain


TIER_DESCRIPTIONS = {
    "A": "Volumes. Published exactly, except reads, rounded to three significant figures.",
    "B": (
        "Counts of human decisions. Values under 10 are suppressed, the rest are rounded to the "
        "nearest 5, other cells are suppressed so that no suppressed value can be worked out, and "
        "totals are rounded on their own, so tables may not add up."
    ),
    "C": (
        "Sensitive categories. Shown as [c] in monthly and quarterly tables and published only "
        "as an annual figure for the whole of London."
    ),
}

MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure(
            "active_cameras",
            "Active cameras",
            "Camera sites that sent at least one read in the month.",
            "site_reads",
            "month",
            "A",
            "cameras",
            "exact",
            (
                Table("by_owner_zone", "By owner and zone", ("owner",), ("zone",)),
                Table("by_area", "By area", ("area",)),
            ),
            aggregate="distinct_sites",
        ),
        Measure(
            "reads",
            "Reads",
            "Number plate reads sent to the Metropolitan Police.",
            "site_reads",
            "day",
            "A",
            "reads",
            "3sf",
            (
                Table(
                    "daily_by_owner_zone", "By day, owner and zone", ("date", "owner"), ("zone",)
                ),
                Table("by_area", "By area", ("area",)),
            ),
        ),
        Measure(
            "hits",
            "Hotlist hits",
            "Reads that matched a vehicle on a police hotlist, by category.",
            "hits",
            "month",
            "B",
            "hits",
            "base5",
            (
                Table("by_area_category", "By area and category", ("area",), ("category",)),
                Table(
                    "by_owner_category", "By camera owner and category", ("owner",), ("category",)
                ),
            ),
        ),
        Measure(
            "outcomes",
            "Hit outcomes",
            "Stops, arrests and vehicles seized after a hit, where officers recorded them.",
            "outcomes",
            "month",
            "B",
            "outcomes",
            "base5",
            (Table("by_area_outcome", "By area and outcome", ("area",), ("outcome",)),),
        ),
        Measure(
            "searches",
            "Searches of stored reads",
            "Searches of stored reads by purpose, age of the data and who authorised them.",
            "searches",
            "month",
            "B",
            "searches",
            "base5",
            (
                Table(
                    "by_purpose_age_authorisation",
                    "By purpose, age of data and authorisation",
                    ("purpose",),
                    ("age_band", "authorisation"),
                ),
            ),
        ),
        Measure(
            "retention_deleted",
            "Records deleted on reaching 12 months",
            "Records that reached 12 months and how many were deleted on time.",
            "retention",
            "month",
            "A",
            "records",
            "exact",
            (Table("by_status", "Due and deleted", ("status",), additive=False),),
        ),
        Measure(
            "retention_kept",
            "Records kept beyond 12 months",
            "Records kept after 12 months, by the reason recorded.",
            "retention_kept",
            "month",
            "B",
            "records",
            "base5",
            (Table("by_reason", "By reason", ("reason",)),),
        ),
        Measure(
            "audit",
            "Audit of searches",
            "Searches audited, found non-compliant and referred for misconduct.",
            "audit",
            "quarter",
            "B",
            "searches",
            "base5",
            (Table("by_result", "By result", ("audit_result",), additive=False),),
        ),
        Measure(
            "staff_access",
            "Staff with access",
            "Staff who could use the ANPR system at the end of the quarter, by access tier.",
            "staff_access",
            "quarter",
            "B",
            "staff",
            "base5",
            (Table("by_tier", "By access tier", ("access_tier",)),),
        ),
        Measure(
            "subject_rights",
            "Data-subject rights and complaints",
            "Requests from people about their own data: received, completed, refused; complaints.",
            "subject_rights",
            "quarter",
            "B",
            "requests",
            "base5",
            (Table("by_request", "By request", ("request",), additive=False),),
        ),
        Measure(
            "disclosures",
            "Disclosures to other agencies",
            "Times ANPR data were disclosed to another agency, by type of agency.",
            "disclosures",
            "quarter",
            "B",
            "disclosures",
            "base5",
            (Table("by_agency", "By agency type", ("agency",)),),
        ),
    )
}

ANNUAL_TABLE = "annual_sensitive"  # the tier C table: annual, London-wide


def measure(code: str) -> Measure:
    return MEASURES[code]


def table(measure_code: str, table_code: str) -> Table:
    if table_code == ANNUAL_TABLE:
        first = MEASURES[measure_code].tables[0]
        return Table(ANNUAL_TABLE, "Annual, London-wide (sensitive categories)", first.rows[:1])
    return next(t for t in MEASURES[measure_code].tables if t.code == table_code)


def measures_for_dataset(dataset_code: str) -> list[Measure]:
    return [m for m in MEASURES.values() if m.dataset == dataset_code]


# --- Periods ---------------------------------------------------------------------------------

# ASCII digits only, and the whole value (`\Z`: `$` would also allow a trailing newline).
MONTH_RE = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])\Z")
QUARTER_RE = re.compile(r"^([0-9]{4})-Q([1-4])\Z")
YEAR_RE = re.compile(r"^([0-9]{4})\Z")


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a month ("2025-03"), quarter ("2025-Q1") or year ("2025")."""
    if m := MONTH_RE.match(period):
        year, month = int(m[1]), int(m[2])
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    if m := QUARTER_RE.match(period):
        year, quarter = int(m[1]), int(m[2])
        first = dt.date(year, 3 * quarter - 2, 1)
        last_month = 3 * quarter
        return first, dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    if m := YEAR_RE.match(period):
        year = int(m[1])
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    raise ValueError(f"Not a period: {period!r}")


def period_grain(period: str) -> str:
    if MONTH_RE.match(period):
        return "month"
    if QUARTER_RE.match(period):
        return "quarter"
    if YEAR_RE.match(period):
        return "year"
    raise ValueError(f"Not a period: {period!r}")


def period_valid(period: str, grain: str) -> bool:
    try:
        return period_grain(period) == grain and period_bounds(period)[0].year >= 2000
    except ValueError:
        return False


def month_period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def quarter_of_month(period: str) -> str | None:
    """The quarter a month closes ("2025-03" → "2025-Q1"), or None if it closes none."""
    year, month = int(period[:4]), int(period[5:7])
    return f"{year}-Q{month // 3}" if month % 3 == 0 else None


def periods_in_release(month: str) -> dict[str, str]:
    """What the release for a month covers: the month, the quarter it closes, the year it closes."""
    covered = {"month": month}
    if quarter := quarter_of_month(month):
        covered["quarter"] = quarter
    if month.endswith("-12"):
        covered["year"] = month[:4]
    return covered


def period_label(period: str) -> str:
    grain = period_grain(period)
    first, _ = period_bounds(period)
    if grain == "month":
        return first.strftime("%B %Y")
    if grain == "quarter":
        return f"{period[5:]} {period[:4]} ({first.strftime('%B')} to {period_bounds(period)[1].strftime('%B')})"
    return period


@cache
def all_codes() -> frozenset[str]:
    """Every dimension value code (used by the tripwire to skip known codes quickly)."""
    return frozenset(v.code for d in DIMENSIONS.values() for v in d.values)
