"""The export request form. The service validates again; this gives GOV.UK error messages."""

from django import forms

from consultation.analysis.exports import dataset_all, dataset_has_identified_variant
from consultation.analysis.exports.datasets import ExportFilters
from consultation.analysis.models import ExportRecord
from consultation.analysis.purpose import purpose_problem
from talklondon.areas import borough_choices
from talklondon.date_input import GovukDateField

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%Y-%m-%d", "%d/%m/%y"]
KIND_ANONYMISED = "anonymised"
KIND_IDENTIFIED = "identified"
DRAFTS_FINAL = "final"
DRAFTS_ALL = "all"


class ExportRequestForm(forms.Form):
    dataset = forms.ChoiceField(
        label="Dataset",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a dataset.", "invalid_choice": "Choose a dataset."},
    )
    file_format = forms.ChoiceField(
        label="Format",
        choices=ExportRecord.Format.choices,
        initial=ExportRecord.Format.CSV,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a format.", "invalid_choice": "Choose a format."},
    )
    kind = forms.ChoiceField(
        label="Anonymised or identified",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose anonymised or identified.",
            "invalid_choice": "Choose anonymised or identified.",
        },
    )
    purpose = forms.CharField(
        label="Purpose (identified exports only)",
        help_text="Why you need personal data, and what you will do with it. This is recorded "
        "and written into the file's manifest.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    date_from = GovukDateField(
        label="From date (optional)",
        help_text="For example, 11 2 2026",
        required=False,
    )
    date_to = GovukDateField(
        label="To date (optional)",
        help_text="For example, 8 4 2026. Both dates are included.",
        required=False,
    )
    channel = forms.ChoiceField(
        label="Channel",
        required=False,
        error_messages={"invalid_choice": "Choose a channel from the list."},
    )
    borough = forms.ChoiceField(
        label="Borough",
        required=False,
        error_messages={"invalid_choice": "Choose a borough from the list."},
    )
    include_drafts = forms.ChoiceField(
        label="Responses to include",
        choices=[
            (DRAFTS_FINAL, "Final responses only"),
            (DRAFTS_ALL, "Include drafts (not yet submitted)"),
        ],
        initial=DRAFTS_FINAL,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose which responses to include."},
    )

    def __init__(self, *args, can_anonymised: bool, can_identified: bool, **kwargs):
        super().__init__(*args, **kwargs)
        datasets = dataset_all()
        self.datasets = {d.key: d for d in datasets}
        self.fields["dataset"].choices = [(d.key, d.title) for d in datasets]
        if len(datasets) == 1:
            self.fields["dataset"].initial = datasets[0].key
        kinds = []
        if can_anonymised:
            kinds.append((KIND_ANONYMISED, "Anonymised: no names, emails or account ids"))
        if can_identified:
            kinds.append(
                (KIND_IDENTIFIED, "Identified: includes personal data (a purpose is required)")
            )
        self.fields["kind"].choices = kinds
        self.fields["kind"].initial = kinds[0][0] if kinds else None
        channels = {}
        for dataset in datasets:
            channels.update(dict(dataset.channel_choices))
        self.fields["channel"].choices = [("", "All channels"), *channels.items()]
        self.fields["borough"].choices = [("", "All boroughs"), *borough_choices()]

    def clean(self):
        data = super().clean()
        dataset = self.datasets.get(data.get("dataset"))
        if data.get("kind") == KIND_IDENTIFIED:
            if dataset and not dataset_has_identified_variant(dataset.key):
                self.add_error("kind", "This dataset has no identified version. Choose anonymised.")
            problem = purpose_problem(data.get("purpose") or "")
            if problem:
                self.add_error("purpose", problem)
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "The to date must be the same as or after the from date.")
        return data

    def export_filters(self) -> ExportFilters:
        data = self.cleaned_data
        return ExportFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            channel=data.get("channel") or "",
            borough=data.get("borough") or "",
            include_drafts=data.get("include_drafts") == DRAFTS_ALL,
        )


class CrossTabForm(forms.Form):
    """Which choice question to cross-tabulate, and by what (a GET form)."""

    question = forms.ChoiceField(
        label="Question",
        error_messages={
            "required": "Choose a question to cross-tabulate.",
            "invalid_choice": "Choose a question from the list.",
        },
    )
    by = forms.ChoiceField(
        label="By",
        error_messages={
            "required": "Choose what to cross-tabulate by.",
            "invalid_choice": "Choose borough, channel or a question from the list.",
        },
    )

    def __init__(self, *args, questions, by_choices, numbers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [
            (str(q.pk), f"Q{numbers[q.pk]}. {q.text}") for q in questions
        ]
        self.fields["by"].choices = by_choices

    def clean(self):
        data = super().clean()
        if data.get("question") and data.get("by") == f"q{data['question']}":
            self.add_error("by", "Choose a different question to cross-tabulate by.")
        return data


class ThemeForm(forms.Form):
    """Add a theme to a question's codebook, or rename one."""

    name = forms.CharField(
        label="Theme name",
        max_length=120,
        error_messages={
            "required": "Enter a name for the theme.",
            "max_length": "The theme name must be 120 characters or fewer.",
        },
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SuggestionAcceptForm(forms.Form):
    """Accept a suggested theme, under its top terms or a better name."""

    name = forms.CharField(label="Theme name", max_length=120, required=False)
    terms = forms.CharField(max_length=2000, widget=forms.HiddenInput)
    label = forms.CharField(max_length=300, widget=forms.HiddenInput)

    def clean_terms(self):
        terms = [t.strip() for t in self.cleaned_data["terms"].split("|") if t.strip()]
        if not terms or len(terms) > 20 or any(len(t) > 80 for t in terms):
            raise forms.ValidationError("That suggestion could not be read. Try again.")
        return terms


class IdListField(forms.Field):
    """Several whole numbers from checkboxes of the same name (the service checks them)."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise forms.ValidationError("Select answers from the list.") from None


class TagForm(forms.Form):
    """Tag (or untag) the selected answers with one theme."""

    theme = forms.ChoiceField(
        label="Theme",
        error_messages={
            "required": "Choose a theme.",
            "invalid_choice": "Choose a theme from this question's codebook.",
        },
    )
    answers = IdListField(error_messages={"required": "Select at least one answer."})
    action = forms.ChoiceField(
        choices=[("add", "Tag"), ("remove", "Remove the tag")],
        initial="add",
        error_messages={"invalid_choice": "Choose to tag or to remove the tag."},
    )

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [(str(t.pk), t.name) for t in themes]


class ResultsPageForm(forms.Form):
    """The manager's text for the published results page (Markdown)."""

    summary = forms.CharField(
        label="Summary",
        help_text="A short introduction shown above the headline figures. Markdown allowed.",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    we_asked = forms.CharField(
        label="We asked",
        help_text="What the consultation asked, and why. Markdown allowed.",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter what we asked."},
    )
    you_said = forms.CharField(
        label="You said",
        help_text="What people told us. Link each statement to the figures or themes behind "
        "it, for example [see the figures](#question-2) or [themes](#themes-6). Markdown "
        "allowed.",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": "Enter what people said."},
    )
    we_did = forms.CharField(
        label="We did",
        help_text="What MOPAC decided and will do. Markdown allowed.",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter what MOPAC decided and will do."},
    )


class AnswerReviewForm(forms.Form):
    """An analyst's decision on an answer withheld because it may hold personal data."""

    decision = forms.ChoiceField(
        label="What should happen to this answer?",
        choices=[
            ("release", "It holds no personal information: show it as it is"),
            ("edit", "Show it with the personal information taken out (edit below)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what should happen to this answer."},
    )
    text = forms.CharField(
        label="The answer without the personal information",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
    )


class ResultsRevisionForm(forms.Form):
    """Why the published figures are being revised (shown to readers with the new version)."""

    reason = forms.CharField(
        label="Why are the figures changing?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: 14 paper responses posted before the close arrived late.",
    )
