"""ArticleDailyStats.article loses the index of its own: the unique (article, date) serves every
look-up by article, and each write of a day's row (every view flushed) updates one index less.
Only the index is dropped: Django's AlterField would drop and re-add the foreign key too, which
checks every row again under a lock that stops the flushes."""

from django.db import migrations, models

INDEX = "articles_articledailystats_article_id_7854db97"


class Migration(migrations.Migration):
    dependencies = [("articles", "0021_rankings_vacuumed_after_each_rebuild")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    f'CREATE INDEX {INDEX} ON "articles_articledailystats" ("article_id")',
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="articledailystats",
                    name="article",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="daily_stats",
                        to="articles.article",
                    ),
                )
            ],
        )
    ]
