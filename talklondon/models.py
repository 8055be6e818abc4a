"""Accounts, profiles, and the outbox that carries every task and email to Celery."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from talklondon.areas import borough_choices


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Signs in by email; shown to others only by display name.

    `is_staff` is Django's flag for the admin site and is kept for superusers only; MOPAC staff
    powers come from group membership (see permissions.py).
    """

    # Stored lower-case, so `unique` and the case-insensitive constraint agree; `unique` also
    # tells Django's checks that the username field is unique.
    email = models.EmailField("email address", max_length=254, unique=True)
    display_name = models.CharField(max_length=50, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]
        permissions = [
            ("moderate_comments", "Moderate comments"),
            ("block_users", "Block and unblock users"),
            ("manage_consultations", "Create and edit consultations, pages and surveys"),
            ("view_results", "See consultation results"),
            ("export_anonymised", "Export anonymised data"),
            ("export_identified", "Export identified personal data"),
            ("manage_releases", "Manage ANPR transparency releases"),
            ("oversee_personal_data", "Oversee identified exports of personal data"),
        ]

    def __str__(self) -> str:
        return self.display_name or f"User {self.pk}"

    @property
    def public_name(self) -> str:
        """What other people see: never the email address."""
        if self.erased_at:
            return "Deleted account"
        return self.display_name or "Anonymous Londoner"


class Profile(models.Model):
    """Optional facts a person tells us about themselves, and their email choices."""

    class AgeBand(models.TextChoices):
        UNDER_18 = "under_18", "Under 18"
        AGE_18_24 = "18_24", "18 to 24"
        AGE_25_34 = "25_34", "25 to 34"
        AGE_35_44 = "35_44", "35 to 44"
        AGE_45_54 = "45_54", "45 to 54"
        AGE_55_64 = "55_64", "55 to 64"
        AGE_65_74 = "65_74", "65 to 74"
        AGE_75_PLUS = "75_plus", "75 or over"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    class Gender(models.TextChoices):
        WOMAN = "woman", "Woman"
        MAN = "man", "Man"
        NON_BINARY = "non_binary", "Non-binary"
        SELF_DESCRIBE = "other", "In another way"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    class Ethnicity(models.TextChoices):
        ASIAN = "asian", "Asian or Asian British"
        BLACK = "black", "Black, Black British, Caribbean or African"
        MIXED = "mixed", "Mixed or multiple ethnic groups"
        WHITE = "white", "White"
        OTHER = "other", "Another ethnic group"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    class Disability(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    borough = models.CharField(max_length=12, choices=borough_choices(), blank=True)
    age_band = models.CharField(max_length=12, choices=AgeBand.choices, blank=True)
    gender = models.CharField(max_length=12, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(max_length=12, choices=Ethnicity.choices, blank=True)
    disability = models.CharField(max_length=12, choices=Disability.choices, blank=True)
    email_on_reply = models.BooleanField(
        "Email me when someone replies to my comment", default=True
    )
    email_on_moderation = models.BooleanField(
        "Email me about moderation of my comments", default=True
    )
    email_news = models.BooleanField("Email me about new consultations", default=False)
    email_on_results = models.BooleanField(
        "Email me when the results of a consultation I took part in are published", default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of user {self.user_id}"


class OutboxTask(models.Model):
    """A Celery task recorded in the same transaction as the action that causes it.

    The relay publishes it to the broker after commit; if the broker is unreachable the row
    waits and beat relays it later. The worker marks it completed when the task succeeds; one
    published but not completed for a while is published again (talklondon/outbox.py). Tasks
    must therefore be idempotent (at-least-once).
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When it was last published to the broker (or run, in eager mode).
    relayed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # How many times it was published, or tried to be.
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The relay's work list (waiting and stalled rows) is the few not yet completed.
            models.Index(
                fields=["created_at"],
                name="outbox_unfinished_idx",
                condition=models.Q(completed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"


class OutgoingEmail(models.Model):
    """An email accepted for delivery; `sent_at` makes the delivery task idempotent."""

    to = models.JSONField(default=list)
    from_email = models.CharField(max_length=254)
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.subject


class PersonKey(models.Model):
    """One person's key for sealing text kept about them in append-only records (the
    moderation audit trail). Erasure deletes the row, so what was sealed with it can never be
    read again, while the records themselves stay untouched (crypto-shredding).

    The key is itself encrypted ("wrapped") with a key derived from `PERSONAL_DATA_KEY`, so a
    copy of the database alone opens nothing.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Key of user {self.user_id}"
