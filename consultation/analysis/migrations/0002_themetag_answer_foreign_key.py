"""Turn ThemeTag.item_id (a plain Answer id) into a foreign key to surveys.Answer.

The column keeps its name (`item_id`), so no data moves: the field becomes a foreign key (which
adds the database constraint) and is then renamed to `answer` in Django's state only. Tags whose
answer no longer exists are removed first, as the constraint could not be added otherwise.
"""

import django.db.models.deletion
from django.db import migrations, models


def tags_without_answers_delete(apps, schema_editor):
    ThemeTag = apps.get_model("analysis", "ThemeTag")
    Answer = apps.get_model("surveys", "Answer")
    ThemeTag.objects.exclude(item_id__in=Answer.objects.values("pk")).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0001_initial"),
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(tags_without_answers_delete, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="themetag", name="theme_tag_once_per_item"),
        migrations.RemoveIndex(model_name="themetag", name="theme_tag_item_idx"),
        migrations.AlterField(
            model_name="themetag",
            name="item_id",
            field=models.ForeignKey(
                db_column="item_id",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="theme_tags",
                to="surveys.answer",
            ),
        ),
        migrations.RenameField(model_name="themetag", old_name="item_id", new_name="answer"),
        migrations.AddConstraint(
            model_name="themetag",
            constraint=models.UniqueConstraint(
                fields=("theme", "answer"), name="theme_tag_once_per_answer"
            ),
        ),
    ]
