"""Retention rules for the site app's own data: dormant accounts, sessions, email copies,
address confirmations and the admin log. Registered with the inventory's retention registry
(talklondon.personal_data) from TalkLondonConfig.ready(); run by the retention job and listed
by `manage.py personal_data_retention --dry-run`.
"""

from datetime import datetime, timedelta

from allauth.account.models import EmailConfirmation
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.db.models.functions import Coalesce

from talklondon.models import OutboxTask, OutgoingEmail, User
from talklondon.personal_data import RetentionRule, register_retention

# allauth's confirmation links last three days; a week leaves room for a late click.
EMAIL_CONFIRMATION_DAYS = 7


def _months_before(now: datetime, months: int) -> datetime:
    from talklondon.services import months_before

    return months_before(now, months)


def dormant_accounts(now: datetime):
    """Accounts that never took part and have not been used for the dormant period."""
    from talklondon.services import participation_last_ended

    cutoff = _months_before(now, settings.DORMANT_ACCOUNT_MONTHS)
    took_part = list(participation_last_ended())
    return (
        User.objects.filter(erased_at__isnull=True, is_superuser=False, groups__isnull=True)
        .exclude(pk__in=took_part)
        .alias(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lt=cutoff)
        .order_by("pk")
    )


def dormant_accounts_erase(now: datetime) -> int:
    from talklondon.services import account_erase

    erased = 0
    for user in dormant_accounts(now):
        account_erase(user=user, remove_content=False)
        erased += 1
    return erased


def _sent_emails(now: datetime):
    return OutgoingEmail.objects.filter(
        sent_at__lt=now - timedelta(days=settings.EMAIL_LOG_RETENTION_DAYS)
    )


def _undelivered_emails(now: datetime):
    return OutgoingEmail.objects.filter(
        sent_at__isnull=True,
        created_at__lt=now - timedelta(days=settings.UNDELIVERED_EMAIL_RETENTION_DAYS),
    )


def _old_outbox(now: datetime):
    cutoff = now - timedelta(days=settings.UNDELIVERED_EMAIL_RETENTION_DAYS)
    return OutboxTask.objects.filter(
        Q(completed_at__lt=now - timedelta(days=settings.EMAIL_LOG_RETENTION_DAYS))
        | Q(completed_at__isnull=True, created_at__lt=cutoff)
    )


def _emails_delete(now: datetime) -> int:
    deleted, _ = _sent_emails(now).delete()
    undelivered, _ = _undelivered_emails(now).delete()
    _old_outbox(now).delete()
    return deleted + undelivered


def _expired_sessions(now: datetime):
    return Session.objects.filter(expire_date__lt=now)


def _confirmations(now: datetime):
    return EmailConfirmation.objects.filter(
        created__lt=now - timedelta(days=EMAIL_CONFIRMATION_DAYS)
    )


def _admin_log(now: datetime):
    return LogEntry.objects.filter(
        action_time__lt=_months_before(now, settings.PERSONAL_DATA_RETENTION_MONTHS)
    )


def _deleting(queryset_for):
    def apply(now: datetime) -> int:
        deleted, _ = queryset_for(now).delete()
        return deleted

    return apply


register_retention(
    RetentionRule(
        "dormant-accounts",
        "accounts that never took part",
        "not signed in for {DORMANT_ACCOUNT_MONTHS} months and no comment or survey response: erased",
        lambda now: dormant_accounts(now).count(),
        dormant_accounts_erase,
    ),
    RetentionRule(
        "email-copies",
        "copies of emails",
        "delivered more than {EMAIL_LOG_RETENTION_DAYS} days ago, or still undelivered after "
        "{UNDELIVERED_EMAIL_RETENTION_DAYS} days: deleted (with their outbox tasks)",
        lambda now: _sent_emails(now).count() + _undelivered_emails(now).count(),
        _emails_delete,
    ),
    RetentionRule(
        "sessions",
        "expired sessions",
        "past their expiry date: deleted",
        lambda now: _expired_sessions(now).count(),
        _deleting(_expired_sessions),
    ),
    RetentionRule(
        "email-confirmations",
        "email address confirmations",
        f"older than {EMAIL_CONFIRMATION_DAYS} days (the link has expired): deleted",
        lambda now: _confirmations(now).count(),
        _deleting(_confirmations),
    ),
    RetentionRule(
        "admin-log",
        "entries in the administrators' change log",
        "older than {PERSONAL_DATA_RETENTION_MONTHS} months: deleted",
        lambda now: _admin_log(now).count(),
        _deleting(_admin_log),
    ),
)
