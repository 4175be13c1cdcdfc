"""Comment.answers_other, set for the replies already written; the month's index of visible
comments carries it instead of the parent, so "Обсуждаемое" needs no look-up of the parent."""

from django.conf import settings
from django.db import migrations, models


MARK_SQL = """
UPDATE discussions_comment SET answers_other = TRUE
WHERE parent_id IS NOT NULL AND author_id <> (
    SELECT p.author_id FROM discussions_comment p WHERE p.id = discussions_comment.parent_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0020_discussion_talk_counters"),
        ("discussions", "0008_talk_counters"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="comment",
            name="comment_recent_visible_idx",
        ),
        migrations.AddField(
            model_name="comment",
            name="answers_other",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="ответ другому участнику"
            ),
        ),
        migrations.RunSQL(MARK_SQL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("status", "visible")),
                fields=["created_at"],
                include=("article", "author", "answers_other"),
                name="comment_recent_visible_idx",
            ),
        ),
    ]
