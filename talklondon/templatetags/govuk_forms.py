"""GOV.UK Frontend markup for Django forms: the error summary and one tag per field.

Usage:
    {% load govuk_forms %}
    {% govuk_error_summary form %}
    {% govuk_field form.email %}
    {% govuk_field form.body label_size="m" %}
"""

from django import forms, template

from talklondon.date_input import GovukDateWidget

register = template.Library()

_KIND_BY_WIDGET = [
    (GovukDateWidget, "date"),
    # CheckboxSelectMultiple subclasses RadioSelect, so it must be tested first.
    (forms.CheckboxSelectMultiple, "checkboxes"),
    (forms.RadioSelect, "radios"),
    (forms.CheckboxInput, "checkbox"),
    (forms.Select, "select"),
    (forms.Textarea, "textarea"),
    (forms.ClearableFileInput, "file"),
    (forms.FileInput, "file"),
    (forms.HiddenInput, "hidden"),
]


def field_kind(bound_field) -> str:
    widget = bound_field.field.widget
    for widget_class, kind in _KIND_BY_WIDGET:
        if isinstance(widget, widget_class):
            return kind
    return "input"


def field_anchor(bound_field) -> str:
    """The id the error summary links to: the first option for radios and checkboxes."""
    base = bound_field.id_for_label or f"id_{bound_field.html_name}"
    if field_kind(bound_field) == "date":
        return f"{bound_field.auto_id}_0"  # the day box
    if field_kind(bound_field) in {"radios", "checkboxes"} and not base.endswith("_0"):
        return f"{bound_field.auto_id}_0"
    return base


@register.inclusion_tag("forms/error_summary.html")
def govuk_error_summary(*forms_):
    errors = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        # GOV.UK: every message links to an answer; one about the whole form (a wrong
        # password, say) leads to its first field.
        first = next((bound for bound in form if not bound.is_hidden), None)
        href = f"#{field_anchor(first)}" if first is not None else ""
        for message in form.non_field_errors():
            errors.append({"href": href, "message": message})
        for name, field_errors in form.errors.items():
            if name == "__all__":
                continue
            bound = form[name]
            for message in field_errors:
                errors.append({"href": f"#{field_anchor(bound)}", "message": message})
    return {"errors": errors}


@register.inclusion_tag("forms/field.html")
def govuk_field(bound_field, label_size="s", label_is_heading=False, width=""):
    kind = field_kind(bound_field)
    widget = bound_field.field.widget
    max_length = getattr(bound_field.field, "max_length", None)
    value = bound_field.value()
    if isinstance(widget, forms.PasswordInput) and not widget.render_value:
        value = None  # never echo a password back into the page
    if kind == "checkboxes":
        selected = {str(v) for v in (value or [])}
    elif kind == "radios":
        selected = {str(value)} if value not in (None, "") else set()
    else:
        selected = set()
    options = []
    if kind in {"radios", "checkboxes", "select"}:
        for index, (option_value, option_label) in enumerate(bound_field.field.choices):
            option_value = "" if option_value is None else str(option_value)
            options.append(
                {
                    "value": option_value,
                    "label": option_label,
                    "id": f"{bound_field.auto_id}_{index}",
                    "checked": option_value in selected,
                    "selected": option_value == ("" if value is None else str(value)),
                }
            )
    date_parts = []
    time_part = None
    if kind == "date":
        parts = list(value if isinstance(value, list | tuple) else widget.decompress(value))
        if len(parts) == 4:  # a date and a time
            time_part = {
                "id": f"{bound_field.auto_id}_3",
                "name": f"{bound_field.html_name}_3",
                "value": parts.pop() or "",
            }
        for index, ((part, longest), part_value) in enumerate(
            zip((("Day", 2), ("Month", 2), ("Year", 4)), parts, strict=True)
        ):
            date_parts.append(
                {
                    "label": part,
                    "id": f"{bound_field.auto_id}_{index}",
                    "name": f"{bound_field.html_name}_{index}",
                    "value": "" if part_value is None else part_value,
                    "width": longest,
                }
            )
    input_type = getattr(widget, "input_type", "text")
    return {
        "field": bound_field,
        "kind": kind,
        "input_type": input_type,
        "options": options,
        "errors": bound_field.errors,
        "id": bound_field.id_for_label or bound_field.auto_id,
        "name": bound_field.html_name,
        "label": bound_field.label,
        "help_text": bound_field.help_text,
        "value": "" if value is None else value,
        "required": bound_field.field.required,
        "max_length": max_length if kind == "textarea" else None,
        "attrs": widget.attrs,
        "label_size": label_size,
        "label_is_heading": label_is_heading,
        "width": width,
        "checked": bool(value) if kind == "checkbox" else False,
        "date_parts": date_parts,
        "time_part": time_part,
    }
