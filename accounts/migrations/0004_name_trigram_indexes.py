from django.db import migrations

# Search shows the authors whose name or username contains the query (icontains, which compares
# UPPER(...) LIKE): trigram indexes on those expressions keep it off a scan of every member.
# PostgreSQL only; pg_trgm comes with the articles' search migration.
NAMES = ("display_name", "username")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in NAMES:
        schema_editor.execute(
            f"CREATE INDEX user_{column}_trgm_idx ON accounts_user "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS user_{column}_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_one_line_display_names"),
        ("articles", "0012_search"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
