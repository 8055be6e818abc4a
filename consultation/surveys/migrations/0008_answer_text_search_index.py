"""A GIN index over the full-text search document of answers' text, on PostgreSQL.

The analysts' search of an open question's answers (consultation/analysis/text/search.py)
filters with `to_tsvector('english', COALESCE(text, '')) @@ websearch_to_tsquery(...)`: without
an index PostgreSQL builds that document for every answer of the question on every search
(503 ms at 100,000 responses). The index is on exactly that expression, so the planner uses it.
SQLite (development and tests) searches with LIKE and has no such index.
"""

from django.db import migrations

INDEX = "surveys_answer_text_search"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON surveys_answer "
        "USING gin (to_tsvector('english'::regconfig, COALESCE(text, ''::text)))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("surveys", "0007_response_results_email")]

    operations = [migrations.RunPython(create, drop)]
