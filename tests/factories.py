"""factory-boy factories for every app's models."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from consultation.models import Consultation
from demo.accounts import totp_ensure
from talklondon.models import Profile, User


class UserFactory(factory.django.DjangoModelFactory):
    """A resident with a profile and, unless `verified=False`, a verified email address."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Londoner {n}")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if not create:
            return
        Profile.objects.get_or_create(user=obj)
        EmailAddress.objects.create(
            user=obj, email=obj.email, primary=True, verified=extracted is not False
        )


def totp_add(user: User) -> None:
    totp_ensure(user)


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    title = factory.Sequence(lambda n: f"Consultation {n}")
    slug = factory.Sequence(lambda n: f"consultation-{n}")
    summary = "What we propose and why we are asking."
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=49))
    # Published, as most tests want; pass published_at=None for a draft.
    published_at = factory.LazyFunction(timezone.now)


# --- Consultation: proposal pages and comments (issue 3) ------------------------------------

from consultation.models import Comment, ProposalPage  # noqa: E402
from talklondon.rich_text import render_markdown_lite  # noqa: E402


class ProposalPageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposalPage

    consultation = factory.SubFactory(ConsultationFactory)
    title = factory.Sequence(lambda n: f"Proposal page {n}")
    slug = factory.Sequence(lambda n: f"page-{n}")
    position = factory.Sequence(lambda n: n)
    body = "## What we propose\n\nThe police would use **TfL's cameras**."
    published_at = factory.LazyFunction(timezone.now)


class CommentFactory(factory.django.DjangoModelFactory):
    """A published comment; pass `reply_to=<comment>` for a reply at the right depth."""

    class Meta:
        model = Comment
        exclude = ["reply_to"]

    reply_to = None
    page = factory.LazyAttribute(lambda o: o.reply_to.page if o.reply_to else ProposalPageFactory())
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment number {n} about cameras.")
    body_html = factory.LazyAttribute(lambda o: render_markdown_lite(o.body))
    status = Comment.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    parent = factory.LazyAttribute(
        lambda o: (o.reply_to if o.reply_to.depth < 2 else o.reply_to.parent)
        if o.reply_to
        else None
    )
    replied_to = factory.LazyAttribute(lambda o: o.reply_to)
    thread = factory.LazyAttribute(
        lambda o: (o.reply_to.thread or o.reply_to) if o.reply_to else None
    )
    depth = factory.LazyAttribute(lambda o: min(o.reply_to.depth + 1, 2) if o.reply_to else 0)


# --- Surveys (consultation.surveys) ---------------------------------------------------------

from consultation.surveys.models import Option, Question, Section, Survey  # noqa: E402


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    consultation = factory.SubFactory(ConsultationFactory)
    title = factory.Sequence(lambda n: f"Survey {n}")
    slug = factory.Sequence(lambda n: f"survey-{n}")
    published_at = factory.LazyFunction(timezone.now)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    survey = factory.SubFactory(SurveyFactory)
    title = factory.Sequence(lambda n: f"Section {n}")
    position = factory.Sequence(lambda n: n + 1)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    section = factory.SubFactory(SectionFactory)
    type = Question.Type.YES_NO
    text = factory.Sequence(lambda n: f"Question {n}?")
    position = factory.Sequence(lambda n: n + 1)


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Option

    question = factory.SubFactory(QuestionFactory)
    label = factory.Sequence(lambda n: f"Option {n}")
    position = factory.Sequence(lambda n: n + 1)


class StatementsActivityFactory(factory.django.DjangoModelFactory):
    """An open statements activity (its consultation open too)."""

    class Meta:
        model = "statements.StatementsActivity"

    consultation = factory.SubFactory(ConsultationFactory)
    introduction = "Should the Met have routine access to TfL's ANPR cameras?"
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class StatementFactory(factory.django.DjangoModelFactory):
    """A published statement written by staff."""

    class Meta:
        model = "statements.Statement"

    activity = factory.SubFactory(StatementsActivityFactory)
    author = factory.SubFactory(UserFactory)
    origin = "seed"
    text = factory.Sequence(lambda n: f"Statement number {n} about cameras")
    status = "published"
    published_at = factory.LazyFunction(timezone.now)
