"""Quarantined findings kept bare SHA-256 digests of plates, which anyone can reverse by trying
every plate. They are dropped here; new findings carry keyed digests (talklondon.digests)."""

from django.db import migrations


def drop_bare_digests(apps, schema_editor):
    QuarantinedBatch = apps.get_model("anpr_info", "QuarantinedBatch")
    for batch in QuarantinedBatch.objects.iterator():
        findings = batch.findings or []
        if any(isinstance(f, dict) and "sha256" in f for f in findings):
            batch.findings = [
                {k: v for k, v in f.items() if k != "sha256"} if isinstance(f, dict) else f
                for f in findings
            ]
            batch.save(update_fields=["findings"])


class Migration(migrations.Migration):
    dependencies = [("anpr_info", "0001_initial")]

    operations = [migrations.RunPython(drop_bare_digests, migrations.RunPython.noop)]
