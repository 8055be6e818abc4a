"""Forms: the respondent's question pages, staff entry, and the survey builder."""

from __future__ import annotations

from django import forms

from consultation.models import Consultation
from consultation.surveys.answers import (
    OTHER_TEXT_LIMIT,
    SCALE_CHOICES,
    Structure,
    answer_clean,
    answer_parse,
    answer_problems,
    condition_holds,
    field_name,
    rank_field,
    statement_field,
    visibility,
)
from consultation.surveys.models import Condition, Question, Response, Survey
from talklondon.areas import borough_choices

Type = Question.Type


class LooseChoiceField(forms.ChoiceField):
    """Renders choices but leaves every judgement to the survey's answer rules."""

    def validate(self, value):
        pass


class LooseMultipleChoiceField(forms.MultipleChoiceField):
    def validate(self, value):
        pass


def _text_field(label, help_text, *, max_length=None, textarea=False, attrs=None):
    field = forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=max_length,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}) if textarea else forms.TextInput(attrs=attrs),
    )
    # The limit is shown (character count); the answer rules enforce it with a clear message.
    field.validators = []
    return field


def value_to_data(structure: Structure, question: Question, value: dict | None) -> dict:
    """A stored answer value as form data, so a page shows what was saved."""
    if not value:
        return {}
    qid = question.pk
    name = field_name(qid)
    t = question.type
    if t == Type.SINGLE_CHOICE:
        return {name: str(value["option"]), field_name(qid, "other"): value.get("text", "")}
    if t == Type.MULTIPLE_CHOICE:
        return {name: [str(o) for o in value["options"]]}
    if t == Type.AGREEMENT:
        return {name: str(value["scale"])}
    if t == Type.MATRIX:
        return {statement_field(qid, o): str(s) for o, s in value["scales"]}
    if t == Type.RANKING:
        return {rank_field(qid, o): str(r) for o, r in value["ranks"]}
    if t == Type.NUMBER:
        return {name: str(value["number"])}
    if t == Type.YES_NO:
        return {name: "yes" if value["boolean"] else "no"}
    if t == Type.ORGANISATION:
        return {
            name: "organisation" if value["boolean"] else "individual",
            field_name(qid, "name"): value.get("text", ""),
            field_name(qid, "role"): value.get("detail", ""),
        }
    return {name: value["text"]}


def _condition_values(structure: Structure, condition: Condition) -> list[str]:
    """The input values that satisfy a condition, for showing and hiding in the browser."""
    if condition.boolean_value is not None:
        depends_on = structure.question(condition.depends_on_id)
        if depends_on and depends_on.type == Type.ORGANISATION:
            return ["organisation" if condition.boolean_value else "individual"]
        return ["yes" if condition.boolean_value else "no"]
    return [str(o) for o in sorted(structure.condition_options.get(condition.pk, ()))]


def condition_description(structure: Structure, condition: Condition) -> str:
    depends_on = structure.question(condition.depends_on_id)
    if condition.boolean_value is not None:
        if depends_on and depends_on.type == Type.ORGANISATION:
            answer = "on behalf of an organisation" if condition.boolean_value else "individual"
        else:
            answer = "Yes" if condition.boolean_value else "No"
    else:
        answer = " or ".join(
            f"‘{structure.option_label(o)}’"
            for o in sorted(structure.condition_options.get(condition.pk, ()))
        )
    return (
        f"Answer this only if you answered {answer} to ‘{depends_on.text if depends_on else ''}’."
    )


def _field_copy(template: forms.Field) -> forms.Field:
    """A field of its own for one form: what rendering and validation change (the widget and
    its attributes, messages, validators) is copied; the choices, which nothing changes, are
    shared. Django's deepcopy of declared fields also copies every choice, which for a survey
    costs as much as building the fields."""
    field = _shallow_copy(template)
    field.widget = _shallow_copy(template.widget)
    field.widget.attrs = dict(template.widget.attrs)
    field.error_messages = dict(template.error_messages)
    field.validators = list(template.validators)
    return field


def _shallow_copy(instance):
    """What `copy.copy` makes of a form field or widget (a new instance sharing the original's
    attribute values), without the pickle protocol it goes through for classes that define no
    `__copy__` (`__reduce_ex__`, `copyreg.__newobj__`, then setting the state), where about 7%
    of gunicorn's CPU went on a one-page survey's POSTs. Fields and widgets have no
    `__slots__`."""
    copied = object.__new__(type(instance))
    copied.__dict__.update(instance.__dict__)
    return copied


def question_fields(structure: Structure, question: Question) -> dict[str, forms.Field]:
    """The form fields of one question, by field name."""
    qid = question.pk
    name = field_name(qid)
    label = question.text if question.required else f"{question.text} (optional)"
    hint = question.hint
    options = structure.options_by_question.get(qid, [])
    t = question.type
    f: dict[str, forms.Field] = {}
    if t == Type.SINGLE_CHOICE:
        f[name] = LooseChoiceField(
            label=label,
            help_text=hint,
            required=False,
            choices=[(str(o.pk), o.label) for o in options],
            widget=forms.RadioSelect,
        )
        if any(o.is_other for o in options):
            f[field_name(qid, "other")] = _text_field(
                "Please specify", "", attrs={"maxlength": OTHER_TEXT_LIMIT}
            )
    elif t == Type.MULTIPLE_CHOICE:
        f[name] = LooseMultipleChoiceField(
            label=label,
            help_text=hint,
            required=False,
            choices=[(str(o.pk), o.label) for o in options],
            widget=forms.CheckboxSelectMultiple,
        )
    elif t == Type.AGREEMENT:
        f[name] = LooseChoiceField(
            label=label,
            help_text=hint,
            required=False,
            choices=[(str(v), text) for v, text in SCALE_CHOICES],
            widget=forms.RadioSelect,
        )
    elif t == Type.MATRIX:
        for option in options:
            f[statement_field(qid, option.pk)] = LooseChoiceField(
                label=option.label,
                required=False,
                choices=[(str(v), text) for v, text in SCALE_CHOICES],
                widget=forms.RadioSelect,
            )
    elif t == Type.RANKING:
        ranks = [("", "Not ranked")] + [(str(i), str(i)) for i in range(1, len(options) + 1)]
        for option in options:
            f[rank_field(qid, option.pk)] = LooseChoiceField(
                label=option.label, required=False, choices=ranks, widget=forms.Select
            )
    elif t == Type.LONG_TEXT:
        f[name] = _text_field(label, hint, max_length=question.text_limit, textarea=True)
    elif t == Type.NUMBER:
        f[name] = _text_field(label, hint, attrs={"inputmode": "numeric", "spellcheck": "false"})
    elif t == Type.YES_NO:
        f[name] = LooseChoiceField(
            label=label,
            help_text=hint,
            required=False,
            choices=[("yes", "Yes"), ("no", "No")],
            widget=forms.RadioSelect,
        )
    elif t == Type.BOROUGH:
        f[name] = LooseChoiceField(
            label=label,
            help_text=hint,
            required=False,
            choices=[("", "Select a borough")] + borough_choices(),
            widget=forms.Select,
        )
    elif t == Type.POSTCODE_DISTRICT:
        f[name] = _text_field(
            label,
            hint or "The first part of your postcode, for example SW1A or E1",
            attrs={"spellcheck": "false", "autocomplete": "off"},
        )
    elif t == Type.ORGANISATION:
        f[name] = LooseChoiceField(
            label=label,
            help_text=hint,
            required=False,
            choices=[
                ("individual", "As an individual"),
                ("organisation", "On behalf of an organisation"),
            ],
            widget=forms.RadioSelect,
        )
        f[field_name(qid, "name")] = _text_field(
            "Name of the organisation", "", attrs={"autocomplete": "organization"}
        )
        f[field_name(qid, "role")] = _text_field(
            "Your role in the organisation", "", attrs={"autocomplete": "organization-title"}
        )
    else:  # short text
        f[name] = _text_field(label, hint, attrs={"maxlength": question.text_limit})
    return f


class AnswersForm(forms.Form):
    """The questions of one page (or, for staff entry, the whole survey).

    `context_answers` are the answers given elsewhere in the survey, used to decide which
    questions apply. Questions that depend on another question on the same page are shown
    with a note (JavaScript hides them in place); the server decides on submit.
    """

    def __init__(
        self,
        *args,
        structure: Structure,
        questions: list[Question],
        context_answers: dict | None = None,
        values: dict | None = None,
        enforce_required: bool = True,
        whole_survey: bool = False,
        **kwargs,
    ):
        self.structure = structure
        # On a one-page survey a section's condition shows or hides each of its questions.
        self.whole_survey = whole_survey
        self.context_answers = dict(context_answers or {})
        self.enforce_required = enforce_required
        values = values or {}
        initial = {}
        for question in questions:
            initial.update(value_to_data(structure, question, values.get(question.pk)))
        super().__init__(*args, initial=initial, **kwargs)
        self.blocks = self._blocks(questions, {**self.context_answers, **values})
        self.questions = [block["question"] for block in self.blocks]
        # Each question's fields are built once per structure (a survey's structure is reused
        # until it changes) and copied for each form: building choice fields anew cost a fifth
        # of a one-page survey's POST.
        built = self.structure.memo.setdefault("answer_fields", {})
        for question in self.questions:
            fields = built.get(question.pk)
            if fields is None:
                fields = built[question.pk] = question_fields(self.structure, question)
            for name, template in fields.items():
                self.fields[name] = _field_copy(template)
        self.answers: dict[int, dict | None] = {}

    def _blocks(self, questions: list[Question], answers: dict) -> list[dict]:
        blocks, on_page = [], set()
        page_ids = {q.pk for q in questions}
        for question in questions:
            condition = self.structure.question_conditions.get(question.pk)
            if condition is None and self.whole_survey:
                condition = self.structure.section_conditions.get(question.section_id)
            block = {"question": question, "condition": condition, "same_page": False}
            if condition is not None:
                if condition.depends_on_id in page_ids:
                    if condition.depends_on_id not in on_page:
                        continue  # its own question is hidden by an earlier page's answer
                    block["same_page"] = True
                    block["show_if_field"] = field_name(condition.depends_on_id)
                    block["show_if_values"] = " ".join(_condition_values(self.structure, condition))
                    block["condition_hint"] = condition_description(self.structure, condition)
                elif not condition_holds(self.structure, condition, answers):
                    continue
            on_page.add(question.pk)
            blocks.append(block)
        return blocks

    def clean(self):
        parsed: dict[int, dict | None] = {}
        problems: dict[int, list] = {}
        for question in self.questions:
            value, found = answer_parse(self.structure, question, self.data)
            parsed[question.pk] = value
            problems[question.pk] = found
        _, visible = visibility(self.structure, {**self.context_answers, **parsed})
        for question in self.questions:
            qid = question.pk
            if qid not in visible:
                self.answers[qid] = None  # hidden by an answer: discarded
                continue
            value = parsed[qid]
            found = problems[qid]
            if not found and (value or self.enforce_required):
                found = answer_problems(self.structure, question, value)
            for field, message in found:
                self.add_error(field if field in self.fields else None, message)
            self.answers[qid] = None if found else answer_clean(self.structure, question, value)
        return self.cleaned_data


# --- Staff entry of responses from other channels -------------------------------------------


class ResponseEntryForm(forms.Form):
    channel = forms.ChoiceField(
        label="How did the response reach us?",
        choices=[c for c in Response.Channel.choices if c[0] != Response.Channel.ONLINE],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the response reached us"},
    )
    channel_reference = forms.CharField(
        label="Reference (optional)",
        help_text="For example the letter's date, the event's name or the email's subject",
        required=False,
        max_length=100,
    )
    respondent_name = forms.CharField(
        label="Respondent's name (optional)",
        help_text="As written on the response. Used to spot likely duplicates.",
        required=False,
        max_length=200,
    )
    results_email = forms.EmailField(
        label="Email address for the results (optional)",
        help_text="Only if the person asked to hear about the results. We email them when the "
        "results are published or revised, and delete the address when they unsubscribe",
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    scan = forms.FileField(
        label="Scan of the response (optional)",
        help_text="A PDF, JPEG or PNG file, smaller than 10 MB",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    confirm_duplicate = forms.BooleanField(
        label="I have checked the likely duplicates and want to record this response",
        required=False,
    )


# --- Builder -------------------------------------------------------------------------------


class SurveyForm(forms.Form):
    consultation = forms.ModelChoiceField(
        queryset=Consultation.objects.order_by("-opens_at"),
        label="Consultation",
        empty_label="Select a consultation",
        error_messages={"required": "Select the consultation this survey belongs to"},
    )
    title = forms.CharField(
        max_length=200, error_messages={"required": "Enter a title for the survey"}
    )
    slug = forms.SlugField(
        label="Web address",
        help_text="Lower-case letters, numbers and hyphens, like anpr-survey",
        max_length=100,
        error_messages={
            "required": "Enter a web address",
            "invalid": "Use only lower-case letters, numbers and hyphens",
        },
    )
    intro = forms.CharField(
        label="Introduction (optional)",
        help_text="Shown on the start page. You can use Markdown.",
        required=False,
        widget=forms.Textarea,
    )
    opens_at = forms.DateTimeField(
        label="Opens (optional)",
        help_text="Leave empty to open with the consultation. Format: 2026-05-01 09:00",
        required=False,
    )
    closes_at = forms.DateTimeField(
        label="Closes (optional)",
        help_text="Leave empty to close with the consultation. Format: 2026-06-26 23:59",
        required=False,
    )
    layout = forms.ChoiceField(
        label="How people answer it",
        help_text="All questions on one page suits a short survey: people answer, check their "
        "answers and submit. Longer surveys read better one section per page.",
        choices=Survey.Layout.choices,
        initial=Survey.Layout.PAGES,
        widget=forms.RadioSelect,
        required=False,  # one page per section unless the manager chooses otherwise
    )

    def clean_layout(self) -> str:
        return self.cleaned_data.get("layout") or Survey.Layout.PAGES


class SectionForm(forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title"})
    intro = forms.CharField(label="Introduction (optional)", required=False, widget=forms.Textarea)


class QuestionForm(forms.Form):
    type = forms.ChoiceField(label="Type of question", choices=Question.Type.choices)
    text = forms.CharField(
        label="Question", max_length=300, error_messages={"required": "Enter the question"}
    )
    hint = forms.CharField(
        label="Hint (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(label="People must answer this question", required=False)
    min_picks = forms.IntegerField(
        label="Fewest options to pick (multiple choice)", required=False, min_value=1, max_value=50
    )
    max_picks = forms.IntegerField(
        label="Most options to pick (multiple choice)", required=False, min_value=1, max_value=50
    )
    char_limit = forms.IntegerField(
        label="Character limit (text)", required=False, min_value=1, max_value=10000
    )
    min_value = forms.IntegerField(
        label="Smallest number allowed (number)",
        required=False,
        min_value=-1_000_000_000,
        max_value=1_000_000_000,
    )
    max_value = forms.IntegerField(
        label="Largest number allowed (number)",
        required=False,
        min_value=-1_000_000_000,
        max_value=1_000_000_000,
    )


class OptionForm(forms.Form):
    label = forms.CharField(
        label="Option or statement", max_length=300, error_messages={"required": "Enter the option"}
    )
    is_other = forms.BooleanField(
        label="This is “Other, please specify” (asks people to describe it)", required=False
    )


class ConditionForm(forms.Form):
    """ "Show this when…": one checkbox per earlier answer that could trigger it."""

    show_when = forms.MultipleChoiceField(
        label="Show this only when the answer is",
        help_text="Choose answers to one earlier question. Any of them will show it.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one answer"},
    )

    def __init__(self, *args, structure: Structure, earlier: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for question in earlier:
            if question.type in Question.CONDITION_OPTION_TYPES:
                for option in structure.options_by_question.get(question.pk, []):
                    choices.append((f"o{option.pk}", f"‘{question.text}’ is ‘{option.label}’"))
            elif question.type == Type.YES_NO:
                choices.append((f"y{question.pk}", f"‘{question.text}’ is Yes"))
                choices.append((f"n{question.pk}", f"‘{question.text}’ is No"))
            elif question.type == Type.ORGANISATION:
                choices.append(
                    (f"y{question.pk}", f"‘{question.text}’ is on behalf of an organisation")
                )
                choices.append((f"n{question.pk}", f"‘{question.text}’ is as an individual"))
        self.fields["show_when"].choices = choices
        self.structure = structure

    def clean_show_when(self):
        """Turn the picked answers into (question, option ids, yes/no)."""
        picked = self.cleaned_data["show_when"]
        question_ids, option_ids, booleans = set(), [], set()
        for value in picked:
            kind, number = value[0], int(value[1:])
            if kind == "o":
                option_ids.append(number)
                question_ids.update(
                    qid
                    for qid, options in self.structure.options_by_question.items()
                    if any(o.pk == number for o in options)
                )
            else:
                question_ids.add(number)
                booleans.add(kind == "y")
        if len(question_ids) != 1 or (option_ids and booleans):
            raise forms.ValidationError("Choose answers to just one earlier question")
        if len(booleans) > 1:
            raise forms.ValidationError("Choose one answer for a yes or no question")
        return {
            "depends_on_id": question_ids.pop(),
            "option_ids": option_ids,
            "boolean_value": booleans.pop() if booleans else None,
        }
