"""The personal-data inventory: every model field is classified, and every entry is sound.

When this fails for a field you added: declare it in your app's personal_data.py (the site app:
talklondon/personal_data_site.py), either as a
`Field(...)` (it can hold personal data: what, purpose, lawful basis, retention, erasure action
and the path to the person) or in a `NotPersonal(...)` entry with the reason.
"""

import pytest
from django.apps import apps
from django.conf import settings

from talklondon import personal_data

HOW_TO = (
    "Classify it in the owning app's personal_data.py (registered from its AppConfig.ready(); "
    "talklondon/personal_data_site.py for the site app and Django's and allauth's models):\n"
    "  personal data -> register_fields(Field({model!r}, {field!r}, what=..., purpose=..., "
    "basis=PUBLIC_TASK, retention=..., erasure=DELETE|BLANK|PSEUDONYMISE|SHRED|KEEP, "
    "person='<path to the User>' or None))\n"
    "  never personal -> register_not_personal(NotPersonal({model!r}, ({field!r},), "
    "'why it cannot hold personal data'))"
)


def _model_fields():
    for model in apps.get_models(include_auto_created=False):
        label = model._meta.label
        for field in [*model._meta.concrete_fields, *model._meta.local_many_to_many]:
            if field.primary_key and field.auto_created:
                continue  # a row number, never personal
            yield label, field.name


def _unclassified() -> list[str]:
    return [
        f"{model}.{field} is not classified.\n" + HOW_TO.format(model=model, field=field)
        for model, field in _model_fields()
        if personal_data.field_classification(model, field) is None
    ]


def test_every_model_field_is_classified():
    assert len(list(_model_fields())) > 200
    missing = _unclassified()
    assert not missing, "\n\n".join(missing)


def test_no_field_is_both_personal_and_not_personal():
    both = [
        item.label
        for item in personal_data.inventory()
        if item.label in personal_data.not_personal()
    ]
    assert not both, f"Declared both personal and not personal: {both}"


def test_every_inventory_entry_names_a_real_field_and_a_known_rule():
    fields = set(_model_fields())
    for item in personal_data.inventory():
        assert (item.model, item.field) in fields, f"{item.label} is not a model field"
        assert item.basis in personal_data.LAWFUL_BASES, item.label
        assert item.erasure in personal_data.ERASURE_ACTIONS, item.label
        assert item.what and item.purpose, item.label
        # Retention words read settings that exist.
        assert item.retention.described(), item.label
        if item.person:
            model = apps.get_model(item.model)
            target = model
            for step in item.person.split("__"):
                target = target._meta.get_field(step).related_model
            assert target is apps.get_model(settings.AUTH_USER_MODEL), item.label
    for label in personal_data.not_personal():
        model, field = label.rsplit(".", 1)
        assert (model, field) in fields, f"{label} is declared not personal but does not exist"


def test_the_check_names_a_field_nobody_classified(monkeypatch):
    monkeypatch.delitem(personal_data._fields, "surveys.Answer.text")
    (problem,) = _unclassified()
    assert problem.startswith("surveys.Answer.text is not classified.")
    assert "register_fields(Field('surveys.Answer', 'text'" in problem
    assert "NotPersonal('surveys.Answer', ('text',)" in problem


@pytest.mark.parametrize("action", sorted(personal_data.ERASURE_ACTIONS))
def test_erasure_actions_have_plain_words(action):
    assert personal_data.ERASURE_ACTIONS[action]
