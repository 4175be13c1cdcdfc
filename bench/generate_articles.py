"""Articles for bench/generate.py: rubrics, series and tags, a handful of rendered bodies, the
articles themselves (the bench article and the hot ones among them) and their tags."""

import datetime
import random

from generate_common import (
    AUTHORS,
    BENCH_SLUG,
    DAY,
    HOT_ARTICLES,
    Progress,
    Site,
    Timings,
    copy_rows,
    set_sequence,
)

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
    "переговоры",
    "cold email",
    "crm",
    "b2b",
    "тендеры",
    "выгорание",
    "найм",
    "kpi",
    "воронка",
    "демо",
    "rfp",
    "linkedin",
    "рекомендации",
    "ценообразование",
    "аутстафф",
    "fixed price",
    "time and material",
    "sla",
    "upsell",
    "retention",
    "onboarding",
    "презентации",
    "возражения",
    "холодные звонки",
    "конференции",
    "кейсы",
    "контент",
    "seo",
    "email-маркетинг",
    "вебинары",
    "стартапы",
    "enterprise",
    "госзаказ",
    "финтех",
    "ритейл",
    "медицина",
    "логистика",
    "edtech",
    "ai",
    "облака",
    "devops",
    "qa",
    "дизайн",
    "мобильная разработка",
    "1с",
    "erp",
    "аналитика",
    "партнёрства",
    "агентства",
    "фриланс",
    "удалёнка",
    "мотивация",
    "обучение",
    "менторство",
    "переезд",
    "зарплаты",
    "карьерный рост",
    "лидерство",
    "команда",
    "инструменты",
]

TITLE_STARTS = [
    "Как мы",
    "Почему я",
    "Что делать, если",
    "Пять ошибок, когда",
    "Зачем",
    "Как не надо",
    "История о том, как",
    "Чек-лист: как",
    "Разбор: как",
    "Мой опыт: как",
]
TITLE_ENDS = [
    "закрыли сделку за две недели",
    "потеряли крупного клиента",
    "клиент молчит после демо",
    "продаём аутсорс в Европу",
    "выиграли тендер без демпинга",
    "пишем холодные письма",
    "строим воронку с нуля",
    "считаем стоимость проекта",
    "нанимаем первого сейлза",
    "отвечаем на RFP за выходные",
    "договариваемся о предоплате",
    "уходим от fixed price",
    "работаем с возражением «дорого»",
    "ведём CRM без боли",
    "готовим пресейл-оценку",
    "ездим на конференции с пользой",
    "просим рекомендации",
    "делаем кейсы, которые читают",
    "продаём поддержку после запуска",
    "выходим на enterprise",
]

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

ARTICLE_COLUMNS = (
    "id title slug series_number lead excerpt body body_html cover_alt status "
    "published_at reading_time views_count comments_count participants_count replies_count score "
    "discussion_closed created_at "
    "updated_at author_id rubric_id series_id"
).split()


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


def choose_hot(rng: random.Random, site: Site, published: list[float], now: float) -> int:
    """Mark the articles with the longest threads in `site.hot`; returns the bench article's index.

    The bench article is three days old and in the biggest rubric, like a real hot topic.
    """
    articles = len(published)
    bench_index = min(range(articles), key=lambda i: abs(published[i] - (now - 3 * DAY)), default=0)
    hot = set(rng.sample(range(articles), k=min(HOT_ARTICLES - 1, articles)))
    hot.discard(bench_index)
    hot.add(bench_index)
    site.hot = hot
    return bench_index


def series_slots(rng: random.Random, series: list, articles: int) -> dict[int, tuple[int, int]]:
    """Article index -> (series id, number in the series), numbered in order of publication."""
    slots = {}
    for series_obj, (_, _, size) in zip(series, SERIES, strict=True):
        for number, index in enumerate(sorted(rng.sample(range(articles), k=size)), start=1):
            slots.setdefault(index, (series_obj.pk, number))
    return slots


def article_rows(
    rng, site: Site, published: list[float], tz, *, bench_index, bodies, rubrics, slots
):
    """The article rows for COPY, noting each article's date, author and weight in `site`."""
    from articles.models import transliterated_slug

    rubric_weights = [share for _, _, share in RUBRICS]
    for index in range(len(published)):
        article_id = index + 1
        if index == bench_index:
            title, slug = "Нагрузочный тест: 300 мнений о продажах", BENCH_SLUG
            site.bench_article_id = article_id
            weight = 50.0
        else:
            title = f"{rng.choice(TITLE_STARTS)} {rng.choice(TITLE_ENDS)}"
            slug = f"{transliterated_slug(title, 180)}-{article_id}"
            weight = rng.lognormvariate(0, 1.3) * (1.5 if index in site.hot else 1.0)
        body = bodies[index % len(bodies)]
        when = datetime.datetime.fromtimestamp(published[index], tz)
        author = rng.randint(1, AUTHORS)
        series_id, number = slots.get(index, (None, None))
        rubric = rng.choices(rubrics, weights=rubric_weights)[0]
        site.article_published.append(published[index])
        site.article_author.append(author)
        site.article_weight.append(weight)
        yield (
            article_id,
            title,
            slug,
            number,
            "",
            body["excerpt"],
            body["body"],
            body["body_html"],
            "",
            "published",
            when,
            body["reading_time"],
            0,
            0,
            0,
            0,
            0,
            False,
            when,
            when,
            author,
            rubric.pk,
            series_id,
        )


def make_article_tags(cursor, rng, tags: list, articles: int, timings: Timings) -> None:
    """One to four tags an article, the popular ones far more often."""
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


def make_articles(cursor, rng, site: Site, articles: int, now: float, tz, timings: Timings):
    """The taxonomy, the articles over the last year, then their tags and search documents."""
    from articles import search_index

    rubrics, series, tags = make_taxonomy(rng)
    bodies = render_bodies(rng)
    published = sorted(now - rng.uniform(3600, 365 * DAY) for _ in range(articles))
    bench_index = choose_hot(rng, site, published, now)
    slots = series_slots(rng, series, articles)
    rows = article_rows(
        rng,
        site,
        published,
        tz,
        bench_index=bench_index,
        bodies=bodies,
        rubrics=rubrics,
        slots=slots,
    )
    progress = Progress("articles", articles)
    copy_rows(cursor, "articles_article", ARTICLE_COLUMNS, rows, progress)
    set_sequence(cursor, "articles_article")
    timings.add("articles", progress.close())
    make_article_tags(cursor, rng, tags, articles, timings)
    with timings.step("search documents"):
        # The site's own statement, as the article's save writes it, and the words for typos.
        cursor.execute(search_index.INDEX_SQL)
        cursor.execute(search_index.TERMS_SQL)
