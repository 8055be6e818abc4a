"""The audit trail keeps comment texts sealed with each person's key, never in clear.

Existing rows are sealed here (with the same scheme as talklondon.sealing) before the clear
columns are dropped. The live model refuses updates; migrations use a plain manager.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import migrations, models

SEALED_PREFIX = "sealed:v1:"


def _wrapping() -> Fernet:
    derived = hmac.new(
        settings.PERSONAL_DATA_KEY.encode(), b"person-key-wrapping", hashlib.sha256
    ).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal_existing(apps, schema_editor):
    ModerationAction = apps.get_model("consultation", "ModerationAction")
    PersonKey = apps.get_model("talklondon", "PersonKey")
    fernets: dict[int, Fernet] = {}

    def fernet_for(user_id: int) -> Fernet:
        if user_id not in fernets:
            row = PersonKey.objects.filter(user_id=user_id).first()
            if row is None:
                key = Fernet.generate_key()
                PersonKey.objects.create(user_id=user_id, wrapped_key=_wrapping().encrypt(key))
            else:
                key = _wrapping().decrypt(bytes(row.wrapped_key))
            fernets[user_id] = Fernet(key)
        return fernets[user_id]

    actions = ModerationAction.objects.exclude(before_text="", after_text="").select_related(
        "comment"
    )
    for action in actions.iterator():
        person = action.subject_user_id or (action.comment.author_id if action.comment else None)
        if person is None:
            continue
        fernet = fernet_for(person)
        sealed = {
            name: SEALED_PREFIX + fernet.encrypt(text.encode()).decode("ascii") if text else ""
            for name, text in (("before", action.before_text), ("after", action.after_text))
        }
        ModerationAction.objects.filter(pk=action.pk).update(
            before_sealed=sealed["before"], after_sealed=sealed["after"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0002_pages_comments_moderation"),
        ("talklondon", "0004_person_keys_for_sealing"),
    ]

    operations = [
        migrations.AddField(
            model_name="moderationaction",
            name="after_sealed",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="moderationaction",
            name="before_sealed",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.RemoveField(model_name="moderationaction", name="after_text"),
        migrations.RemoveField(model_name="moderationaction", name="before_text"),
    ]
