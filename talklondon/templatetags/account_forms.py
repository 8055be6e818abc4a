"""GOV.UK fields for account forms, never echoing a password back into the page.

`{% govuk_field %}` re-renders every submitted value, which is right for text but wrong for
password inputs (Django's PasswordInput does not render values either). These tags wrap it.

Usage:
    {% load account_forms %}
    {% govuk_fields form %}            every field of the form, in order
    {% govuk_field_safe form.password %}
"""

from django import forms, template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from talklondon.templatetags.govuk_forms import govuk_field

register = template.Library()


def _context(bound_field, **options) -> dict:
    context = govuk_field(bound_field, **options)
    widget = bound_field.field.widget
    if isinstance(widget, forms.PasswordInput) and not widget.render_value:
        context["value"] = ""
    return context


@register.simple_tag
def govuk_field_safe(bound_field, **options):
    return render_to_string("forms/field.html", _context(bound_field, **options))


@register.simple_tag
def govuk_fields(form, **options):
    return mark_safe(  # noqa: S308 - each part is rendered by an autoescaping template
        "".join(render_to_string("forms/field.html", _context(f, **options)) for f in form)
    )
