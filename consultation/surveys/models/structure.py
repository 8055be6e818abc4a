"""What a survey asks: surveys, their sections (pages), questions, options and conditions."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from consultation.models import Consultation


class ScalePoint(models.IntegerChoices):
    """The one agreement scale used by agreement and matrix questions.

    Stored as a small number so that summaries can order and count it; "Don't know" is 0 so
    it never counts as a level of agreement.
    """

    STRONGLY_AGREE = 5, "Strongly agree"
    AGREE = 4, "Agree"
    NEITHER = 3, "Neither agree nor disagree"
    DISAGREE = 2, "Disagree"
    STRONGLY_DISAGREE = 1, "Strongly disagree"
    DONT_KNOW = 0, "Don't know"


SCALE_CHOICES: list[tuple[int, str]] = [(point.value, point.label) for point in ScalePoint]


class Survey(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    intro = models.TextField(blank=True, help_text="Shown on the start page. Markdown allowed.")
    # Normally the survey is open exactly while its consultation is; these override that.
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every builder service, so respondents' pages can reuse a loaded structure
    # (sections, questions, options, conditions) until it changes.
    structure_version = models.PositiveIntegerField(default=1)
    # A survey is a draft (builder and preview only) until a Consultation manager publishes it.
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Layout(models.TextChoices):
        PAGES = "pages", "One page per section"
        ONE_PAGE = "one_page", "All questions on one page"

    # "One page" suits a short survey: every question on one page, then "check your answers".
    layout = models.CharField(max_length=10, choices=Layout.choices, default=Layout.PAGES)

    class Meta:
        ordering = ["consultation_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=F("opens_at")),
                name="survey_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(layout__in=["pages", "one_page"]), name="survey_layout_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_one_page(self) -> bool:
        return self.layout == self.Layout.ONE_PAGE

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    @property
    def opens(self):
        return self.opens_at or self.consultation.opens_at

    @property
    def closes(self):
        return self.closes_at or self.consultation.closes_at

    def status_at(self, when) -> str:
        if when < self.opens:
            return Consultation.Status.UPCOMING
        if when < self.closes:
            return Consultation.Status.OPEN
        return Consultation.Status.CLOSED

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def is_open(self) -> bool:
        return self.status == Consultation.Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == Consultation.Status.CLOSED


class Section(models.Model):
    """One page of the survey."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)

    class Meta:
        ordering = ["survey_id", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Type(models.TextChoices):
        SINGLE_CHOICE = "single_choice", "Single choice (radios)"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice (checkboxes)"
        AGREEMENT = "agreement", "Agreement scale"
        MATRIX = "matrix", "Matrix: several statements on the agreement scale"
        RANKING = "ranking", "Ranking"
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        NUMBER = "number", "Number"
        YES_NO = "yes_no", "Yes or no"
        BOROUGH = "borough", "London borough"
        POSTCODE_DISTRICT = "postcode_district", "Postcode district"
        ORGANISATION = "organisation", "Individual or organisation"

    # Types whose answers point at this question's options.
    OPTION_TYPES = frozenset({Type.SINGLE_CHOICE, Type.MULTIPLE_CHOICE, Type.MATRIX, Type.RANKING})
    # Types a condition can depend on, and how: by options or by a yes/no value.
    CONDITION_OPTION_TYPES = frozenset({Type.SINGLE_CHOICE, Type.MULTIPLE_CHOICE})
    CONDITION_BOOLEAN_TYPES = frozenset({Type.YES_NO, Type.ORGANISATION})

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    type = models.CharField(max_length=20, choices=Type.choices)
    text = models.CharField(max_length=300)
    hint = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    min_picks = models.PositiveSmallIntegerField(null=True, blank=True)
    max_picks = models.PositiveSmallIntegerField(null=True, blank=True)
    char_limit = models.PositiveIntegerField(null=True, blank=True)
    min_value = models.IntegerField(null=True, blank=True)
    max_value = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["section_id", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_picks__isnull=True)
                | Q(max_picks__isnull=True)
                | Q(max_picks__gte=F("min_picks")),
                name="question_picks_in_order",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gte=F("min_value")),
                name="question_bounds_in_order",
            ),
            models.CheckConstraint(
                condition=Q(char_limit__isnull=True) | Q(char_limit__gte=1, char_limit__lte=10000),
                name="question_char_limit_sensible",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def uses_options(self) -> bool:
        return self.type in self.OPTION_TYPES

    @property
    def text_limit(self) -> int:
        """The longest text answer accepted (a default protects the database from essays)."""
        if self.char_limit:
            return self.char_limit
        return 2000 if self.type == self.Type.LONG_TEXT else 200


class Option(models.Model):
    """A choice, a ranked item, or (for a matrix) one statement to rate on the scale."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(max_length=300)
    # "Other, please specify": choosing it asks for a short description.
    is_other = models.BooleanField(default=False)

    class Meta:
        ordering = ["question_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["question"], condition=Q(is_other=True), name="option_one_other"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Condition(models.Model):
    """Show a question, or a whole section, only when an earlier answer matches.

    For choice questions the answer must include one of `options`; for yes/no (and
    individual/organisation) it must equal `boolean_value`. A condition on a hidden question
    never holds, which is how chains work.
    """

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="condition"
    )
    section = models.OneToOneField(
        Section, on_delete=models.CASCADE, null=True, blank=True, related_name="condition"
    )
    depends_on = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="dependent_conditions"
    )
    options = models.ManyToManyField(Option, blank=True, related_name="conditions")
    boolean_value = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(question__isnull=False) & Q(section__isnull=True))
                | (Q(question__isnull=True) & Q(section__isnull=False)),
                name="condition_has_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(question=F("depends_on")), name="condition_not_on_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"Condition on {self.depends_on_id}"


class SurveyChangeLog(models.Model):
    """Who changed what in a survey's wording or structure, and when."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="change_log")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    had_responses = models.BooleanField(default=False)
    description = models.CharField(max_length=300)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.description
