"""The export request form. The service validates again; this gives GOV.UK error messages."""

from django import forms

from consultation.analysis.exports import dataset_all, dataset_has_identified_variant
from consultation.analysis.exports.datasets import ExportFilters
from consultation.analysis.models import ExportRecord
from talklondon.areas import borough_choices

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
    date_from = forms.DateField(
        label="From date (optional)",
        help_text="For example, 11/02/2026",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter the from date as a real date, like 11/02/2026."},
    )
    date_to = forms.DateField(
        label="To date (optional)",
        help_text="For example, 08/04/2026. Both dates are included.",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter the to date as a real date, like 08/04/2026."},
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
            if len((data.get("purpose") or "").strip()) < 20:
                self.add_error(
                    "purpose", "Say why you need personal data, in at least 20 characters."
                )
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
