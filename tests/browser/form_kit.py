"""A test-only page holding one of every field the shared GOV.UK form tags render.

Used with `@pytest.mark.urls("tests.browser.form_kit")` so that the error-summary pattern,
labels and focus styles every feature relies on are checked in a real browser even before any
feature form exists. It extends the real base template and adds nothing of its own.
"""

from django import forms
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from talklondon.urls import handler404, handler500
from talklondon.urls import urlpatterns as site_urlpatterns

TEMPLATE = engines["django"].from_string(
    """{% extends "base.html" %}{% load govuk_forms %}
{% block title %}{% if form.errors %}Error: {% endif %}Form kit{% endblock %}
{% block content %}
<h1 class="govuk-heading-xl">Form kit</h1>
{% govuk_error_summary form %}
<form method="post" novalidate>
  {% csrf_token %}
  {% govuk_field form.name %}
  {% govuk_field form.comment %}
  {% govuk_field form.borough %}
  {% govuk_field form.travel %}
  {% govuk_field form.topics %}
  {% govuk_field form.agree %}
  <button type="submit" class="govuk-button" data-module="govuk-button">Continue</button>
</form>
{% endblock %}"""
)


class KitForm(forms.Form):
    name = forms.CharField(label="Your name", help_text="As others will see it.")
    comment = forms.CharField(label="Your comment", widget=forms.Textarea, max_length=500)
    borough = forms.ChoiceField(
        label="Borough", choices=[("", "Choose a borough"), ("E09000007", "Camden")]
    )
    travel = forms.ChoiceField(
        label="How do you usually travel?",
        widget=forms.RadioSelect,
        choices=[("car", "By car"), ("bus", "By bus")],
    )
    topics = forms.MultipleChoiceField(
        label="What interests you?",
        widget=forms.CheckboxSelectMultiple,
        choices=[("privacy", "Privacy"), ("crime", "Crime")],
    )
    agree = forms.BooleanField(label="I have read the house rules")


def form_kit(request):
    """Shows the form; a POST with mistakes shows it again with the error summary."""
    form = KitForm(request.POST or None)
    if request.method == "POST":
        form.is_valid()
    return HttpResponse(TEMPLATE.render({"form": form}, request))


urlpatterns = [path("__form-kit__/", form_kit, name="form_kit"), *site_urlpatterns]
__all__ = ["handler404", "handler500", "urlpatterns"]
