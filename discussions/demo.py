"""Demo discussions: members, threaded comments with replies, and votes on the demo articles.

Comments go through the services, so counters, daily statistics and notifications stay exactly as
real use would leave them; votes are written in bulk and the counters then recounted from the rows.
Safe to run again: an article that already has demo comments or votes is left alone, and members
are created only once. Comment texts stay on one line each, so the line-length rule does not apply
to this file.
"""

# ruff: noqa: E501

import datetime
import random

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from articles.services import add_daily_stats

from . import services
from .models import ArticleVote, Comment, CommentVote

DEMO_PASSWORD = "member-demo-123"
ARTICLES_WITH_DISCUSSIONS = 30

MEMBERS = [
    ("anna_k", "Анна Кузнецова"),
    ("dmitry_sales", "Дмитрий Орлов"),
    ("elena_presale", "Елена Соколова"),
    ("igor_b2b", "Игорь Морозов"),
    ("olga_lead", "Ольга Васильева"),
    ("pavel_cto", "Павел Новиков"),
    ("svetlana_am", "Светлана Фёдорова"),
    ("timur_outsource", "Тимур Алиев"),
    ("natalia_hr", "Наталья Лебедева"),
    ("sergey_founder", "Сергей Козлов"),
    ("maria_pm", "Мария Егорова"),
    ("alexey_dev", "Алексей Павлов"),
    ("ksenia_mkt", "Ксения Белова"),
    ("roman_bizdev", "Роман Семёнов"),
    ("vera_consult", "Вера Николаева"),
]

OPENERS = [
    "Очень узнаваемо. У нас в прошлом квартале было ровно так же: клиент тянул с решением, пока мы не предложили пилот на две недели.",
    "Спасибо за разбор! Сохранил себе чек-лист, завтра попробую на звонке с банком.",
    "Не согласен с пунктом про скидки. Если сразу давать скидку за быстрое решение, клиент начинает торговаться по каждой строке сметы.",
    "А как вы считаете стоимость пресейла? Мы долго делали оценки бесплатно, пока не поняли, что это съедает треть времени архитекторов.",
    "Самое ценное тут — про вопросы на первой встрече. Раньше я больше рассказывал, чем слушал, и сделки разваливались на этапе КП.",
    "У нас сработал другой подход: продавец и инженер вместе ведут клиента с первого звонка. Конверсия из демо в договор выросла почти вдвое.",
    "Холодные письма в 2024 году ещё работают, но только очень короткие и с конкретным кейсом из отрасли клиента. Шаблоны сразу видно.",
    "Интересно, как это ложится на госзаказчиков. Там цикл сделки год, и половина советов просто не применима.",
    "Подпишусь под каждым словом про CRM. Если сделки не в системе — их не существует, даже если руководитель уверен в обратном.",
    "Хорошая статья, но не хватает цифр. Сколько встреч в среднем до подписания? Какой процент отказов после демо?",
    "Мы в аутсорсе перешли с fixed price на time & materials с потолком бюджета. Клиенты сначала пугались, а теперь сами просят такую модель.",
    "Про выгорание очень честно. Планы растут каждый квартал, а рынок нет — и ты начинаешь закрывать сделки, которые потом больно сопровождать.",
    "Попробовал технику с тремя вариантами предложения — клиент выбрал средний, как и обещали. Работает!",
    "Главное, что я вынес из своих провалов: никогда не отправляйте коммерческое предложение без звонка, на котором вы его проговариваете.",
    "Отличный текст для новичков в продажах. Дам почитать нашим джунам-аккаунтам.",
    "Спорно. В enterprise решения принимает не тот, кто сидит на встрече, и все эти приёмы разбиваются о закупки.",
    "Лучший совет про возражения, который я слышал: не спорить, а уточнять. «Дорого — по сравнению с чем?»",
    "Было бы здорово продолжение про удержание клиентов. Продать первый проект — полдела, дальше начинается самое интересное.",
    "У нас тендеры съедали всё время. В итоге оставили только те, где мы заранее знакомы с заказчиком, и выигрываем теперь каждый третий.",
    "Статья напомнила, почему я ушёл из разработки в пресейл: тут видно, как технические решения превращаются в деньги клиента.",
]

REPLIES = [
    "Согласен, у нас то же самое.",
    "А можно подробнее, как вы это согласовали с юристами клиента?",
    "Пилот за деньги или бесплатно? Это сильно меняет отношение клиента.",
    "Мы пробовали — не взлетело. Видимо, зависит от отрасли.",
    "Плюсую. Особенно про **звонок перед КП**: без него письмо просто теряется в почте.",
    "Интересный опыт, спасибо что поделились!",
    "Тут важно ещё, кто со стороны клиента принимает решение. Если это ИТ-директор — одна история, если финансовый — совсем другая.",
    "Цифры у нас такие: в среднем 4 встречи и полтора месяца от первого контакта до договора.",
    "Не всегда. Бывает, что клиент сам приходит с готовым ТЗ, и тогда всё решает цена и сроки.",
    "Как раз сейчас внедряем. Через месяц расскажу, что получилось.",
    "Вот-вот. И никто потом не помнит, кто обещал эти сроки на пресейле :)",
    "Есть хорошая книга на эту тему — «СПИН-продажи». Старая, но до сих пор актуальная.",
    "А как вы мотивируете инженеров участвовать в продажах? У нас они от встреч с клиентами бегают.",
    "Спорный момент, но в целом поддерживаю.",
    "Мы делаем бонус за подписанный договор всем, кто участвовал в пресейле, — и инженерам тоже. Помогает.",
    "Точно! Записал себе.",
    "Тоже думал об этом. Кажется, всё упирается в доверие: пока его нет, никакие техники не работают.",
    "Было такое. Спасло только то, что руководитель клиента лично знал нашего директора.",
    "Можно пример такого письма? Хотя бы обезличенный.",
    "Ради таких обсуждений и читаю этот блог.",
]


def _ensure_members() -> list:
    User = get_user_model()
    members = []
    for username, display_name in MEMBERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "display_name": display_name,
                # Demo members write a lot; their inboxes are not real.
                "notify_replies": False,
                "notify_article_comments": False,
            },
        )
        if created:
            user.date_joined = timezone.now() - datetime.timedelta(days=90)
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password", "date_joined"])
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
        members.append(user)
    return members


def _moments(start: datetime.datetime, count: int, rng: random.Random) -> list:
    """`count` increasing moments between `start` and a little before now."""
    end = timezone.now() - datetime.timedelta(minutes=5)
    start = min(start, end - datetime.timedelta(hours=1))
    span = (end - start).total_seconds()
    # Most comments come in the first days after publication, as on a real blog.
    offsets = sorted(span * rng.random() ** 2.5 for _ in range(count))
    return [start + datetime.timedelta(seconds=offset) for offset in offsets]


def _discuss(article: Article, members: list, rng: random.Random) -> int:
    """A few threads with replies two or three levels deep; returns how many comments."""
    commenters = [m for m in members if m.pk != article.author_id]
    threads = rng.choice([0, 1, 2, 2, 3, 4, 5, 6, 8])
    openers = rng.sample(OPENERS, min(threads, len(OPENERS)))
    replies = rng.sample(REPLIES, len(REPLIES))  # no text twice under one article
    plan = []  # (body, index of the parent in plan, or None)
    for opener in openers:
        plan.append((opener, None))
        thread = [len(plan) - 1]
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            if not replies:
                break
            # Answer the opener or one of the last replies: threads grow two or three levels deep.
            parent = rng.choice(thread[:1] + thread[-2:])
            plan.append((replies.pop(), parent))
            thread.append(len(plan) - 1)
    created = []
    for (body, parent_index), moment in zip(
        plan, _moments(article.published_at, len(plan), rng), strict=True
    ):
        parent = created[parent_index] if parent_index is not None else None
        author = rng.choice([m for m in commenters if parent is None or m.pk != parent.author_id])
        comment = services.create_comment(
            article=article,
            author=author,
            body=body,
            parent=parent,
            send_email=False,
            created_at=moment,
        )
        created.append(comment)
    return len(created)


def _vote(article: Article, members: list, rng: random.Random) -> int:
    """Members' votes on the article and its comments, written in bulk; returns how many.

    A thousand votes through cast_vote() take seconds; the counters they would move are set from
    the rows by recount_counters() afterwards, which leaves them exactly as cast_vote() would.
    """
    comments = list(Comment.objects.filter(article=article).only("id", "author_id"))
    article_votes, comment_votes = [], []
    for member in members:
        if member.pk != article.author_id and rng.random() < 0.55:
            value = 1 if rng.random() < 0.85 else -1
            article_votes.append(ArticleVote(user=member, article=article, value=value))
        for comment in comments:
            if comment.author_id != member.pk and rng.random() < 0.3:
                value = 1 if rng.random() < 0.75 else -1
                comment_votes.append(CommentVote(user=member, comment=comment, value=value))
    ArticleVote.objects.bulk_create(article_votes)
    CommentVote.objects.bulk_create(comment_votes)
    add_daily_stats(
        article_id=article.pk,
        date=timezone.localdate(),
        votes=sum(vote.value for vote in article_votes),
    )
    return len(article_votes) + len(comment_votes)


def load_demo_discussions(*, articles: int = ARTICLES_WITH_DISCUSSIONS) -> dict[str, int]:
    """Add demo members, discussions and votes to the newest public articles without them."""
    members = _ensure_members()
    totals = {"members": len(members), "articles": 0, "comments": 0, "votes": 0}
    newest = Article.objects.published().latest()[:articles]
    for article in newest:
        already = (
            Comment.objects.filter(article=article, author__in=members).exists()
            or ArticleVote.objects.filter(article=article, user__in=members).exists()
        )
        if already:
            continue
        rng = random.Random(article.slug)
        with transaction.atomic():
            totals["comments"] += _discuss(article, members, rng)
            totals["votes"] += _vote(article, members, rng)
        totals["articles"] += 1
    if totals["votes"]:
        services.recount_counters()
    return totals
