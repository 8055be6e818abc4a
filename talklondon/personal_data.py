"""Registry through which each app declares the personal data it holds about a person.

The site app owns accounts and profiles; other apps (comments, survey responses, ...) hold more.
So that "download my data", "delete my account" and the retention job cover everything, each app
registers up to three callables, usually from its `AppConfig.ready()`:

    from talklondon import personal_data

    personal_data.register_exporter("comments", comments_for_export)
    personal_data.register_eraser("comments", comments_erase)
    personal_data.register_participation("comments", comment_participation_ends)

- exporter: `func(user) -> JSON-serialisable data` (dicts, lists, str, numbers, dates). Shown in
  the download under `apps[name]`. Never include other people's personal data.
- eraser: `func(*, user, remove_content: bool) -> None`. Called inside the erasure transaction,
  BEFORE the account itself is anonymised (so the user row still has its email). It must remove
  or anonymise everything personal the app holds for `user`; when `remove_content` is true it
  also removes the person's public contributions (comments), otherwise those stay and are shown
  as "Deleted account". Survey answers stay only in anonymised form (unlinked from the user).
  Must be idempotent.
- participation: `func() -> iterable of (user_id, ended_at)`: for each person who took part, when
  their participation ended (usually the consultation's `closes_at`, which may be in the future
  while the consultation is open). The retention job takes, per person, the LATEST end across all
  apps and erases the account `PERSONAL_DATA_RETENTION_MONTHS` after it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

Exporter = Callable[[Any], Any]
Eraser = Callable[..., None]
ParticipationSource = Callable[[], Iterable[tuple[int, datetime]]]

_exporters: dict[str, Exporter] = {}
_covered: dict[str, str] = {}  # model label -> name of the exporter that presents its rows
_erasers: dict[str, Eraser] = {}
_participation: dict[str, ParticipationSource] = {}


def register_exporter(name: str, func: Exporter, *, covers: Iterable[str] = ()) -> None:
    """Add `func(user)` to the "download my data" file under `apps[name]`.

    `covers` names the models ("app_label.Model", or "app_label.Model:path" for the rows linked
    to the person through one path only) whose rows the exporter presents; the download lists
    every other inventory model linked to the person generically.
    """
    _exporters[name] = func
    for label in covers:
        _covered[label] = name


def is_covered(model_label: str, person_path: str) -> bool:
    """Whether an exporter presents this model's rows linked to the person by `person_path`."""
    return model_label in _covered or f"{model_label}:{person_path}" in _covered


def register_eraser(name: str, func: Eraser) -> None:
    """Call `func(user=..., remove_content=...)` whenever an account is erased."""
    _erasers[name] = func


def register_participation(name: str, func: ParticipationSource) -> None:
    """Declare who took part in this app and when their participation ended."""
    _participation[name] = func


def unregister(name: str) -> None:
    """Remove every callable registered under `name` (used by tests)."""
    _exporters.pop(name, None)
    for label in [label for label, owner in _covered.items() if owner == name]:
        del _covered[label]
    _erasers.pop(name, None)
    _participation.pop(name, None)


def exporters() -> dict[str, Exporter]:
    return dict(_exporters)


def erasers() -> dict[str, Eraser]:
    return dict(_erasers)


def participation_sources() -> dict[str, ParticipationSource]:
    return dict(_participation)


# --- The personal-data inventory ------------------------------------------------------------
# Every model field that can hold personal data is declared once, by the app that owns the
# model (in its personal_data.py, registered from AppConfig.ready()), with what it is, why we
# hold it, the lawful basis, how long it is kept and what erasure does to it. Fields that cannot
# hold personal data are declared too, with the reason, so that a field nobody thought about
# fails tests/talklondon/test_personal_data_inventory.py. Erasure, retention, "download my data"
# and the privacy notice all read this.

DELETE = "delete"
BLANK = "blank"
PSEUDONYMISE = "pseudonymise"
SHRED = "shred"
KEEP = "keep"
ERASURE_ACTIONS: dict[str, str] = {
    DELETE: "deleted",
    BLANK: "blanked (emptied)",
    PSEUDONYMISE: "unlinked from you or replaced with a placeholder",
    SHRED: "made unreadable by destroying your key",
    KEEP: "kept",
}

PUBLIC_TASK = "public_task"
CONSENT = "consent"
EXPLICIT_CONSENT = "explicit_consent"
LEGAL_OBLIGATION = "legal_obligation"
LEGITIMATE_INTERESTS = "legitimate_interests"
LAWFUL_BASES: dict[str, str] = {
    PUBLIC_TASK: "a task carried out in the public interest (UK GDPR Article 6(1)(e))",
    CONSENT: "your consent (Article 6(1)(a)); you can withdraw it at any time",
    EXPLICIT_CONSENT: (
        "your explicit consent for special category information (Article 9(2)(a)); you can "
        "withdraw it at any time"
    ),
    LEGAL_OBLIGATION: "a legal obligation (Article 6(1)(c))",
    LEGITIMATE_INTERESTS: (
        "keeping the service secure, which is in the public interest (Article 6(1)(e)) and, for "
        "the GLA as processor, its legitimate interests"
    ),
}


@dataclass(frozen=True)
class Retention:
    """How long something is kept, in plain words. `words` may name settings in braces
    ("{PERSONAL_DATA_RETENTION_MONTHS} months"), filled in from the live settings."""

    key: str
    words: str

    def described(self) -> str:
        from django.conf import settings

        names = {name: attrgetter(name)(settings) for name in _setting_names(self.words)}
        return self.words.format(**names)


def _setting_names(words: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(words) if name]


ACCOUNT_LIFE = Retention(
    "account",
    "until you delete your account, or {PERSONAL_DATA_RETENTION_MONTHS} months after the last "
    "consultation you took part in closes; if you never take part, {DORMANT_ACCOUNT_MONTHS} "
    "months after you last signed in",
)
CONTRIBUTION_LIFE = Retention(
    "contribution",
    "published while the discussion is; once your account is erased your comments show as "
    "“Deleted account”, or are removed if you choose; comments the public never saw are emptied",
)
SURVEY_LIFE = Retention(
    "survey",
    "kept anonymised, with nothing linking them to you, so that published results can be "
    "checked; what you wrote in your own words is emptied when your account is erased",
)
STAFF_RECORD = Retention(
    "staff",
    "as long as the record it belongs to: staff actions are kept for accountability",
)


@dataclass(frozen=True)
class Field:
    """One model field that can hold personal data."""

    model: str  # "app_label.ModelName"
    field: str
    what: str  # plain words: "your email address"
    purpose: str  # why we hold it
    basis: str  # a key of LAWFUL_BASES
    retention: Retention
    erasure: str  # a key of ERASURE_ACTIONS: what erasing the person does to it
    # Whose data it is: the ORM path from the model to the person's User ("" for the user row
    # itself, None where no account is linked: e.g. a paper response's name).
    person: str | None = ""
    audience: str = "you"  # who the privacy notice is talking to about it
    group: str = "Taking part"  # the privacy notice's heading
    # False for secrets (password hashes, keys, codes): never put in "download my data".
    download: bool = True

    @property
    def label(self) -> str:
        return f"{self.model}.{self.field}"


@dataclass(frozen=True)
class NotPersonal:
    """Fields of a model that cannot hold personal data, and why."""

    model: str
    fields: tuple[str, ...]
    why: str


_fields: dict[str, Field] = {}
_not_personal: dict[str, str] = {}  # "app.Model.field" -> why


def register_fields(*fields: Field) -> None:
    for item in fields:
        _fields[item.label] = item


def register_not_personal(*entries: NotPersonal) -> None:
    for entry in entries:
        for name in entry.fields:
            _not_personal[f"{entry.model}.{name}"] = entry.why


def inventory() -> list[Field]:
    """Every declared personal-data field, in a stable order."""
    return [_fields[label] for label in sorted(_fields)]


def inventory_field(label: str) -> Field | None:
    return _fields.get(label)


def not_personal() -> dict[str, str]:
    return dict(_not_personal)


def field_classification(model_label: str, field_name: str) -> str | None:
    """ "personal", "not personal" or None (nobody has classified it)."""
    label = f"{model_label}.{field_name}"
    if label in _fields:
        return "personal"
    if label in _not_personal:
        return "not personal"
    return None


# --- Retention rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """What a retention rule would remove now: how many of what, and why."""

    rule: str
    what: str
    count: int
    why: str


@dataclass(frozen=True)
class RetentionRule:
    """One kind of data that goes after a while: `due(now)` counts it, `apply(now)` removes it.

    Both take the time explicitly so that the dry run and the job agree, and tests can move the
    clock. `apply` must be idempotent; it returns how many rows it removed or blanked.
    """

    name: str
    what: str
    why: str  # may name settings in braces, like Retention.words
    due: Callable[[datetime], int]
    apply: Callable[[datetime], int]

    def why_described(self) -> str:
        return Retention(self.name, self.why).described()


_retention_rules: dict[str, RetentionRule] = {}


def register_retention(*rules: RetentionRule) -> None:
    for rule in rules:
        _retention_rules[rule.name] = rule


def retention_rules() -> list[RetentionRule]:
    return list(_retention_rules.values())


# --- The privacy notice ----------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeRow:
    what: str
    why: str
    basis: str
    kept: str
    on_erasure: str


def privacy_notice_sections(*, audience: str = "you") -> list[tuple[str, list[NoticeRow]]]:
    """The inventory as the privacy notice says it: under each heading, what we keep, why, on
    what lawful basis, for how long, and what deleting your account does to it. Fields that say
    the same thing in the same words are shown once."""
    sections: dict[str, list[NoticeRow]] = {}
    for item in sorted(_fields.values(), key=lambda f: _GROUP_ORDER.get(f.group, 99)):
        if item.audience != audience:
            continue
        row = NoticeRow(
            what=item.what,
            why=item.purpose,
            basis=LAWFUL_BASES[item.basis],
            kept=item.retention.described(),
            on_erasure=ERASURE_ACTIONS[item.erasure].capitalize(),
        )
        rows = sections.setdefault(item.group, [])
        if row not in rows:
            rows.append(row)
    return list(sections.items())


_GROUP_ORDER = {
    "Your account": 0,
    "Signing in and security": 1,
    "If you choose to tell us": 2,
    "Emails we send you": 3,
    "Comments and discussion": 4,
    "Moderation": 5,
    "Survey answers": 6,
    "ANPR statistics": 7,
    "Staff": 8,
}
