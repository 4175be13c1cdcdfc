"""Fill the site with demo content and accounts; safe to run again, it adds only what is missing."""

import datetime
import random
import time

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import EDITORS, MODERATORS
from articles import demo
from articles.demo.generated import BATCH_SIZE, STATS_DAYS, ArticleGenerator
from articles.models import (
    Article,
    ArticleDailyStats,
    ArticleReferrerDaily,
    ChatBlock,
    Period,
    Ranking,
    ReferrerKind,
    Rubric,
    Series,
    Steering,
)
from articles.ranking import rebuild_rankings
from articles.rollups import rebuild_analytics
from articles.search_index import index_articles, refresh_search_terms
from articles.steering import steer

User = get_user_model()

DEMO_ACCOUNTS = [
    {
        "username": "admin",
        "email": "admin@example.com",
        "password": "admin-demo-123",
        "display_name": "Администратор",
        "role": "superuser: everything, including users and settings",
        "is_staff": True,
        "is_superuser": True,
    },
    {
        "username": "editor",
        "email": "editor@example.com",
        "password": "editor-demo-123",
        "display_name": "Редактор",
        "role": f"editor: articles, rubrics, tags, moderation (group «{EDITORS}»)",
        "is_staff": True,
        "is_superuser": False,
        "group": EDITORS,
    },
    {
        "username": "moderator",
        "email": "moderator@example.com",
        "password": "moderator-demo-123",
        "display_name": "Модератор",
        "role": f"moderator: comments, reports, bans (group «{MODERATORS}»)",
        "is_staff": True,
        "is_superuser": False,
        "group": MODERATORS,
    },
    {
        "username": "member",
        "email": "member@example.com",
        "password": "member-demo-123",
        "display_name": "Участник",
        "role": "member: reads, comments and votes on the site",
        "is_staff": False,
        "is_superuser": False,
    },
]

RECENT_DAYS = 45  # the newest dozen articles, where a few hits make the trending ranking look alive


class Command(BaseCommand):
    help = (
        "Load the demo rubrics, series, authors, articles with view statistics, the chat block and "
        "the demo accounts. Running it again adds only what is missing and resets the demo "
        "passwords. --articles N adds synthetic articles up to N published ones for load tests."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--articles",
            type=int,
            default=None,
            metavar="N",
            help="Generate synthetic articles until N articles are published in total.",
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        with transaction.atomic():
            rubrics = ensure_rubrics()
            series = ensure_series()
            authors = ensure_authors()
            ChatBlock.objects.get_or_create(pk=1, defaults=demo.site()["chat"])
            created = load_articles(rubrics=rubrics, series=series, authors=authors)
            ensure_demo_accounts()
            ensure_demo_decision()
        total = len(demo.articles())
        self.stdout.write(f"Hand-written articles: {created} of {total} added.")
        if options["articles"] is not None:
            self.generate(target=options["articles"])
        # Discussions add their members, comments and votes; by command name, so articles never
        # imports discussions.
        if "load_demo_discussions" in get_commands():
            call_command("load_demo_discussions", no_rankings=True, stdout=self.stdout)
        rebuild_rankings()
        refresh_search_terms()
        rebuild_analytics(force=True)  # the analytics page's sums, with the demo's days in them
        self.stdout.write(f"Feeds rebuilt. Done in {time.perf_counter() - started:.1f} s.")
        self.print_logins()

    def generate(self, *, target: int) -> None:
        """Add synthetic published articles in batches until `target` are public."""
        missing = target - Article.objects.published().count()
        if missing <= 0:
            self.stdout.write(f"Already {target} or more published articles, none generated.")
            return
        self.stdout.write(f"Generating {missing} articles...")
        generator = ArticleGenerator()
        done = 0
        while done < missing:
            with transaction.atomic():
                done += generator.create_batch(size=min(BATCH_SIZE, missing - done))
            self.stdout.write(f"  {done}/{missing}")

    def print_logins(self) -> None:
        site = settings.SITE_URL
        lines = [
            "",
            "Demo site is ready.",
            f"  Site:  {site}",
            f"  Admin: {site}{reverse('admin:index')}",
            "",
            "  Log in with the username or the email:",
        ]
        for account in DEMO_ACCOUNTS:
            login = f"{account['username']} / {account['email']}"
            lines.append(f"    {login:<34} password {account['password']:<19} {account['role']}")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))


def ensure_rubrics() -> dict[str, Rubric]:
    """The demo rubrics by slug, created when missing."""
    return {
        item["slug"]: Rubric.objects.get_or_create(
            slug=item["slug"],
            defaults={k: item[k] for k in ("name", "description", "order")},
        )[0]
        for item in demo.site()["rubrics"]
    }


def ensure_series() -> dict[str, Series]:
    """The demo series by slug, created when missing."""
    return {
        item["slug"]: Series.objects.get_or_create(
            slug=item["slug"], defaults={"title": item["title"], "description": item["description"]}
        )[0]
        for item in demo.site()["series"]
    }


def ensure_authors() -> dict[str, User]:
    """The demo authors by username, created without a usable password when missing."""
    authors = {}
    for item in demo.site()["authors"]:
        author = User.objects.filter(username=item["username"]).first()
        if author is None:
            author = User(
                username=item["username"], display_name=item["display_name"], bio=item["bio"]
            )
            author.set_unusable_password()
            author.save()
        authors[author.username] = author
    return authors


def load_articles(*, rubrics: dict, series: dict, authors: dict) -> int:
    """Create the hand-written articles that do not exist yet, with their daily statistics."""
    now = timezone.now()
    items = demo.articles()
    existing = set(
        Article.objects.filter(slug__in=[item.slug for item in items]).values_list(
            "slug", flat=True
        )
    )
    created = 0
    for item in items:
        if item.slug in existing:
            continue
        article = Article(
            slug=item.slug,
            title=item.title,
            rubric=rubrics[item.rubric],
            author=authors[item.author],
            lead=item.lead,
            body=item.body,
            series=series.get(item.series),
            series_number=item.number,
            **publication(item, now=now),
        )
        stats = []
        if article.is_public:
            stats = daily_stats(
                slug=item.slug,
                published=timezone.localdate(article.published_at),
                is_recent=item.published_days_ago < RECENT_DAYS,
            )
        article.views_count = sum(row.views for row in stats)
        article.save()
        article.tags.set(item.tags)
        index_articles(article_ids=[article.pk])
        for row in stats:
            row.article = article
        ArticleDailyStats.objects.bulk_create(stats)
        ArticleReferrerDaily.objects.bulk_create(referrers(slug=item.slug, stats=stats))
        created += 1
    return created


def publication(item: demo.DemoArticle, *, now: datetime.datetime) -> dict:
    """The status and publication moment of a demo article, counted from now."""
    if item.draft:
        return {"status": Article.Status.DRAFT, "published_at": None}
    if item.scheduled_in_days is not None:
        moment = now + datetime.timedelta(days=item.scheduled_in_days)
    else:
        moment = now - datetime.timedelta(days=item.published_days_ago, hours=2)
    return {"status": Article.Status.PUBLISHED, "published_at": moment}


def daily_stats(*, slug: str, published: datetime.date, is_recent: bool) -> list:
    """Unsaved daily rows from publication on: a peak that fades, the same numbers on every run."""
    rng = random.Random(slug)
    peak = rng.randint(20, 110)
    if is_recent and rng.random() < 0.4:
        peak *= rng.randint(3, 6)
    days = min((timezone.localdate() - published).days + 1, STATS_DAYS)
    return [
        ArticleDailyStats(
            date=published + datetime.timedelta(days=age),
            views=(views := int(peak / (1 + 0.45 * age)) + rng.randint(0, 5)),
            engaged_reads=int(views * rng.uniform(0.15, 0.45)),
        )
        for age in range(days)
    ]


# Where the demo's readers came from: (kind, host, share of the day's views).
DEMO_SOURCES = [
    (ReferrerKind.SEARCH, "yandex.ru", 0.3),
    (ReferrerKind.SEARCH, "google.com", 0.15),
    (ReferrerKind.TELEGRAM, "t.me", 0.25),
    (ReferrerKind.DIRECT, "", 0.2),
    (ReferrerKind.OTHER, "vc.ru", 0.06),
    (ReferrerKind.OTHER, "habr.com", 0.04),
]


def referrers(*, slug: str, stats: list) -> list:
    """Unsaved referrer rows for the demo's daily rows (of a saved article): the same each run."""
    rng = random.Random(f"{slug}:referrers")
    rows = []
    for day in stats:
        for kind, host, share in DEMO_SOURCES:
            count = int(day.views * share * rng.uniform(0.6, 1.4))
            if count:
                rows.append(
                    ArticleReferrerDaily(
                        article=day.article, date=day.date, kind=kind, host=host, count=count
                    )
                )
    return rows


def ensure_demo_decision() -> None:
    """Once: the demo editor boosts the oldest article in this week's "Сейчас в тренде", so
    "Почему в тренде" and the decisions' list show one (it expires in a month)."""
    editor = User.objects.filter(username="editor").first()
    article = Article.objects.published().order_by("published_at", "id").first()
    if Steering.objects.exists() or editor is None or article is None:
        return
    steer(
        editor=editor,
        ranking=Ranking.TRENDING,
        period=Period.WEEK,
        article=article,
        kind=Steering.Kind.BOOST,
        factor=2.0,
        until=timezone.now() + datetime.timedelta(days=30),
        reason="Демо: старая статья снова актуальна, редакция поднимает её вдвое.",
    )


def ensure_demo_accounts() -> None:
    """Create or reset the admin, editor, moderator and member accounts with verified emails.

    The editor and the moderator join the groups the migrations made; their permissions are
    defined there, not here.
    """
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account["username"]).first() or User(
            username=account["username"], display_name=account["display_name"]
        )
        user.email = account["email"]
        user.is_active = True
        user.is_staff = account["is_staff"]
        user.is_superuser = account["is_superuser"]
        user.set_password(account["password"])
        user.save()
        if "group" in account:
            user.groups.set([Group.objects.get(name=account["group"])])
        EmailAddress.objects.filter(user=user).exclude(email=account["email"]).update(primary=False)
        EmailAddress.objects.update_or_create(
            user=user, email=account["email"], defaults={"verified": True, "primary": True}
        )
