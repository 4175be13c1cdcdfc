"""Writes of the articles app: view counting, daily statistics, publishing (the rankings are
rebuilt in articles/ranking.py)."""

import datetime
import os
import re
import secrets
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import redis
import reversion
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config import cache_keys

from . import counters, ranking, revisions, search_index
from .caching import bump_content_generation, bump_search_generation
from .local_copies import LocalCopies
from .models import (
    Article,
    ArticleDailyStats,
    ArticleReferrerDaily,
    FlushedBatch,
    Tag,
    TaggedArticle,
)
from .referrers import DIRECT, Referrer

# Crawlers, link previewers and headless browsers. They rarely run the page's script, but some do,
# and a headless browser is how a script would fake readers. Lowercase, matched against the
# lowercased agent: ten times faster than re.IGNORECASE, on every view report.
BOT_RE = re.compile(
    r"bot|crawl|spider|slurp|facebookexternalhit|embedly|preview|headless|"
    r"curl|wget|python-requests|httpclient|go-http|okhttp|java/|libwww|scrapy|lighthouse"
)

# Visitor ids are signed with a salt of their own, so no other signed value of the site passes.
VISITOR_SALT = "articles.visitor-id"
VISITOR_ID_MAX_LENGTH = 100
DAY_SECONDS = 24 * 60 * 60
HOUR_SECONDS = 60 * 60
# Suffixes of the pending hash's fields (see _field).
ENGAGED = "read"
REFERRED = "from"
_redis_client = None
# Each worker's copies of the view targets of the articles being read: a report then costs one
# round trip to Redis (the claim). A takedown drops them; a publication waits this long at most
# in the other workers (this one forgets its copy at once).
view_targets = LocalCopies(entries=4096, seconds=5)


def is_bot(user_agent: str) -> bool:
    """True for empty user agents and known crawlers."""
    return not user_agent or bool(BOT_RE.search(user_agent.lower()))


def _this_hour() -> int:
    return int(time.time() // HOUR_SECONDS)


def issue_visitor_id(*, address: str) -> str | None:
    """A new signed visitor id, or None when this address was handed
    VISITOR_IDS_PER_ADDRESS_PER_HOUR of them this hour already."""
    name = cache_keys.visitor_ids(address, _this_hour())
    limit = settings.VISITOR_IDS_PER_ADDRESS_PER_HOUR
    try:
        allowed = counters.within_limit(view_buffer(), name, limit, 2 * HOUR_SECONDS)
    except redis.RedisError:  # Redis is down: the database counts meanwhile
        allowed = counters.within_limit(None, name, limit, 2 * HOUR_SECONDS)
    if not allowed:
        return None
    return signing.Signer(salt=VISITOR_SALT).sign(secrets.token_urlsafe(16))


def verified_visitor(visitor_id: str) -> str | None:
    """The visitor behind an id this site issued and signed; None for a made-up or altered one."""
    if not visitor_id or len(visitor_id) > VISITOR_ID_MAX_LENGTH:
        return None
    try:
        return signing.Signer(salt=VISITOR_SALT).unsign(visitor_id)
    except signing.BadSignature:
        return None


def add_daily_stats(
    *,
    article_id: int,
    date: datetime.date,
    views: int = 0,
    engaged_reads: int = 0,
    comments: int = 0,
    votes: int = 0,
) -> None:
    """Add to one article's row for one day, creating it; a single atomic upsert."""
    table = ArticleDailyStats._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608
            "(article_id, date, views, engaged_reads, comments, votes) "
            "VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (article_id, date) DO UPDATE SET "
            f"views = {table}.views + EXCLUDED.views, "
            f"engaged_reads = {table}.engaged_reads + EXCLUDED.engaged_reads, "
            f"comments = {table}.comments + EXCLUDED.comments, "
            f"votes = {table}.votes + EXCLUDED.votes",
            [article_id, date, views, engaged_reads, comments, votes],
        )


def add_referrer_visits(
    *, article_id: int, date: datetime.date, kind: str, host: str, count: int = 1
) -> None:
    """Add `count` visits from one source host to one article's day, creating the row; a single
    atomic upsert; `host` is a bare lowercased host (empty for direct visits), cut to length."""
    table = ArticleReferrerDaily._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (article_id, date, kind, host, count) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (article_id, date, kind, host) DO UPDATE SET "
            f"count = {table}.count + EXCLUDED.count",
            [article_id, date, kind, host[: ArticleReferrerDaily.HOST_MAX_LENGTH], count],
        )


def view_target(article_id: int) -> Article | None:
    """The few fields a view report needs, from this worker's copy or the cache: the endpoint
    then skips the database, and mostly Redis too.

    Its count and status may be a minute old, as on the cached pages themselves; a takedown
    (an article withdrawn) drops the workers' copies at once.
    """
    key = cache_keys.view_target(article_id)

    def from_the_cache() -> Article | bool:
        fields = cache.get_or_set(
            key,
            lambda: (
                Article.objects.filter(pk=article_id)
                .values("id", "author_id", "status", "published_at", "views_count")
                .first()
                or {}
            ),
            cache_keys.VIEW_TARGET_SECONDS,
        )
        return Article(**fields) if fields else False  # False: no such article, kept too

    article = view_targets.get_or_put(key, from_the_cache)
    return article or None


def record_view(
    *,
    article: Article,
    visitor: str,
    address: str,
    user: AbstractBaseUser | AnonymousUser | None = None,
    user_agent: str = "",
    referrer: Referrer = DIRECT,
) -> bool:
    """Count one view of a public article by a verified visitor, and where it came from; True
    when counted.

    Not counted: bots, the author, the same visitor again within VIEW_DEDUP_SECONDS, and anything
    past the caps of the address (VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY and _PER_HOUR).
    With the Redis buffer the whole decision is one script there and the view waits for
    flush_views(); without it, or while Redis does not answer, the same decision and the counters
    (F() on the article, the day's statistics rows) are one database transaction.
    """
    if not _countable(article=article, user=user, user_agent=user_agent):
        return False
    today = timezone.localdate()
    return _claim(
        seen=cache_keys.view_seen(article.pk, visitor),
        caps=_caps(
            day=cache_keys.view_cap_day(address, article.pk, today),
            hour=cache_keys.view_cap_hour(address, _this_hour()),
        ),
        fields=[
            _field(article.pk, today),
            _field(article.pk, today, REFERRED, referrer.kind, referrer.host),
        ],
    )


def record_engaged_read(
    *,
    article: Article,
    visitor: str,
    address: str,
    user: AbstractBaseUser | AnonymousUser | None = None,
    user_agent: str = "",
) -> bool:
    """Count one engaged read (the page kept visible 30 s and read past 3/4 of it, as the page's
    script reports) under the rules of a view, with caps of its own; True when counted."""
    if not _countable(article=article, user=user, user_agent=user_agent):
        return False
    today = timezone.localdate()
    return _claim(
        seen=cache_keys.read_seen(article.pk, visitor),
        caps=_caps(
            day=cache_keys.read_cap_day(address, article.pk, today),
            hour=cache_keys.read_cap_hour(address, _this_hour()),
        ),
        fields=[_field(article.pk, today, ENGAGED)],
    )


def _countable(
    *, article: Article, user: AbstractBaseUser | AnonymousUser | None, user_agent: str
) -> bool:
    """False for bots, articles readers cannot see and the article's own author."""
    if is_bot(user_agent) or not article.is_public:
        return False
    return not (user is not None and user.is_authenticated and user.pk == article.author_id)


def _claim(*, seen: str, caps: list[tuple[str, int, int]], fields: list[str]) -> bool:
    """Add one to each pending field unless `seen` is marked or a cap is reached: in the Redis
    buffer, else (or while it does not answer) straight into the database, in one transaction."""
    if settings.VIEW_BUFFER:
        try:  # (the client connects when it is made)
            return counters.claim_view_in_redis(
                view_buffer(),
                seen=seen,
                caps=caps,
                pending=cache_keys.pending_views(),
                fields=fields,
                seen_seconds=settings.VIEW_DEDUP_SECONDS,
            )
        except redis.RedisError:
            pass  # Redis is down: the view is counted straight into the database
    with transaction.atomic():
        if not counters.claim_view_in_database(
            seen=seen, caps=caps, seen_seconds=settings.VIEW_DEDUP_SECONDS
        ):
            transaction.set_rollback(True)
            return False
        _apply_views({name.encode(): 1 for name in fields})
    return True


def _caps(*, day: str, hour: str) -> list[tuple[str, int, int]]:
    """The caps of an address: (key, limit, seconds the key lives) for the article's day and the
    hour."""
    return [
        (day, settings.VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY, 2 * DAY_SECONDS),
        (hour, settings.VIEWS_PER_ADDRESS_PER_HOUR, 2 * HOUR_SECONDS),
    ]


def _field(article_id: int, day: datetime.date, *tail: str) -> str:
    """A field of the pending hash: "article:day" counts views; ENGAGED after it, engaged reads;
    REFERRED, kind and host, where views came from (hosts hold no colon)."""
    return ":".join([str(article_id), day.isoformat(), *tail])


def _forget_view_targets(ids: list[int]) -> None:
    """Drop the cached view targets now and after the commit, so views follow the new status at
    once (a report in between would cache the old one)."""
    keys = [cache_keys.view_target(pk) for pk in ids]
    view_targets.clear()
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def _withdraw(ids: list[int]) -> None:
    """Take these articles off the rankings and off every cached page, at once."""
    ranking.withdraw(ids)
    _forget_view_targets(ids)
    bump_content_generation()
    bump_search_generation()


def publish(*, articles: Iterable[Article], editor: AbstractBaseUser | None = None) -> int:
    """Publish drafts now (keeping a date already set), each with a revision; returns how many
    changed."""
    now = timezone.now()
    changed = []
    with transaction.atomic():
        for article in articles:
            if article.status != Article.Status.PUBLISHED:
                article.status = Article.Status.PUBLISHED
                article.published_at = article.published_at or now
                with reversion.create_revision(atomic=False):
                    article.save()
                    revisions.describe_revision(
                        before=None, article=article, editor=editor, comment=_("Опубликована")
                    )
                changed.append(article.pk)
        _forget_view_targets(changed)  # views count from now, not in a minute
        if changed:
            bump_search_generation()  # found at once
    return len(changed)


def unpublish(*, articles: Iterable[Article]) -> int:
    """Turn articles back into drafts, off the rankings and every cached page; returns how many."""
    ids = [a.pk for a in articles if a.status == Article.Status.PUBLISHED]
    with transaction.atomic():
        Article.objects.filter(pk__in=ids).update(status=Article.Status.DRAFT)
        _withdraw(ids)
    return len(ids)


def save_article(
    *, article: Article, editor: AbstractBaseUser | None = None, comment: str = ""
) -> None:
    """Save an editor's changes and the search document they make; an article that stops being
    public (a draft again, or a publish date moved ahead) leaves the rankings and every cached
    page at once. Every save keeps a revision (articles/revisions.py): who, when, what changed;
    a new title, lead or text of a published article shows readers "обновлено"."""
    with transaction.atomic():
        before = revisions.state_before_save(article)
        was_public = (
            article.pk is not None and Article.objects.published().filter(pk=article.pk).exists()
        )
        if was_public and revisions.content_changed(before, article):
            article.content_updated_at = timezone.now()
        with reversion.create_revision(atomic=False):
            article.save()
            revisions.describe_revision(
                before=before, article=article, editor=editor, comment=comment
            )
        search_index.index_articles(article_ids=[article.pk])
        if was_public and not article.is_public:
            _withdraw([article.pk])
        elif article.is_public and not was_public:
            _forget_view_targets([article.pk])


def delete_articles(*, articles: Iterable[Article]) -> int:
    """Delete articles with their comments, votes and statistics, off every cached page at once;
    returns how many."""
    ids = [a.pk for a in articles]
    with transaction.atomic():
        _withdraw(ids)
        deleted = Article.objects.filter(pk__in=ids).delete()[1].get(Article._meta.label, 0)
    return deleted


def save_tag(*, tag: Tag) -> None:
    """Save a tag; the articles it is on are found by its new name at once."""
    with transaction.atomic():
        tag.save()
        search_index.index_tagged_articles(tag_ids=[tag.pk])


def delete_tags(*, tags: Iterable[Tag]) -> None:
    """Delete tags; the articles they were on are no longer found by their names."""
    ids = [tag.pk for tag in tags]
    with transaction.atomic():
        article_ids = set(
            TaggedArticle.objects.filter(tag_id__in=ids).values_list("content_object_id", flat=True)
        )
        Tag.objects.filter(pk__in=ids).delete()
        search_index.index_articles(article_ids=article_ids)


def view_buffer() -> redis.Redis | None:
    """The Redis client holding buffered views, or None when views are written at once."""
    global _redis_client
    if not settings.VIEW_BUFFER:
        return None
    if _redis_client is None:
        # Short timeouts: while Redis does not answer, views go to the database instead. One
        # connection kept for the client, as the cache's (config/cache.py), made anew after a fork.
        _redis_client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
            socket_timeout=settings.REDIS_TIMEOUT,
            single_connection_client=True,
        )
    return _redis_client


def _forget_redis_client() -> None:
    global _redis_client
    _redis_client = None


os.register_at_fork(after_in_child=_forget_redis_client)


@dataclass
class _DayTally:
    views: int = 0
    engaged_reads: int = 0
    referrers: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))


def _tally(counts: dict) -> dict[tuple[int, datetime.date], _DayTally]:
    """The pending hash's fields (see _field) summed per article and day."""
    days: dict[tuple[int, datetime.date], _DayTally] = defaultdict(_DayTally)
    for key, value in counts.items():
        article_id, day, *tail = key.decode().split(":", 4)
        tally = days[(int(article_id), datetime.date.fromisoformat(day))]
        if not tail:
            tally.views += int(value)
        elif tail == [ENGAGED]:
            tally.engaged_reads += int(value)
        elif tail[0] == REFERRED and len(tail) == 3:  # REFERRED, kind, host
            tally.referrers[(tail[1], tail[2])] += int(value)
    return days


def _apply_views(counts: dict) -> int:
    """Add one batch's views, engaged reads and referrers to the counters of the articles that
    still exist; returns how many views.

    The articles are locked first, so none can vanish before the transaction commits; the views
    of one deleted meanwhile have nothing left to count and are skipped, not the whole batch.
    """
    days = _tally(counts)
    existing = set(
        Article.objects.select_for_update()
        .filter(pk__in={article_id for article_id, _ in days})
        .order_by("pk")  # two flushes lock in the same order: no deadlock
        .values_list("pk", flat=True)
    )
    applied = 0
    for (article_id, day), tally in sorted(days.items(), key=lambda item: item[0]):
        if article_id not in existing:
            continue
        if tally.views:
            Article.objects.filter(pk=article_id).update(views_count=F("views_count") + tally.views)
        if tally.views or tally.engaged_reads:
            add_daily_stats(
                article_id=article_id,
                date=day,
                views=tally.views,
                engaged_reads=tally.engaged_reads,
            )
        for (kind, host), count in sorted(tally.referrers.items()):
            add_referrer_visits(article_id=article_id, date=day, kind=kind, host=host, count=count)
        applied += tally.views
    return applied


def flush_views() -> int:
    """Move buffered views into the article counters and daily statistics; returns how many.

    The pending hash is renamed to a batch key first (atomic in Redis), so views counted during the
    flush wait for the next one. A batch is applied in one transaction with its FlushedBatch row,
    whose unique key makes a second flush of the same batch (two flushes at once, or a retry after
    a crash before the batch key was deleted) a no-op: nothing lost, nothing counted twice. A batch
    key is deleted only once its FlushedBatch row exists.
    """
    buffer = view_buffer()
    if buffer is None:
        return 0
    prefix = cache_keys.view_batch_prefix()
    try:
        buffer.rename(cache_keys.pending_views(), f"{prefix}{uuid.uuid4().hex}")
    except redis.exceptions.ResponseError:
        pass  # nothing pending; leftovers of an interrupted flush are still picked up below
    total = 0
    for key in buffer.scan_iter(match=f"{prefix}*"):
        batch_id = key.decode().removeprefix(prefix)
        counts = buffer.hgetall(key)
        try:
            with transaction.atomic():
                FlushedBatch.objects.create(batch_id=batch_id)
                total += _apply_views(counts)
        except IntegrityError:
            if not FlushedBatch.objects.filter(batch_id=batch_id).exists():
                raise  # not a batch applied by another flush: keep it for the next one
        buffer.delete(key)
    FlushedBatch.objects.filter(created_at__lt=timezone.now() - datetime.timedelta(days=2)).delete()
    return total
