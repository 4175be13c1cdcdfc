"""Fill the site with demo content and accounts; safe to run again, it adds only what is missing."""

import datetime
import random
import re
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
from articles import demo_content, markup
from articles.models import (
    Article,
    ArticleDailyStats,
    ChatBlock,
    Rubric,
    Series,
    Tag,
    TaggedArticle,
    transliterated_slug,
)
from articles.services import rebuild_feeds

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

DAYS_BETWEEN_ARTICLES = 4
SCHEDULED_IN_DAYS = 7
STATS_DAYS = 60
RECENT_ARTICLES = 12  # the newest ones, where a few hits make the trending feed look alive

GENERATED_PREFIX = "gen-"
GENERATED_BODY_VARIANTS = 120
GENERATED_DAYS = 365
BATCH_SIZE = 2000


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
            ChatBlock.objects.get_or_create(pk=1, defaults=demo_content.CHAT)
            created = load_articles(rubrics=rubrics, series=series, authors=authors)
            ensure_demo_accounts()
        total = len(demo_content.ARTICLES)
        self.stdout.write(f"Hand-written articles: {created} of {total} added.")
        if options["articles"] is not None:
            self.generate(target=options["articles"])
        # Discussions add their members, comments and votes; by command name, so articles never
        # imports discussions.
        if "load_demo_discussions" in get_commands():
            call_command("load_demo_discussions", no_feeds=True, stdout=self.stdout)
        rebuild_feeds()
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
        for item in demo_content.RUBRICS
    }


def ensure_series() -> dict[str, Series]:
    """The demo series by slug, created when missing."""
    return {
        item["slug"]: Series.objects.get_or_create(
            slug=item["slug"], defaults={"title": item["title"], "description": item["description"]}
        )[0]
        for item in demo_content.SERIES
    }


def ensure_authors() -> dict[str, User]:
    """The demo authors by username, created without a usable password when missing."""
    authors = {}
    for item in demo_content.AUTHORS:
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
    items = [(transliterated_slug(item["title"]), item) for item in demo_content.ARTICLES]
    existing = set(
        Article.objects.filter(slug__in=[slug for slug, _ in items]).values_list("slug", flat=True)
    )
    created = 0
    for position, (slug, item) in enumerate(items):
        if slug in existing:
            continue
        article = Article(
            slug=slug,
            title=item["title"],
            rubric=rubrics[item["rubric"]],
            author=authors[item["author"]],
            lead=item.get("lead", ""),
            body=item["body"],
            series=series.get(item.get("series")),
            series_number=item.get("number"),
            status=Article.Status.PUBLISHED,
            published_at=now - datetime.timedelta(days=DAYS_BETWEEN_ARTICLES * position, hours=2),
        )
        state = item.get("state")
        if state == "draft":
            article.status, article.published_at = Article.Status.DRAFT, None
        elif state == "scheduled":
            article.published_at = now + datetime.timedelta(days=SCHEDULED_IN_DAYS)
        stats = []
        if article.is_public:
            stats = daily_stats(
                slug=slug,
                published=timezone.localdate(article.published_at),
                is_recent=position < RECENT_ARTICLES,
            )
        article.views_count = sum(row.views for row in stats)
        article.save()
        article.tags.set(item["tags"])
        for row in stats:
            row.article = article
        ArticleDailyStats.objects.bulk_create(stats)
        created += 1
    return created


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
            views=int(peak / (1 + 0.45 * age)) + rng.randint(0, 5),
        )
        for age in range(days)
    ]


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


class ArticleGenerator:
    """Synthetic articles for load tests, assembled from the hand-written sections."""

    def __init__(self):
        self.rng = random.Random(GENERATED_PREFIX)
        self.rubrics = list(Rubric.objects.all())
        self.authors = list(
            User.objects.filter(username__in=[a["username"] for a in demo_content.AUTHORS])
        )
        self.tags = list(Tag.objects.filter(name__in=demo_content.TAGS))
        self.variants = self.body_variants()
        self.titles = [
            (f"{prefix} {topic}", transliterated_slug(f"{prefix} {topic}", max_length=80))
            for topic in demo_content.GENERATED_TITLE_TOPICS
            for prefix in demo_content.GENERATED_TITLE_PREFIXES
        ]
        self.taken = set(
            Article.objects.filter(slug__startswith=GENERATED_PREFIX).values_list("slug", flat=True)
        )
        self.index = 0
        self.now = timezone.now()
        self.today = timezone.localdate()

    def body_variants(self) -> list[dict]:
        """Bodies of an intro and a few sections, each rendered once for the whole run."""
        intros, sections = [], []
        for item in demo_content.ARTICLES:
            intro, *rest = re.split(r"(?m)^(?=## )", item["body"])
            intros.append(intro.strip())
            sections.extend(part.strip() for part in rest)
        variants = []
        for _ in range(GENERATED_BODY_VARIANTS):
            parts = [self.rng.choice(intros), *self.rng.sample(sections, self.rng.randint(2, 3))]
            body = "\n\n".join(parts) + "\n"
            variants.append({"body": body, **vars(markup.derive(body))})
        return variants

    def next_title_and_slug(self) -> tuple[str, str]:
        """The next title and a slug no article has; a slug depends only on its index."""
        while True:
            title, base = self.titles[self.index % len(self.titles)]
            slug = f"{GENERATED_PREFIX}{base}-{self.index}"
            self.index += 1
            if slug not in self.taken:
                return title, slug

    def create_batch(self, *, size: int) -> int:
        """Insert `size` published articles with their tags and daily statistics; returns size."""
        rng = self.rng
        articles, tag_ids, stats = [], [], []
        for _ in range(size):
            title, slug = self.next_title_and_slug()
            published_at = self.now - datetime.timedelta(
                seconds=rng.randint(3600, GENERATED_DAYS * 86400)
            )
            published = timezone.localdate(published_at)
            age_days = min((self.today - published).days + 1, STATS_DAYS)
            days = rng.sample(range(age_days), min(age_days, rng.randint(2, 5)))
            rows = [
                ArticleDailyStats(
                    date=published + datetime.timedelta(days=d), views=rng.randint(1, 40)
                )
                for d in days
            ]
            articles.append(
                Article(
                    slug=slug,
                    title=title,
                    rubric=rng.choice(self.rubrics),
                    author=rng.choice(self.authors),
                    status=Article.Status.PUBLISHED,
                    published_at=published_at,
                    views_count=sum(row.views for row in rows),
                    **rng.choice(self.variants),
                )
            )
            tag_ids.append([tag.pk for tag in rng.sample(self.tags, rng.randint(2, 3))])
            stats.append(rows)
        Article.objects.bulk_create(articles, batch_size=BATCH_SIZE)
        TaggedArticle.objects.bulk_create(
            [
                TaggedArticle(content_object_id=article.pk, tag_id=tag_id)
                for article, ids in zip(articles, tag_ids, strict=True)
                for tag_id in ids
            ],
            batch_size=BATCH_SIZE,
        )
        for article, rows in zip(articles, stats, strict=True):
            for row in rows:
                row.article = article
        ArticleDailyStats.objects.bulk_create(
            [row for rows in stats for row in rows], batch_size=BATCH_SIZE
        )
        self.taken.update(article.slug for article in articles)
        return size
