"""Fill a PostgreSQL database with a big site for `make bench`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python bench/generate.py [--reset] [--scale 0.01]

100,000 published articles, 50,000 members, 1,000,000 comments in threads, 2,000,000 votes and a
year of daily view statistics, loaded with COPY; then every denormalised counter is set with
set-based SQL and checked with `manage.py recount_counters` (it must fix nothing), the tables are
vacuumed and analysed, and the feeds are rebuilt. Without --reset it refuses a database that
already holds members or articles. --scale 0.01 makes a small copy for trying the scripts out;
the bench article keeps its 300 comments at any scale.

Daily statistics hold a row only for a day on which an article had views (or comments, or votes):
a new article is read for a couple of weeks after it comes out, then now and again. Popular and
recent articles get many rows, old quiet ones a few: about 4 million rows, not 100,000 x 365.
"""

import argparse
import contextlib
import datetime
import io
import math
import os
import random
import re
import sys
import time
from array import array
from collections import defaultdict
from pathlib import Path

from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BENCH_SLUG = "bench-300-comments"
BENCH_MEMBER = "bench-member"
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - a generated, local-only member
BENCH_COMMENTS = 300
HOT_ARTICLES = 10  # the bench article and nine more with 300 comments each

ARTICLES = 100_000
MEMBERS = 50_000
AUTHORS = 200
COMMENTS = 1_000_000
VOTES = 2_000_000
ARTICLE_VOTE_SHARE = 0.3
MAX_THREAD = 250  # ordinary articles; the hot ones have 300
DAY = 86_400

RUBRICS = [  # name, slug, share of the articles: the first holds over 1000 pages of 20
    ("Жизнь Сейлза", "zhizn-seylza", 0.25),
    ("Переговоры", "peregovory", 0.18),
    ("Лидогенерация", "lidogeneratsiya", 0.14),
    ("Пресейл", "presale", 0.12),
    ("Аутсорсинг", "autsorsing", 0.10),
    ("Маркетинг", "marketing", 0.09),
    ("Карьера", "kariera", 0.07),
    ("Инструменты", "instrumenty", 0.05),
]
SERIES = [
    ("Первый год в продажах", "pervyy-god-v-prodazhakh", 12),
    ("Разбор тендера", "razbor-tendera", 8),
    ("Холодные письма по неделям", "kholodnye-pisma", 10),
    ("Пресейл без боли", "presale-bez-boli", 6),
]
TAGS = [
    "переговоры", "cold email", "crm", "b2b", "тендеры", "выгорание", "найм", "kpi", "воронка",
    "демо", "rfp", "linkedin", "рекомендации", "ценообразование", "аутстафф", "fixed price",
    "time and material", "sla", "upsell", "retention", "onboarding", "презентации", "возражения",
    "холодные звонки", "конференции", "кейсы", "контент", "seo", "email-маркетинг", "вебинары",
    "стартапы", "enterprise", "госзаказ", "финтех", "ритейл", "медицина", "логистика", "edtech",
    "ai", "облака", "devops", "qa", "дизайн", "мобильная разработка", "1с", "erp", "аналитика",
    "партнёрства", "агентства", "фриланс", "удалёнка", "мотивация", "обучение", "менторство",
    "переезд", "зарплаты", "карьерный рост", "лидерство", "команда", "инструменты",
]  # fmt: skip

TITLE_STARTS = [
    "Как мы", "Почему я", "Что делать, если", "Пять ошибок, когда", "Зачем", "Как не надо",
    "История о том, как", "Чек-лист: как", "Разбор: как", "Мой опыт: как",
]  # fmt: skip
TITLE_ENDS = [
    "закрыли сделку за две недели", "потеряли крупного клиента", "клиент молчит после демо",
    "продаём аутсорс в Европу", "выиграли тендер без демпинга", "пишем холодные письма",
    "строим воронку с нуля", "считаем стоимость проекта", "нанимаем первого сейлза",
    "отвечаем на RFP за выходные", "договариваемся о предоплате", "уходим от fixed price",
    "работаем с возражением «дорого»", "ведём CRM без боли", "готовим пресейл-оценку",
    "ездим на конференции с пользой", "просим рекомендации", "делаем кейсы, которые читают",
    "продаём поддержку после запуска", "выходим на enterprise",
]  # fmt: skip

PARAGRAPHS = [
    "Первый звонок почти никогда не решает исход сделки. Он решает другое: захочет ли человек "
    "на той стороне потратить на вас ещё полчаса. Поэтому мы перестали рассказывать о компании "
    "и начали задавать вопросы о его проекте, сроках и о том, кто ещё участвует в решении.",
    "Клиент сказал, что бюджет уже согласован, и попросил оценку к пятнице. Мы сделали её за два "
    "дня, отправили красивый документ и ждали ответа три недели. Потом выяснилось, что бюджет "
    "согласован на другой проект, а нашу оценку использовали, чтобы сбить цену у подрядчика.",
    "В аутсорсе продаётся не код, а уверенность. Заказчик покупает ощущение, что через полгода "
    "у него будет работающий продукт, команда не разбежится, а счета не вырастут вдвое. Всё, что "
    "вы показываете на встрече, должно работать на это ощущение: процессы, люди, цифры, кейсы.",
    "Мы завели простое правило: каждая сделка в CRM должна иметь следующий шаг с датой. Не "
    "«ждём ответа», а «звоним во вторник в 11:00». Через месяц оказалось, что треть воронки — "
    "это сделки, по которым никто не знает, что делать дальше, и их честнее закрыть.",
    "Холодное письмо читают за восемь секунд. За это время человек должен понять, кто вы, почему "
    "пишете именно ему и что он получит, если ответит. Всё остальное — история компании, список "
    "технологий, награды — можно оставить для второго письма, если оно понадобится.",
    "Пресейл-инженер на встрече нужен не для того, чтобы отвечать на технические вопросы. Он "
    "нужен, чтобы клиент увидел человека, который будет делать его проект, и поверил ему. Поэтому "
    "мы берём на первые встречи тех, кто потом войдёт в команду, а не самого красноречивого.",
    "Тендер выигрывает не самая низкая цена, а самая понятная заявка. Комиссия читает десятки "
    "документов, и если в вашем нельзя за минуту найти сроки, состав команды и риски, его "
    "отложат. Мы переписали шаблон заявки так, чтобы первая страница отвечала на всё сразу.",
    "Выгорание в продажах выглядит не как усталость, а как цинизм. Сначала перестаёшь верить "
    "клиентам, потом своему продукту, потом себе. Помогает не отпуск, а короткий цикл: маленькие "
    "сделки, быстрые ответы, понятный результат каждую неделю.",
    "Цена — это не число в коммерческом предложении, а разговор. Если вы называете её в конце "
    "презентации, клиент весь час думает только о ней. Мы называем вилку в начале встречи и "
    "дальше обсуждаем, что в неё входит, — и торгуемся теперь гораздо реже.",
    "Рекомендации не приходят сами. Мы просим о них в тот момент, когда клиент доволен: после "
    "успешного релиза, после закрытой проблемы, после благодарного письма. Одна фраза — «кому "
    "из ваших знакомых это тоже было бы полезно?» — дала нам больше лидов, чем реклама за год.",
]
LIST_BLOCK = (
    "- узнать, кто принимает решение и кто платит;\n"
    "- договориться о следующем шаге до конца встречи;\n"
    "- записать возражения словами клиента;\n"
    "- отправить короткое резюме в тот же день.\n"
)
QUOTE_BLOCK = "> Клиент покупает не часы разработчиков, а уверенность, что всё получится.\n"
HEADINGS = ["## С чего всё началось", "## Что пошло не так", "## Что мы поменяли", "## Итог"]

COMMENT_PHRASES = [
    "Согласен, у нас было ровно так же.", "А как вы считали стоимость в этом случае?",
    "Спасибо, очень вовремя: завтра как раз встреча с таким клиентом.",
    "Не уверен, что это работает в enterprise: там цикл сделки год и больше.",
    "Про следующий шаг с датой — золотое правило, подписываюсь.",
    "У нас **тендеры** выигрываются связями, а не заявками, к сожалению.",
    "Попробовали вилку в начале встречи — клиент ушёл. Видимо, не наш клиент.",
    "Можно пример письма целиком?", "Холодные письма уже не работают, только нетворкинг.",
    "Пресейл на первой встрече — дорого, но окупается.", "Классика: оценкой сбили цену.",
    "Плюс за чек-лист, забрал в команду.", "Выгорание через цинизм — очень точно описано.",
    "А CRM какую используете?", "Спорно, но интересно.", "Ждём продолжения!",
    "Мы делаем то же самое, только через `Notion` и напоминания в календаре.",
    "Поделитесь шаблоном заявки?", "У нас это называлось «квалификация», и её никто не делал.",
    "Лучшая статья недели.",
]  # fmt: skip

PROJECT_APPS = ("accounts", "articles", "discussions", "taggit", "account", "admin")


class Progress:
    """A one-line progress bar on stderr: label, bar, percent, count, elapsed seconds."""

    WIDTH = 30

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.started = self.shown = time.monotonic()
        self._draw()

    def add(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.shown >= 0.25:
            self.shown = now
            self._draw()

    def close(self) -> float:
        """Finish the bar; an estimated total becomes the real count."""
        self.total = self.done or self.total
        self._draw()
        sys.stderr.write("\n")
        return time.monotonic() - self.started

    def _draw(self) -> None:
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * self.WIDTH)
        sys.stderr.write(
            f"\r  {self.label:<16} [{bar:<{self.WIDTH}}] {share:4.0%} "
            f"{self.done:>11,}/{self.total:,} {time.monotonic() - self.started:6.1f}s"
        )
        sys.stderr.flush()


class Timings:
    def __init__(self):
        self.phases: list[tuple[str, float]] = []

    def add(self, name: str, seconds: float) -> None:
        self.phases.append((name, seconds))

    @contextlib.contextmanager
    def step(self, name: str):
        sys.stderr.write(f"  {name} ...\n")
        started = time.monotonic()
        yield
        self.add(name, time.monotonic() - started)

    def report(self) -> str:
        total = sum(seconds for _, seconds in self.phases)
        lines = [f"  {name:<36} {seconds:8.1f} s" for name, seconds in self.phases]
        return "\n".join(["Timings:", *lines, f"  {'total':<36} {total:8.1f} s"])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reset", action="store_true", help="empty the project's tables first")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--seed", type=int, default=2024)
    return parser.parse_args(argv)


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "bench/generate.py needs PostgreSQL: set DATABASE_URL, e.g. "
            "postgres://postgres@127.0.0.1:5432/bench (SQLite is not supported)."
        )
    # Generating touches no request: a throwaway key keeps the production settings importable.
    if not os.environ.get("SECRET_KEY") and not os.environ.get("DEBUG"):
        os.environ["SECRET_KEY"] = os.urandom(24).hex()
    import django

    django.setup()


def ensure_database(url: str) -> None:
    """Create the database DATABASE_URL names when it does not exist yet."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    name = params.get("dbname")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}", flush=True)


def project_tables() -> list[str]:
    from django.apps import apps

    tables = []
    for label in PROJECT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models(include_auto_created=True):
            if not model._meta.proxy and model._meta.managed:
                tables.append(model._meta.db_table)
    return sorted(set(tables))


def has_data() -> bool:
    from django.contrib.auth import get_user_model

    from articles.models import Article

    return get_user_model().objects.exists() or Article.objects.exists()


def is_complete() -> bool:
    """True when a full generation finished: the bench article, its thread and the feeds exist."""
    from articles.models import Article, FeedEntry
    from discussions.models import Comment

    article = Article.objects.filter(slug=BENCH_SLUG).first()
    return (
        article is not None
        and Comment.objects.filter(article=article).count() == BENCH_COMMENTS
        and FeedEntry.objects.exists()
    )


def reset(cursor) -> None:
    tables = ", ".join(f'"{table}"' for table in project_tables())
    cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def copy_rows(cursor, table: str, columns: list[str], rows, progress: Progress | None = None):
    """COPY an iterable of tuples into table; returns how many rows went in."""
    count = 0
    sql = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
            if progress is not None and count % 5000 == 0:
                progress.add(5000)
    if progress is not None:
        progress.add(count % 5000)
    return count


def set_sequence(cursor, table: str) -> None:
    """Point the id sequence past the ids COPY wrote explicitly."""
    cursor.execute(
        sql.SQL(
            "SELECT setval(pg_get_serial_sequence({name}, 'id'), "
            "COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ).format(name=sql.Literal(table), table=sql.Identifier(table))
    )


def render_bodies(rng: random.Random) -> list[dict]:
    """A handful of Markdown bodies, rendered once exactly as Article.save() renders them."""
    from articles import markup

    bodies = []
    for n in range(6):
        paragraphs = rng.sample(PARAGRAPHS, k=len(PARAGRAPHS))
        parts = []
        for i, heading in enumerate(HEADINGS):
            parts.append(heading)
            parts.extend(paragraphs[(i * 2 + n) % len(PARAGRAPHS) :][:2] or paragraphs[:2])
            if i == 1:
                parts.append(LIST_BLOCK)
            if i == 2 and n % 2:
                parts.append(QUOTE_BLOCK)
        # Longer bodies repeat their prose, as long reads do: from 3 to 8 minutes of reading.
        body = "\n\n".join(parts * (1 + n % 3))
        bodies.append({"body": body, **vars(markup.derive(body))})
    return bodies


def render_comment_bodies(rng: random.Random) -> list[tuple[str, str]]:
    from discussions.markup import render_comment

    bodies = []
    for _ in range(60):
        body = " ".join(rng.sample(COMMENT_PHRASES, k=rng.randint(1, 4)))
        bodies.append((body, render_comment(body)))
    return bodies


class Site:
    """What later phases need to know about the rows already written, kept in compact arrays."""

    def __init__(self, members: int):
        self.members = members
        self.article_published = array("d")  # epoch seconds, index = article id - 1
        self.article_author = array("l")
        self.article_weight = array("d")  # popularity: drives comments, votes and views
        self.comment_count = array("l")
        self.comment_created = array("d")  # index = comment id - 1
        self.comment_author = array("l")
        self.bench_article_id = 0
        # (article id, local date ordinal) -> [visible comments, net article votes]
        self.daily = defaultdict(lambda: [0, 0])


def make_users(cursor, rng, members: int, now: float, tz, timings: Timings) -> int:
    from django.contrib.auth.hashers import make_password

    password = make_password(BENCH_PASSWORD)
    columns = [
        "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
        "email", "is_staff", "is_active", "date_joined", "display_name", "bio", "avatar",
        "commenting_banned_reason", "commenting_banned_until", "comments_count",
        "notify_article_comments", "notify_replies", "score",
    ]  # fmt: skip
    first_names = ["Анна", "Иван", "Мария", "Олег", "Ирина", "Дмитрий", "Ольга", "Сергей"]
    last_names = ["Смирнова", "Иванов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Новикова"]

    def rows():
        for user_id in range(1, members + 1):
            username = BENCH_MEMBER if user_id == members else f"member{user_id:05d}"
            joined = datetime.datetime.fromtimestamp(now - rng.uniform(30, 3 * 365) * DAY, tz)
            name = ""
            if user_id <= AUTHORS or rng.random() < 0.3:
                name = f"{rng.choice(first_names)} {rng.choice(last_names)}"
            bio = "Продаю IT-услуги десять лет." if user_id <= AUTHORS else ""
            yield (
                user_id, password, None, False, username, "", "", f"{username}@example.com",
                False, True, joined, name, bio, "", "", None, 0, True, True, 0,
            )  # fmt: skip

    progress = Progress("members", members)
    copy_rows(cursor, "accounts_user", columns, rows(), progress)
    set_sequence(cursor, "accounts_user")
    timings.add("members", progress.close())
    return members


def make_taxonomy(rng):
    from articles.models import Rubric, Series, Tag

    rubrics = [
        Rubric.objects.create(name=name, slug=slug, order=order)
        for order, (name, slug, _) in enumerate(RUBRICS, start=1)
    ]
    series = [
        Series.objects.create(title=title, slug=slug, description=f"Серия из {size} выпусков.")
        for title, slug, size in SERIES
    ]
    tags = [Tag.objects.create(name=name) for name in TAGS]
    return rubrics, series, tags


def make_articles(cursor, rng, site: Site, articles: int, now: float, tz, timings: Timings):
    from articles.models import transliterated_slug

    rubrics, series, tags = make_taxonomy(rng)
    bodies = render_bodies(rng)
    rubric_weights = [share for _, _, share in RUBRICS]
    published = sorted(now - rng.uniform(3600, 365 * DAY) for _ in range(articles))
    # The bench article: three days old and in the biggest rubric, like a real hot topic.
    bench_index = min(range(articles), key=lambda i: abs(published[i] - (now - 3 * DAY)), default=0)
    hot = set(rng.sample(range(articles), k=min(HOT_ARTICLES - 1, articles)))
    hot.discard(bench_index)
    hot.add(bench_index)
    series_slots = {}
    for series_obj, (_, _, size) in zip(series, SERIES, strict=True):
        for number, index in enumerate(sorted(rng.sample(range(articles), k=size)), start=1):
            series_slots.setdefault(index, (series_obj.pk, number))
    columns = [
        "id", "title", "slug", "series_number", "lead", "excerpt", "body", "body_html", "cover",
        "cover_alt", "status", "published_at", "reading_time", "views_count", "comments_count",
        "score", "discussion_closed", "created_at", "updated_at", "author_id", "rubric_id",
        "series_id",
    ]  # fmt: skip
    site.hot = hot

    def rows():
        for index in range(articles):
            article_id = index + 1
            if index == bench_index:
                title, slug = "Нагрузочный тест: 300 мнений о продажах", BENCH_SLUG
                site.bench_article_id = article_id
                weight = 50.0
            else:
                title = f"{rng.choice(TITLE_STARTS)} {rng.choice(TITLE_ENDS)}"
                slug = f"{transliterated_slug(title, 180)}-{article_id}"
                weight = rng.lognormvariate(0, 1.3) * (1.5 if index in hot else 1.0)
            body = bodies[index % len(bodies)]
            when = datetime.datetime.fromtimestamp(published[index], tz)
            author = rng.randint(1, AUTHORS)
            series_id, number = series_slots.get(index, (None, None))
            rubric = rng.choices(rubrics, weights=rubric_weights)[0]
            site.article_published.append(published[index])
            site.article_author.append(author)
            site.article_weight.append(weight)
            yield (
                article_id, title, slug, number, "", body["excerpt"], body["body"],
                body["body_html"], "", "", "published", when, body["reading_time"], 0, 0, 0,
                False, when, when, author, rubric.pk, series_id,
            )  # fmt: skip

    progress = Progress("articles", articles)
    copy_rows(cursor, "articles_article", columns, rows(), progress)
    set_sequence(cursor, "articles_article")
    timings.add("articles", progress.close())

    tag_weights = [1 / (rank + 1) ** 0.9 for rank in range(len(tags))]

    def tag_rows():
        for article_id in range(1, articles + 1):
            chosen = {
                rng.choices(tags, weights=tag_weights)[0].pk for _ in range(rng.randint(1, 4))
            }
            for tag_id in chosen:
                yield (article_id, tag_id)

    progress = Progress("article tags", int(articles * 2.3))
    copy_rows(
        cursor, "articles_taggedarticle", ["content_object_id", "tag_id"], tag_rows(), progress
    )
    timings.add("article tags", progress.close())


def allocate(total: int, weights, cap: int, rng: random.Random) -> list[int]:
    """Split total into integer shares proportional to weights, none above cap (water-filling)."""
    capped = [False] * len(weights)
    factor = 0.0
    while True:
        left = total - cap * sum(capped)
        free_weight = sum(w for w, full in zip(weights, capped, strict=True) if not full)
        if left <= 0 or free_weight <= 0:
            break
        factor = left / free_weight
        newly_capped = [i for i, w in enumerate(weights) if not capped[i] and w * factor >= cap]
        if not newly_capped:
            break
        for i in newly_capped:
            capped[i] = True
    counts = [cap if full else int(w * factor) for w, full in zip(weights, capped, strict=True)]
    open_slots = [i for i, n in enumerate(counts) if n < cap]
    short = total - sum(counts)
    while short > 0 and open_slots:
        for i in rng.choices(open_slots, weights=[weights[i] + 1e-9 for i in open_slots], k=short):
            if counts[i] < cap and short > 0:
                counts[i] += 1
                short -= 1
        open_slots = [i for i in open_slots if counts[i] < cap]
    return counts


def delay_after(rng: random.Random, start: float, now: float, mean_days: float) -> float:
    """A moment after start, usually within mean_days, never later than now."""
    span = now - start
    delay = rng.expovariate(1 / (mean_days * DAY))
    if delay > span:
        delay = span * rng.random()
    return start + delay


def make_comments(cursor, rng, site: Site, comments: int, now: float, tz, timings: Timings):
    articles = len(site.article_published)
    hot = site.hot
    hot_total = BENCH_COMMENTS * len(hot)
    counts = [0] * articles
    ordinary = [i for i in range(articles) if i not in hot]
    weights = [site.article_weight[i] for i in ordinary]
    for i, n in zip(
        ordinary, allocate(max(comments - hot_total, 0), weights, MAX_THREAD, rng), strict=True
    ):
        counts[i] = n
    for i in hot:
        counts[i] = BENCH_COMMENTS
    bodies = render_comment_bodies(rng)
    bench_index = site.bench_article_id - 1
    columns = [
        "id", "depth", "body", "body_html", "status", "score", "upvotes", "downvotes",
        "reports_count", "created_at", "edited_at", "article_id", "author_id", "parent_id",
    ]  # fmt: skip

    def rows():
        comment_id = 0
        for index in range(articles):
            n = counts[index]
            site.comment_count.append(n)
            if not n:
                continue
            article_id = index + 1
            start = site.article_published[index]
            times = sorted(delay_after(rng, start, now, 1.0) for _ in range(n))
            first = comment_id + 1
            depths = []
            for j, created in enumerate(times):
                comment_id += 1
                parent = depth = None
                if j and rng.random() > 0.35:
                    # Replies mostly answer the last few comments: conversations, not a flat list.
                    p = j - 1 - int(min(j - 1, rng.expovariate(1 / 4)))
                    parent = first + p
                    depth = min(depths[p] + 1, 4)
                depths.append(depth or 0)
                status = "visible"
                if index != bench_index:
                    roll = rng.random()
                    status = "deleted" if roll < 0.02 else "hidden" if roll < 0.03 else "visible"
                author = min(int(site.members * rng.random() ** 2) + 1, site.members)
                when = datetime.datetime.fromtimestamp(created, tz)
                if status == "visible":
                    site.daily[(article_id, when.toordinal())][0] += 1
                site.comment_created.append(created)
                site.comment_author.append(author)
                body, html = bodies[int(rng.random() * len(bodies))]
                yield (
                    comment_id, depth or 0, body, html, status, 0, 0, 0, 0, when, None,
                    article_id, author, parent,
                )  # fmt: skip

    progress = Progress("comments", sum(counts))
    copy_rows(cursor, "discussions_comment", columns, rows(), progress)
    set_sequence(cursor, "discussions_comment")
    timings.add("comments", progress.close())


def voters(rng: random.Random, members: int, k: int, exclude: int) -> list[int]:
    """k distinct members (one vote per member and item), never the item's own author."""
    chosen = rng.sample(range(1, members + 1), k=min(k + 1, members))
    return [user for user in chosen if user != exclude][:k]


def make_votes(cursor, rng, site: Site, votes: int, now: float, tz, timings: Timings):
    articles = len(site.article_published)
    article_votes = int(votes * ARTICLE_VOTE_SHARE)
    per_article = allocate(
        article_votes, [w**1.2 for w in site.article_weight], site.members // 2, rng
    )

    def article_rows():
        for index in range(articles):
            article_id = index + 1
            liking = 0.75 + 0.2 * rng.random()
            for user in voters(rng, site.members, per_article[index], site.article_author[index]):
                value = 1 if rng.random() < liking else -1
                created = delay_after(rng, site.article_published[index], now, 2.0)
                when = datetime.datetime.fromtimestamp(created, tz)
                site.daily[(article_id, when.toordinal())][1] += value
                yield (value, when, article_id, user)

    progress = Progress("article votes", article_votes)
    columns = ["value", "created_at", "article_id", "user_id"]
    copy_rows(cursor, "discussions_articlevote", columns, article_rows(), progress)
    timings.add("article votes", progress.close())

    # Comment votes: most comments get none or a few, some get dozens; busy threads more.
    comment_total = len(site.comment_created)
    comment_votes = votes - article_votes
    weights = array("d")
    for index in range(articles):
        n = site.comment_count[index]
        boost = 4.0 if index == site.bench_article_id - 1 else 1.0
        for _ in range(n):
            weights.append(rng.paretovariate(1.3) * boost)
    per_comment = allocate(comment_votes, weights, 400, rng) if comment_total else []
    del weights

    def comment_rows():
        for index in range(comment_total):
            k = per_comment[index]
            if not k:
                continue
            comment_id = index + 1
            created = site.comment_created[index]
            liking = 0.7 + 0.25 * rng.random()
            for user in voters(rng, site.members, k, site.comment_author[index]):
                value = 1 if rng.random() < liking else -1
                when = datetime.datetime.fromtimestamp(delay_after(rng, created, now, 0.5), tz)
                yield (value, when, comment_id, user)

    progress = Progress("comment votes", comment_votes)
    columns = ["value", "created_at", "comment_id", "user_id"]
    copy_rows(cursor, "discussions_commentvote", columns, comment_rows(), progress)
    timings.add("comment votes", progress.close())


def make_daily_stats(cursor, rng, site: Site, now: float, tz, timings: Timings):
    """Views by day: a launch spike decaying over a few weeks, then occasional readers."""
    articles = len(site.article_published)
    today = datetime.datetime.fromtimestamp(now, tz).toordinal()
    dates: dict[int, datetime.date] = {}
    by_article = defaultdict(dict)
    for (article_id, day), pair in site.daily.items():
        by_article[article_id][day] = pair
    site.daily.clear()

    def date_of(ordinal: int) -> datetime.date:
        if ordinal not in dates:
            dates[ordinal] = datetime.date.fromordinal(ordinal)
        return dates[ordinal]

    def rows():
        for index in range(articles):
            article_id = index + 1
            weight = site.article_weight[index]
            first = datetime.datetime.fromtimestamp(site.article_published[index], tz).toordinal()
            peak = 40 * weight * rng.uniform(0.5, 1.5)
            tail_chance = min(0.9, 0.12 * math.sqrt(weight))
            extra = by_article.pop(article_id, {})
            for day in range(first, today + 1):
                age = day - first
                views = int(peak * 0.8**age)
                if views < 1 and rng.random() < tail_chance:
                    views = 1 + int(rng.expovariate(0.5))
                comments, votes = extra.get(day, (0, 0))
                if comments or votes:
                    # Whoever commented or voted that day had read the article that day.
                    views = max(views, 2 * comments + abs(votes) + 1)
                if views:
                    yield (article_id, date_of(day), views, comments, votes)

    estimate = int(articles * 55)
    progress = Progress("daily stats", estimate)
    columns = ["article_id", "date", "views", "comments", "votes"]
    written = copy_rows(cursor, "articles_articledailystats", columns, rows(), progress)
    timings.add("daily stats", progress.close())
    return written


COUNTERS_SQL = [
    (
        "articles",
        """
        UPDATE articles_article a SET
            views_count = COALESCE(s.views, 0),
            comments_count = COALESCE(c.visible, 0),
            score = COALESCE(v.score, 0)
        FROM articles_article a2
        LEFT JOIN (SELECT article_id, SUM(views) AS views FROM articles_articledailystats
                   GROUP BY article_id) s ON s.article_id = a2.id
        LEFT JOIN (SELECT article_id, COUNT(*) AS visible FROM discussions_comment
                   WHERE status = 'visible' GROUP BY article_id) c ON c.article_id = a2.id
        LEFT JOIN (SELECT article_id, SUM(value) AS score FROM discussions_articlevote
                   GROUP BY article_id) v ON v.article_id = a2.id
        WHERE a.id = a2.id
        """,
    ),
    (
        "comments",
        """
        UPDATE discussions_comment c SET
            upvotes = v.up, downvotes = v.down, score = v.up - v.down
        FROM (SELECT comment_id, COUNT(*) FILTER (WHERE value = 1) AS up,
                     COUNT(*) FILTER (WHERE value = -1) AS down
              FROM discussions_commentvote GROUP BY comment_id) v
        WHERE c.id = v.comment_id
        """,
    ),
    (
        "members",
        """
        UPDATE accounts_user u SET
            comments_count = COALESCE(c.visible, 0),
            score = COALESCE(c.score, 0) + COALESCE(a.score, 0)
        FROM accounts_user u2
        LEFT JOIN (SELECT author_id, COUNT(*) FILTER (WHERE status = 'visible') AS visible,
                          SUM(score) AS score
                   FROM discussions_comment GROUP BY author_id) c ON c.author_id = u2.id
        LEFT JOIN (SELECT author_id, SUM(score) AS score FROM articles_article
                   GROUP BY author_id) a ON a.author_id = u2.id
        WHERE u.id = u2.id
          AND (COALESCE(c.visible, 0) <> 0 OR COALESCE(c.score, 0) <> 0
               OR COALESCE(a.score, 0) <> 0)
        """,
    ),
]

VACUUM_TABLES = [
    "accounts_user", "articles_article", "articles_taggedarticle", "discussions_comment",
    "discussions_articlevote", "discussions_commentvote", "articles_articledailystats",
    "articles_tag", "articles_rubric", "articles_series",
]  # fmt: skip


def set_counters(cursor, timings: Timings) -> None:
    for label, statement in COUNTERS_SQL:
        with timings.step(f"counters: {label}"):
            cursor.execute(statement)


def verify_counters(timings: Timings) -> str:
    """Let the discussions app's own recount judge the counters: it must find nothing to fix."""
    from django.core.management import call_command

    output = io.StringIO()
    with timings.step("verify: manage.py recount_counters"):
        call_command("recount_counters", stdout=output)
    report = output.getvalue().strip()
    # "Recounted. Rows that were wrong: 0 comments, 0 articles, 0 members."
    if any(int(n) for n in re.findall(r"\d+", report)):
        raise SystemExit(f"Counters disagree with recount_counters: {report}")
    return report


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_django()
    ensure_database(os.environ["DATABASE_URL"])
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from articles.services import rebuild_feeds

    rng = random.Random(args.seed)
    timings = Timings()
    scale = args.scale
    members = max(int(MEMBERS * scale), AUTHORS + 10)
    articles = max(int(ARTICLES * scale), HOT_ARTICLES + 20)
    comments = max(int(COMMENTS * scale), BENCH_COMMENTS * HOT_ARTICLES)
    votes = max(int(VOTES * scale), 1000)
    database = settings.DATABASES["default"]
    print(
        f"Generating into {database['NAME']} on {database.get('HOST') or 'localhost'}: "
        f"{articles:,} articles, {members:,} members, {comments:,} comments, {votes:,} votes",
        flush=True,
    )

    with timings.step("migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg cursor, for COPY
        if has_data():
            if not args.reset:
                sys.exit(
                    "The database already holds members or articles. Run with --reset to empty "
                    "the project's tables and generate again."
                )
            with timings.step("reset"):
                reset(cursor)
        # This session only: the load is repeatable, so a lost last commit costs nothing.
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        tz = timezone.get_current_timezone()
        now = time.time()
        site = Site(members)
        make_users(cursor, rng, members, now, tz, timings)
        make_articles(cursor, rng, site, articles, now, tz, timings)
        make_comments(cursor, rng, site, comments, now, tz, timings)
        make_votes(cursor, rng, site, votes, now, tz, timings)
        stats_rows = make_daily_stats(cursor, rng, site, now, tz, timings)
        set_counters(cursor, timings)
        with timings.step("vacuum analyze"):
            for table in VACUUM_TABLES:
                cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    print(verify_counters(timings), flush=True)
    with timings.step("rebuild_feeds()"):
        rebuild_feeds()
    print(f"Daily statistics rows: {stats_rows:,}")
    print(timings.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
