"""Run by test_view_buffer in separate processes: report views and print how many were accepted."""

import os
import sys

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from articles.models import Article  # noqa: E402
from articles.services import record_view  # noqa: E402

article_id, count, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
article = Article.objects.get(pk=article_id)
accepted = 0
for i in range(count):
    # every visitor twice: the second report inside 30 minutes must be refused
    for _ in range(2):
        accepted += record_view(
            article=article,
            visitor=f"{prefix}-{i}",
            address="198.51.100.31",
            user_agent="Mozilla/5.0",
        )
print(accepted)
