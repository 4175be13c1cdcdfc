# The precomputed "feeds" are rankings: the model, its table and its column are renamed in place,
# so the rows (and the table's UNLOGGED setting on PostgreSQL) stay as they are.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0006_shared_counters'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='feedentry',
            name='articles_feedentry_one_position',
        ),
        migrations.RenameModel(old_name='FeedEntry', new_name='RankingEntry'),
        migrations.RenameField(model_name='rankingentry', old_name='feed', new_name='ranking'),
        migrations.AlterModelOptions(
            name='rankingentry',
            options={'verbose_name': 'место в рейтинге', 'verbose_name_plural': 'места в рейтингах'},
        ),
        migrations.AddConstraint(
            model_name='rankingentry',
            constraint=models.UniqueConstraint(fields=('ranking', 'period', 'position'), name='articles_rankingentry_one_position'),
        ),
    ]
