"""Forms for participants and staff. Validation that matters lives in the services too."""

from django import forms
from django.conf import settings

from consultation.models import CommentReport, Consultation, ModerationAction
from consultation.selectors import QUEUES
from talklondon.date_input import GovukDateField, GovukDateTimeField
from talklondon.house_rules import HOUSE_RULE_CHOICES


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=settings.COMMENT_MAX_LENGTH,
        strip=True,
        help_text="Be civil and keep to the subject. Do not include personal information such as "
        "number plates, email addresses or phone numbers.",
        error_messages={
            "required": "Enter your comment.",
            "max_length": f"Your comment must be {settings.COMMENT_MAX_LENGTH:,} characters or fewer.",
        },
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you reporting this comment?",
        choices=CommentReport.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are reporting this comment."},
    )
    details = forms.CharField(
        label="Tell us more (required if you chose other)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == CommentReport.Reason.OTHER and not cleaned.get("details"):
            self.add_error("details", "Tell us what is wrong with this comment.")
        return cleaned


class ConsultationForm(forms.ModelForm):
    opens_at = GovukDateTimeField(label="Opens", help_text="For example, 11 2 2026")
    closes_at = GovukDateTimeField(label="Closes", help_text="For example, 8 4 2026")

    class Meta:
        model = Consultation
        fields = [
            "title",
            "slug",
            "summary",
            "organisation",
            "opens_at",
            "closes_at",
            "moderation_mode",
        ]
        labels = {"slug": "Web address", "moderation_mode": "Moderation"}
        help_texts = {"slug": "Lower-case letters, numbers and hyphens, for example anpr-2026."}
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "moderation_mode": forms.RadioSelect,
        }

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The closing time must be after the opening time.")
        return cleaned

    def validate_unique(self):
        # The service checks the slug and says so in words; skip the model's generic message.
        pass


class PageForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(
        label="Web address", max_length=100, help_text="For example how-anpr-works."
    )
    position = forms.IntegerField(
        label="Order", min_value=0, required=False, help_text="Pages are listed in this order."
    )
    body = forms.CharField(
        label="Text (Markdown)",
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text="Use ## for headings, * for bullet lists and [text](https://…) for links.",
    )
    comments_enabled = forms.BooleanField(label="Allow comments on this page", required=False)
    change_note = forms.CharField(
        label="What changed (shown to readers)",
        required=False,
        max_length=500,
        help_text="Required when you change the text after the consultation has opened.",
    )


class AttachmentForm(forms.Form):
    title = forms.CharField(max_length=200, label="Document title")
    file = forms.FileField(
        label="PDF file",
        help_text="A PDF of 10 MB or less.",
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={"required": "Select a PDF file."},
    )


class RejectForm(forms.Form):
    reason_code = forms.ChoiceField(
        label="Which house rule does it break?",
        choices=HOUSE_RULE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the house rule the comment breaks."},
    )
    note = forms.CharField(
        label="Note for the audit trail (optional)", required=False, max_length=1000
    )


class RedactForm(forms.Form):
    text = forms.CharField(
        label="Text with the personal data taken out",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=settings.COMMENT_MAX_LENGTH,
        help_text="Replace names, plates, addresses, emails or numbers with [removed].",
    )
    reason_code = forms.ChoiceField(
        label="House rule", choices=HOUSE_RULE_CHOICES, initial="2", widget=forms.Select
    )
    note = forms.CharField(
        label="Note for the audit trail (optional)", required=False, max_length=1000
    )


class ApproveForm(forms.Form):
    note = forms.CharField(
        label="Note for the audit trail (optional)", required=False, max_length=1000
    )


class BulkForm(forms.Form):
    comment = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    action = forms.ChoiceField(
        label="With the selected comments",
        choices=[("approve", "Approve"), ("reject", "Remove")],
    )
    reason_code = forms.ChoiceField(
        label="House rule (needed to remove)",
        choices=[("", "Choose a house rule"), *HOUSE_RULE_CHOICES],
        required=False,
    )

    def __init__(self, *args, comment_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].choices = [(pk, pk) for pk in comment_ids]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("comment"):
            raise forms.ValidationError("Select at least one comment.")
        if cleaned.get("action") == "reject" and not cleaned.get("reason_code"):
            self.add_error("reason_code", "Choose the house rule the selected comments break.")
        return cleaned


class BlockForm(forms.Form):
    reason = forms.CharField(
        label="Why are you blocking this person?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you are blocking this person."},
    )


class UnblockForm(forms.Form):
    reason = forms.CharField(label="Why are you lifting the block?", max_length=500)


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Action", choices=[("", "Any action"), *ModerationAction.Kind.choices], required=False
    )
    consultation = forms.ModelChoiceField(
        label="Consultation",
        queryset=Consultation.objects.order_by("-opens_at"),
        required=False,
        empty_label="Any consultation",
    )
    actor = forms.IntegerField(label="Moderator (user number)", required=False, min_value=1)
    subject_user = forms.IntegerField(
        label="Participant (user number)", required=False, min_value=1
    )
    date_from = GovukDateField(label="From", help_text="For example, 11 2 2026", required=False)
    date_to = GovukDateField(label="To", help_text="Included in the results", required=False)


class QueueForm(forms.Form):
    queue = forms.ChoiceField(choices=list(QUEUES.items()), required=False)
