"""Each rankings rebuild replaces every row of RankingEntry: autovacuum clears the old rows
after every rebuild (not only once a fifth of the table is dead, which it is anyway), so the next
rebuild's inserts do not wade through the previous rebuild's index entries."""

from django.db import migrations


def vacuum_after_each_rebuild(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE articles_rankingentry SET (autovacuum_vacuum_scale_factor = 0, "
            "autovacuum_vacuum_threshold = 1000)"
        )


def default_vacuum(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE articles_rankingentry RESET (autovacuum_vacuum_scale_factor, "
            "autovacuum_vacuum_threshold)"
        )


class Migration(migrations.Migration):
    dependencies = [("articles", "0020_discussion_talk_counters")]

    operations = [migrations.RunPython(vacuum_after_each_rebuild, default_vacuum)]
