"""Article.participants_count and replies_count counted once from the comments that exist; from
then on discussions.services.counters.count_comment keeps them."""

from django.db import migrations

COUNT_SQL = """
UPDATE articles_article SET
    participants_count = (
        SELECT COUNT(DISTINCT c.author_id) FROM discussions_comment c
        WHERE c.article_id = articles_article.id AND c.status = 'visible'
    ),
    replies_count = (
        SELECT COUNT(*) FROM discussions_comment c
        JOIN discussions_comment p ON p.id = c.parent_id
        WHERE c.article_id = articles_article.id AND c.status = 'visible'
          AND p.author_id <> c.author_id
    )
WHERE comments_count > 0
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0020_discussion_talk_counters"),
        ("discussions", "0007_follows"),
    ]

    operations = [migrations.RunSQL(COUNT_SQL, migrations.RunSQL.noop)]
