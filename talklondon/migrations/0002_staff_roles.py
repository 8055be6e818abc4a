"""Create the MOPAC staff roles as groups holding exactly their permissions."""

from django.db import migrations

ROLE_PERMISSIONS = {
    "Moderator": ("moderate_comments", "block_users"),
    "Consultation manager": ("manage_consultations",),
    "Analyst": ("view_results", "export_anonymised"),
    "Personal-data exporter": ("export_identified",),
    "Statistics publisher": ("manage_releases",),
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Custom permissions are normally created after migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(
            content_type__app_label="talklondon", codename__in=codenames
        )
        group.permissions.set(perms)


def set_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    Site.objects.update_or_create(
        pk=1, defaults={"domain": "talk.london.gov.uk", "name": "Talk London"}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("talklondon", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(set_site, migrations.RunPython.noop),
    ]
