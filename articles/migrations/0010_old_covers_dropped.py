# Apart from 0008: on PostgreSQL a table cannot be altered in the transaction that just wrote
# rows with deferred foreign-key checks into it.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0009_covers_from_the_library"),
    ]

    operations = [
        migrations.RemoveField(model_name="article", name="old_cover"),
        migrations.AlterField(
            model_name="article",
            name="cover_alt",
            field=models.CharField(
                blank=True,
                help_text="Пусто: описание картинки из медиатеки.",
                max_length=200,
                verbose_name="описание обложки",
            ),
        ),
    ]
