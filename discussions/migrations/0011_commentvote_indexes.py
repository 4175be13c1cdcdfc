"""A comment vote's member needs no index of their own (the unique (user, comment) one and
(user, article) lead with them); its article is not looked up on a deletion (the votes go with
the article's comments)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0022_daily_stats_one_index_by_article"),
        ("discussions", "0010_commentvote_article"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
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
    ]
