"""CommentVote.article, the comment's article, filled for the votes already cast, and an index
by member and article: the article page finds a member's votes in its discussion through it
instead of going through every vote they ever cast. The member's own index goes: the unique
(user, comment) one and (user, article) lead with them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FILL_SQL = """
UPDATE discussions_commentvote SET article_id = (
    SELECT c.article_id FROM discussions_comment c WHERE c.id = discussions_commentvote.comment_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0022_daily_stats_one_index_by_article"),
        ("discussions", "0009_comment_answers_other"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="commentvote",
            name="article",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="articles.article",
                verbose_name="статья",
            ),
        ),
        migrations.RunSQL(FILL_SQL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="commentvote",
            name="article",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="articles.article",
                verbose_name="статья",
            ),
        ),
        migrations.AlterField(
            model_name="commentvote",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="comment_votes",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="commentvote",
            index=models.Index(fields=["user", "article"], name="commentvote_member_article_idx"),
        ),
    ]
