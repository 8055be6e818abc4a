"""The contract every exportable dataset meets, and the registry other apps plug theirs into.

A dataset is anything with the attributes and methods of `Dataset` below. Apps register a
factory from their AppConfig.ready():

    from consultation.analysis.exports import register_dataset
    register_dataset("survey-responses", SurveyResponsesDataset)

`factory(identified=...)` must be cheap (no queries) and return the anonymised variant for
`identified=False` and the identified one for `identified=True` (or raise `NoIdentifiedVariant`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

# Filter names a dataset may support (Dataset.supported_filters).
FILTER_DATES = "dates"
FILTER_CHANNEL = "channel"
FILTER_BOROUGH = "borough"
FILTER_DRAFTS = "drafts"
ALL_FILTERS = frozenset({FILTER_DATES, FILTER_CHANNEL, FILTER_BOROUGH, FILTER_DRAFTS})

# Column kinds. The engine replaces every RESPONDENT value (an account id) with a pseudonym
# that is stable within one export, so no dataset can leak account ids by mistake.
VALUE = "value"
RESPONDENT = "respondent"


@dataclass(frozen=True)
class Column:
    """One column of the data sheet, and its entry in the codebook."""

    key: str
    header: str
    description: str = ""
    kind: str = VALUE


PSEUDONYM_DESCRIPTION = "Pseudonymous id: the same person has the same id within this file only."


def respondent_column(key: str = "respondent", header: str = "Respondent") -> Column:
    """The pseudonymised person column that every personal dataset starts from."""
    return Column(key, header, PSEUDONYM_DESCRIPTION, kind=RESPONDENT)


@dataclass(frozen=True)
class CodebookRow:
    """One line of the codebook: a variable, or one allowed value of it.

    For a survey: one row per question (value empty) then one per option, with the question's
    display condition ("Shown if Q3 = Yes") in `condition`.
    """

    variable: str
    label: str
    value: str = ""
    value_label: str = ""
    condition: str = ""

    HEADERS = ("Variable", "Question or label", "Value", "Value label", "Condition or note")

    def as_tuple(self) -> tuple[str, str, str, str, str]:
        return (self.variable, self.label, self.value, self.value_label, self.condition)


@dataclass(frozen=True)
class ExportFilters:
    """What to include. Dates are whole days in London time, both ends inclusive."""

    date_from: date | None = None
    date_to: date | None = None
    channel: str = ""
    borough: str = ""
    include_drafts: bool = False

    def datetime_range(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) as aware datetimes, for `field__gte=start, field__lt=end`."""
        tz = ZoneInfo(settings.TIME_ZONE)
        start = datetime.combine(self.date_from, time.min, tzinfo=tz) if self.date_from else None
        end = (
            datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=tz)
            if self.date_to
            else None
        )
        return start, end

    def in_date_range(self, queryset, field: str):
        """`queryset` narrowed to rows whose `field` falls within the chosen dates."""
        start, end = self.datetime_range()
        if start:
            queryset = queryset.filter(**{f"{field}__gte": start})
        if end:
            queryset = queryset.filter(**{f"{field}__lt": end})
        return queryset

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["date_from"] = self.date_from.isoformat() if self.date_from else None
        data["date_to"] = self.date_to.isoformat() if self.date_to else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ExportFilters:
        data = data or {}
        return cls(
            date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
            date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
            channel=data.get("channel") or "",
            borough=data.get("borough") or "",
            include_drafts=bool(data.get("include_drafts")),
        )

    def describe(self) -> list[str]:
        """The filters in words, for the manifest and the record page."""
        from talklondon.areas import borough_name

        words = []
        if self.date_from or self.date_to:
            start = self.date_from.isoformat() if self.date_from else "the beginning"
            end = self.date_to.isoformat() if self.date_to else "today"
            words.append(f"From {start} to {end} (inclusive, London time)")
        else:
            words.append("All dates")
        words.append(f"Channel: {self.channel}" if self.channel else "All channels")
        words.append(
            f"Borough: {borough_name(self.borough) or self.borough}"
            if self.borough
            else "All boroughs"
        )
        words.append("Including drafts" if self.include_drafts else "Final responses only")
        return words


@runtime_checkable
class Dataset(Protocol):
    """What the export engine needs from a dataset.

    - `key`, `title`, `description`: identify it (title appears in the form and file name).
    - `identified`: True for the variant that contains personal data (names, emails).
    - `supported_filters`: subset of ALL_FILTERS; the form refuses other filters.
    - `channel_choices`: (value, label) pairs when FILTER_CHANNEL is supported.
    - `columns(filters)`: the columns, in order (may depend on filters, e.g. a survey's questions).
    - `rows(filters)`: one tuple per row in column order, streamed from a server-side cursor
      (`queryset.values_list(...).iterator(chunk_size=2000)` or `sql_rows`). Values may be str,
      int, float, Decimal, bool, date, datetime or None. RESPONDENT columns carry the account id.
    - `count(filters)`: how many rows `rows(filters)` will yield (used to choose delivery).
    - `codebook(filters)`: the codebook rows (questions, options, conditions).

    Optional fast path for large CSV exports on PostgreSQL: a method
    `copy_select(filters) -> (sql, params) | None` returning a SELECT with one column per
    Column, in order, whose text is what the CSV should say (format timestamps with to_char in
    London time, booleans as 'yes'/'no'; RESPONDENT columns give the account id). The engine
    wraps it so that PostgreSQL itself pseudonymises (HMAC-SHA256, the same ids as in Python)
    and neutralises formulas, and streams it with COPY (exports/pgcopy.py): about as fast as
    COPY alone. Note that the SQL neutralisation also prefixes negative numbers.
    """

    key: str
    title: str
    description: str
    identified: bool
    supported_filters: frozenset[str]
    channel_choices: Sequence[tuple[str, str]]

    def columns(self, filters: ExportFilters) -> list[Column]: ...

    def rows(self, filters: ExportFilters) -> Iterator[Sequence[Any]]: ...

    def count(self, filters: ExportFilters) -> int: ...

    def codebook(self, filters: ExportFilters) -> Iterator[CodebookRow]: ...


class BaseDataset:
    """Optional convenience base: sensible defaults, and a codebook built from the columns."""

    key: str = ""
    title: str = ""
    description: str = ""
    supported_filters: frozenset[str] = frozenset()
    channel_choices: Sequence[tuple[str, str]] = ()
    has_identified_variant: bool = False

    def __init__(self, *, identified: bool = False):
        if identified and not self.has_identified_variant:
            raise NoIdentifiedVariant(f"{self.key} has no identified variant.")
        self.identified = identified

    def codebook(self, filters: ExportFilters) -> Iterator[CodebookRow]:
        for column in self.columns(filters):
            yield CodebookRow(
                variable=column.key, label=column.header, condition=column.description
            )


class NoIdentifiedVariant(LookupError):
    pass


class UnknownDataset(LookupError):
    pass


DatasetFactory = Callable[..., Dataset]


@dataclass
class _Family:
    """Datasets made per subject (e.g. one per survey), keyed `<prefix>-<subject>`."""

    choices: Callable[[], Sequence[tuple[str, str]]]
    factory: Callable[..., Dataset]


@dataclass
class _Registry:
    factories: dict[str, DatasetFactory] = field(default_factory=dict)
    families: dict[str, _Family] = field(default_factory=dict)


_registry = _Registry()


def register_dataset(key: str, factory: DatasetFactory) -> None:
    """Make a dataset exportable. `factory(identified=bool)` returns a Dataset.

    Registering the same key again replaces it (so module reloads in development are harmless).
    """
    _registry.factories[key] = factory


def register_dataset_family(
    prefix: str,
    *,
    choices: Callable[[], Sequence[tuple[str, str]]],
    factory: Callable[..., Dataset],
) -> None:
    """Register a dataset per subject, such as one "survey responses" dataset per survey.

    `choices()` lists the current subjects as (subject, label) pairs (it may query: it is
    called when the export form is built); the dataset for a subject has the key
    `f"{prefix}-{subject}"` and is made by `factory(subject, identified=bool)`, which raises
    UnknownDataset when the subject does not exist (any more).
    """
    _registry.families[prefix] = _Family(choices=choices, factory=factory)


def unregister_dataset(key: str) -> None:
    """Remove a dataset or a family (tests and benchmarks register temporary ones)."""
    _registry.factories.pop(key, None)
    _registry.families.pop(key, None)


def dataset_get(key: str, *, identified: bool = False) -> Dataset:
    """The dataset registered under `key`; raises UnknownDataset or NoIdentifiedVariant."""
    factory = _registry.factories.get(key)
    if factory is not None:
        return factory(identified=identified)
    for prefix, family in _registry.families.items():
        subject = key.removeprefix(f"{prefix}-")
        if subject != key and subject:
            return family.factory(subject, identified=identified)
    raise UnknownDataset(key)


def dataset_has_identified_variant(key: str) -> bool:
    try:
        dataset_get(key, identified=True)
    except (UnknownDataset, NoIdentifiedVariant):
        return False
    return True


def dataset_all() -> list[Dataset]:
    """Every registered dataset (anonymised variants), by title; families give one per subject."""
    datasets = [factory(identified=False) for factory in _registry.factories.values()]
    for family in _registry.families.values():
        for subject, _label in family.choices():
            try:
                datasets.append(family.factory(subject, identified=False))
            except UnknownDataset:
                continue
    return sorted(datasets, key=lambda d: d.title)


def sql_rows(
    sql: str, params: Sequence[Any] = (), *, chunk_size: int = 2000
) -> Iterator[tuple[Any, ...]]:
    """Rows of a raw SELECT, fetched `chunk_size` at a time from a server-side cursor.

    On PostgreSQL `connection.chunked_cursor()` is a named (server-side) cursor, so only one
    chunk is ever in memory; on SQLite it is an ordinary cursor read with fetchmany.
    """
    connection.ensure_connection()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, list(params))
        while True:
            chunk = cursor.fetchmany(chunk_size)
            if not chunk:
                break
            yield from chunk
