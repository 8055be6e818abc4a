"""The site app's own part of the personal-data inventory (talklondon.personal_data): accounts,
profiles, sign-in, sessions, email, and the Django and allauth models the site relies on.
Registered on import, from TalkLondonConfig.ready().
"""

from talklondon.personal_data import (
    ACCOUNT_LIFE,
    BLANK,
    CONSENT,
    DELETE,
    EXPLICIT_CONSENT,
    KEEP,
    LEGITIMATE_INTERESTS,
    PSEUDONYMISE,
    PUBLIC_TASK,
    Field,
    NotPersonal,
    Retention,
    register_fields,
    register_not_personal,
)

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
            ("email_on_results", "whether you want to hear when results are published"),
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
    NotPersonal("talklondon.OutboxTask", ("task_name", "created_at", "relayed_at", "completed_at",
                                          "attempts"),
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
