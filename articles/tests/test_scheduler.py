"""The rankings are rebuilt by the scheduler (`manage.py run_jobs`, or cron), never by a reader."""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.models import RankingEntry
from articles.ranking import rebuild_rankings
from articles.services import add_daily_stats

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE|REPLACE)\b", re.I)


@pytest.fixture
def ctrl_c_at_first_sleep(monkeypatch):
    def sleep(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr("articles.management.commands.run_jobs.time.sleep", sleep)


# run_jobs closes broken connections between jobs, as requests do: not inside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_run_jobs_runs_every_job_then_stops_on_ctrl_c(make_article, ctrl_c_at_first_sleep, capsys):
    article = make_article()
    add_daily_stats(article_id=article.pk, date=timezone.localdate(), views=7)
    call_command("run_jobs")
    out = capsys.readouterr().out
    assert "flushed 0 views" in out
    assert "rankings rebuilt" in out
    assert "analytics rebuilt" in out
    assert out.rstrip().endswith("stopped")
    assert RankingEntry.objects.filter(article=article).exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_does_not_stop_the_others(
    make_article, ctrl_c_at_first_sleep, monkeypatch, caplog
):
    article = make_article()

    def database_away():
        raise ConnectionError("database away")

    monkeypatch.setattr("articles.services.flush_views", database_away)
    monkeypatch.setattr("articles.management.commands.flush_views.flush_views", database_away)
    call_command("run_jobs")
    assert "scheduled job flush_views failed" in caplog.text
    assert RankingEntry.objects.filter(article=article).exists(), "rebuild_rankings still ran"


def test_a_readers_get_never_rebuilds_or_writes(client, make_article, make_user):
    old = make_article(title="Вчерашний лидер")
    add_daily_stats(article_id=old.pk, date=timezone.localdate(), views=50)
    rebuild_rankings()
    cache.clear()  # whatever marked the rankings as fresh has long expired
    ranked = list(RankingEntry.objects.values_list("id", "article_id"))
    new = make_article(title="Новый лидер")
    add_daily_stats(article_id=new.pk, date=timezone.localdate(), views=5000)
    member = make_user()
    pages = ["/", old.get_absolute_url(), "/trending/", "/discussed/?period=all", "/rss/"]
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    def writes_of_reading(pages):
        statements.clear()
        with connection.execute_wrapper(record):
            for page in pages:
                assert client.get(page).status_code == 200
        assert statements, "the pages were read from the database"
        return [sql for sql in statements if WRITE.match(sql)]

    assert writes_of_reading(pages) == []
    client.force_login(member)
    assert writes_of_reading(pages) == []
    assert list(RankingEntry.objects.values_list("id", "article_id")) == ranked


@pytest.mark.skipif(connection.vendor != "postgresql", reason="autovacuum is PostgreSQL's")
@pytest.mark.django_db
def test_autovacuum_clears_the_rankings_after_every_rebuild():
    # Each rebuild replaces every row; left unvacuumed, the next one's inserts wade through the
    # old rows' index entries and take twice as long.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'articles_rankingentry'")
        options = set(cursor.fetchone()[0] or [])
    assert {"autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=1000"} <= options
