"""Comments for bench/generate.py: threads sized by each article's popularity (the hot ones hold
BENCH_COMMENTS each), replies mostly to the last few comments, a few hidden or deleted."""

import datetime
import random

from generate_common import (
    BENCH_COMMENTS,
    Progress,
    Site,
    Timings,
    allocate,
    copy_rows,
    delay_after,
    set_sequence,
)

MAX_THREAD = 250  # ordinary articles; the hot ones have BENCH_COMMENTS
COMMENT_COLUMNS = (
    "id depth body body_html status score upvotes downvotes reports_count created_at "
    "edited_at article_id author_id parent_id answers_other"
).split()

COMMENT_PHRASES = [
    "Согласен, у нас было ровно так же.",
    "А как вы считали стоимость в этом случае?",
    "Спасибо, очень вовремя: завтра как раз встреча с таким клиентом.",
    "Не уверен, что это работает в enterprise: там цикл сделки год и больше.",
    "Про следующий шаг с датой — золотое правило, подписываюсь.",
    "У нас **тендеры** выигрываются связями, а не заявками, к сожалению.",
    "Попробовали вилку в начале встречи — клиент ушёл. Видимо, не наш клиент.",
    "Можно пример письма целиком?",
    "Холодные письма уже не работают, только нетворкинг.",
    "Пресейл на первой встрече — дорого, но окупается.",
    "Классика: оценкой сбили цену.",
    "Плюс за чек-лист, забрал в команду.",
    "Выгорание через цинизм — очень точно описано.",
    "А CRM какую используете?",
    "Спорно, но интересно.",
    "Ждём продолжения!",
    "Мы делаем то же самое, только через `Notion` и напоминания в календаре.",
    "Поделитесь шаблоном заявки?",
    "У нас это называлось «квалификация», и её никто не делал.",
    "Лучшая статья недели.",
]


def render_comment_bodies(rng: random.Random) -> list[tuple[str, str]]:
    from discussions.markup import render_comment

    bodies = []
    for _ in range(60):
        body = " ".join(rng.sample(COMMENT_PHRASES, k=rng.randint(1, 4)))
        bodies.append((body, render_comment(body)))
    return bodies


def thread_sizes(rng: random.Random, site: Site, comments: int) -> list[int]:
    """How many comments each article gets: the hot ones BENCH_COMMENTS, the rest by weight."""
    articles = len(site.article_published)
    hot_total = BENCH_COMMENTS * len(site.hot)
    counts = [0] * articles
    ordinary = [i for i in range(articles) if i not in site.hot]
    weights = [site.article_weight[i] for i in ordinary]
    for i, n in zip(
        ordinary, allocate(max(comments - hot_total, 0), weights, MAX_THREAD, rng), strict=True
    ):
        counts[i] = n
    for i in site.hot:
        counts[i] = BENCH_COMMENTS
    return counts


def thread_rows(rng, site: Site, index: int, *, first: int, size: int, now: float, tz, bodies):
    """The rows of one article's thread, ids from `first` on, noted in `site` as they go."""
    article_id = index + 1
    times = sorted(delay_after(rng, site.article_published[index], now, 1.0) for _ in range(size))
    depths = []
    for j, created in enumerate(times):
        parent = depth = None
        if j and rng.random() > 0.35:
            # Replies mostly answer the last few comments: conversations, not a flat list.
            p = j - 1 - int(min(j - 1, rng.expovariate(1 / 4)))
            parent = first + p
            depth = min(depths[p] + 1, 4)
        depths.append(depth or 0)
        status = "visible"
        if article_id != site.bench_article_id:
            roll = rng.random()
            status = "deleted" if roll < 0.02 else "hidden" if roll < 0.03 else "visible"
        author = min(int(site.members * rng.random() ** 2) + 1, site.members)
        when = datetime.datetime.fromtimestamp(created, tz)
        if status == "visible":
            site.daily[(article_id, when.toordinal())][0] += 1
        site.comment_created.append(created)
        site.comment_author.append(author)
        site.comment_article.append(article_id)
        body, html = bodies[int(rng.random() * len(bodies))]
        yield (
            first + j,
            depth or 0,
            body,
            html,
            status,
            0,
            0,
            0,
            0,
            when,
            None,
            article_id,
            author,
            parent,
            parent is not None and site.comment_author[parent - 1] != author,
        )


def make_comments(cursor, rng, site: Site, comments: int, now: float, tz, timings: Timings):
    """Every article's thread, loaded with COPY; `site` learns each comment's time and author."""
    counts = thread_sizes(rng, site, comments)
    bodies = render_comment_bodies(rng)

    def rows():
        next_id = 1
        for index, size in enumerate(counts):
            site.comment_count.append(size)
            yield from thread_rows(
                rng, site, index, first=next_id, size=size, now=now, tz=tz, bodies=bodies
            )
            next_id += size

    progress = Progress("comments", sum(counts))
    copy_rows(cursor, "discussions_comment", COMMENT_COLUMNS, rows(), progress)
    set_sequence(cursor, "discussions_comment")
    timings.add("comments", progress.close())
