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

        names = {name: getattr(settings, name) for name in _setting_names(self.words)}
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


# --- The site app's own part of the inventory (accounts, email, sessions, sign-in) ----------

SESSION_LIFE = Retention(
    "session",
    "until you sign out or the session expires; expired sessions are deleted",
)
EMAIL_COPY_LIFE = Retention(
    "email_copy",
    "copies of emails we sent you: {EMAIL_LOG_RETENTION_DAYS} days after delivery; emails that "
    "could not be delivered: {UNDELIVERED_EMAIL_RETENTION_DAYS} days",
)
ADMIN_LOG_LIFE = Retention(
    "admin_log",
    "{PERSONAL_DATA_RETENTION_MONTHS} months",
)

_ACCOUNT = "Your account"
_SIGN_IN = "Signing in and security"
_EMAILS = "Emails we send you"

register_fields(
    Field("talklondon.User", "email", "your email address", "to sign you in and send you the "
          "emails you asked for; nobody else can see it", PUBLIC_TASK, ACCOUNT_LIFE,
          PSEUDONYMISE, group=_ACCOUNT),
    Field("talklondon.User", "display_name", "the display name you choose", "shown next to "
          "your comments", PUBLIC_TASK, ACCOUNT_LIFE, BLANK, group=_ACCOUNT),
    Field("talklondon.User", "password", "your password, only in a scrambled form that cannot "
          "be turned back into it", "to sign you in", PUBLIC_TASK, ACCOUNT_LIFE, BLANK,
          group=_SIGN_IN, download=False),
    Field("talklondon.User", "last_login", "when you last signed in", "to keep the service "
          "secure and to know when an unused account should go", LEGITIMATE_INTERESTS,
          ACCOUNT_LIFE, BLANK, group=_SIGN_IN),
    Field("talklondon.User", "date_joined", "when you created your account", "to keep the "
          "service secure", LEGITIMATE_INTERESTS, ACCOUNT_LIFE, KEEP, group=_ACCOUNT),
    Field("talklondon.Profile", "user", "that the profile is yours", "to keep your choices",
          PUBLIC_TASK, ACCOUNT_LIFE, KEEP, person="user", group=_ACCOUNT),
    Field("talklondon.Profile", "borough", "the London borough you live in, if you tell us",
          "to see whether the people who took part reflect London", PUBLIC_TASK, ACCOUNT_LIFE,
          BLANK, person="user", group="If you choose to tell us"),
    *[
        Field("talklondon.Profile", name, what, "only ever reported as totals, to check whether "
              "the people who responded reflect London", EXPLICIT_CONSENT if special else
              CONSENT, ACCOUNT_LIFE, BLANK, person="user", group="If you choose to tell us")
        for name, what, special in (
            ("age_band", "your age band", False),
            ("gender", "your gender", False),
            ("ethnicity", "your ethnic group", True),
            ("disability", "whether you have a long-term health condition or disability", True),
        )
    ],
    *[
        Field("talklondon.Profile", name, what, "to send only the emails you want", CONSENT,
              ACCOUNT_LIFE, BLANK, person="user", group=_EMAILS)
        for name, what in (
            ("email_on_reply", "whether you want emails about replies to your comments"),
            ("email_on_moderation", "whether you want emails about moderation of your comments"),
            ("email_news", "whether you want news of new consultations"),
        )
    ],
    Field("talklondon.OutgoingEmail", "to", "the address an email was sent to", "to deliver "
          "the email, and retry if delivery fails", PUBLIC_TASK, EMAIL_COPY_LIFE, DELETE,
          person=None, group=_EMAILS),
    Field("talklondon.OutgoingEmail", "subject", "the subject of an email we sent you",
          "to deliver it", PUBLIC_TASK, EMAIL_COPY_LIFE, DELETE, person=None, group=_EMAILS),
    Field("talklondon.OutgoingEmail", "body_text", "the text of an email we sent you (for "
          "example your survey receipt)", "to deliver it", PUBLIC_TASK, EMAIL_COPY_LIFE, DELETE,
          person=None, group=_EMAILS),
    Field("talklondon.OutgoingEmail", "body_html", "the same email as a web page", "to "
          "deliver it", PUBLIC_TASK, EMAIL_COPY_LIFE, DELETE, person=None, group=_EMAILS),
    Field("talklondon.OutgoingEmail", "headers", "technical details of an email we sent you",
          "to deliver it", PUBLIC_TASK, EMAIL_COPY_LIFE, DELETE, person=None, group=_EMAILS),
    Field("talklondon.OutgoingEmail", "last_error", "why delivering an email failed, which may "
          "quote your address", "to retry delivery", PUBLIC_TASK, EMAIL_COPY_LIFE, DELETE,
          person=None, group=_EMAILS),
    Field("talklondon.OutboxTask", "kwargs", "which record a background task is about (ids "
          "only)", "to run the task after the action that caused it", PUBLIC_TASK,
          EMAIL_COPY_LIFE, DELETE, person=None, group=_EMAILS),
    Field("talklondon.OutboxTask", "last_error", "why a background task failed", "to retry it",
          PUBLIC_TASK, EMAIL_COPY_LIFE, DELETE, person=None, group=_EMAILS),
    Field("talklondon.PersonKey", "user", "a key that seals what moderators removed from your "
          "comments", "so that erasing your account makes that text unreadable for good",
          PUBLIC_TASK, ACCOUNT_LIFE, DELETE, person="user", group=_ACCOUNT, download=False),
    Field("talklondon.PersonKey", "wrapped_key", "the key itself, encrypted", "so that "
          "erasing your account makes that text unreadable for good",
          PUBLIC_TASK, ACCOUNT_LIFE, DELETE, person="user", group=_ACCOUNT, download=False),
    Field("sessions.Session", "session_data", "that you are signed in on a device",
          "to keep you signed in", PUBLIC_TASK, SESSION_LIFE, DELETE, person=None,
          group=_SIGN_IN),
    Field("account.EmailAddress", "user", "which email addresses are yours", "to sign you in",
          PUBLIC_TASK, ACCOUNT_LIFE, DELETE, person="user", group=_SIGN_IN),
    Field("account.EmailAddress", "email", "your email address and whether you confirmed it",
          "to sign you in and check it is yours", PUBLIC_TASK, ACCOUNT_LIFE, DELETE,
          person="user", group=_SIGN_IN),
    Field("account.EmailConfirmation", "email_address", "a pending check that an email address "
          "is yours", "to confirm your address", PUBLIC_TASK, SESSION_LIFE, DELETE,
          person="email_address__user", group=_SIGN_IN, download=False),
    Field("account.EmailConfirmation", "key", "the code in the confirmation email",
          "to confirm your address", PUBLIC_TASK, SESSION_LIFE, DELETE,
          person="email_address__user", group=_SIGN_IN, download=False),
    Field("mfa.Authenticator", "user", "that you turned on two-factor authentication",
          "to keep your account secure", PUBLIC_TASK, ACCOUNT_LIFE, DELETE, person="user",
          group=_SIGN_IN),
    Field("mfa.Authenticator", "data", "the key your authenticator app uses and your recovery "
          "codes (never shown or exported)", "to keep your account secure", PUBLIC_TASK,
          ACCOUNT_LIFE, DELETE, person="user", group=_SIGN_IN, download=False),
    Field("mfa.Authenticator", "last_used_at", "when you last used your second factor",
          "to keep your account secure", PUBLIC_TASK, ACCOUNT_LIFE, DELETE, person="user",
          group=_SIGN_IN),
    Field("admin.LogEntry", "user", "which site administrator changed a record",
          "accountability for administrators' changes", PUBLIC_TASK, ADMIN_LOG_LIFE, KEEP,
          person="user", audience="staff", group="Staff"),
    Field("admin.LogEntry", "object_repr", "the name of the record an administrator changed, "
          "which may be someone's display name", "accountability for administrators' changes",
          PUBLIC_TASK, ADMIN_LOG_LIFE, DELETE, person=None, audience="staff", group="Staff"),
    Field("admin.LogEntry", "change_message", "what an administrator changed",
          "accountability for administrators' changes", PUBLIC_TASK, ADMIN_LOG_LIFE, DELETE,
          person=None, audience="staff", group="Staff"),
)  # fmt: skip

register_not_personal(
    NotPersonal("talklondon.User", ("is_superuser", "is_active", "is_staff", "erased_at"),
                "flags about the account's state, not about the person"),
    NotPersonal("talklondon.Profile", ("updated_at",), "when the profile row last changed"),
    NotPersonal("talklondon.OutgoingEmail", ("from_email", "created_at", "sent_at", "attempts"),
                "the site's own address and delivery bookkeeping"),
    NotPersonal("talklondon.OutboxTask", ("task_name", "created_at", "relayed_at", "attempts"),
                "task bookkeeping"),
    NotPersonal("talklondon.PersonKey", ("created_at",), "when the key was made"),
    NotPersonal("sessions.Session", ("session_key", "expire_date"), "a random token and expiry"),
    NotPersonal("account.EmailAddress", ("verified", "primary"), "flags on the address row"),
    NotPersonal("account.EmailConfirmation", ("created", "sent"), "timestamps of a pending check"),
    NotPersonal("mfa.Authenticator", ("type", "created_at"), "which kind of second factor"),
    NotPersonal("admin.LogEntry", ("action_time", "content_type", "object_id", "action_flag"),
                "which record and when"),
    NotPersonal("auth.Permission", ("name", "content_type", "codename"), "site configuration"),
    NotPersonal("auth.Group", ("name",), "staff role names"),
    NotPersonal("contenttypes.ContentType", ("app_label", "model"), "site configuration"),
    NotPersonal("sites.Site", ("domain", "name"), "site configuration"),
)  # fmt: skip

register_fields(
    Field(
        "talklondon.User",
        "groups",
        "your staff roles, if you work for MOPAC",
        "to decide what you may do",
        PUBLIC_TASK,
        ACCOUNT_LIFE,
        DELETE,
        audience="staff",
        group="Staff",
    ),
    Field(
        "talklondon.User",
        "user_permissions",
        "extra permissions given to a staff account",
        "to decide what you may do",
        PUBLIC_TASK,
        ACCOUNT_LIFE,
        DELETE,
        audience="staff",
        group="Staff",
    ),
)
register_not_personal(
    NotPersonal("auth.Group", ("permissions",), "site configuration"),
)


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
