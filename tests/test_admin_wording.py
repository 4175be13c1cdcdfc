"""The admin in correct Russian: every page an editor or a moderator can open, walked.

Each page's visible text is checked against what Django gets wrong in Russian when left alone
(BANNED below, and a nominative after "Добавить"/"Изменить"/"удалить" for every model whose
accusative differs), and its labels (column headers, form labels, filter titles, actions,
fieldset titles, buttons) must have no Latin words but the few names in LATIN_ALLOWED.
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.permissions import EDITORS, MODERATORS
from articles import revisions
from articles import services as article_services
from articles.models import Article, ChatBlock, Rubric, Series, Tag
from config.admin_wording import WordedAdmin
from discussions import services
from discussions.models import ModerationLog

# What Django's own catalogue says when a sentence is built from a nominative verbose_name,
# and what an untranslated page shows.
BANNED = [
    "для изменения",  # "Выберите статья для изменения"
    "для просмотра",
    "был успешно",
    "была успешно",
    "были успешно",
    "изменен успешно",
    "Успешно удалены",
    "Добавить еще один",
    "выбранные статья",
    "Удаление статья",
    "“",  # Django's ru catalogue closes «…» with a mismatched quote
    "Select ",
    "Add ",
    "Change ",
    "Delete ",
    "Save",
    "History",
]
LATIN_ALLOWED = {
    "Markdown",
    "Telegram",
    "URL",
    "WebP",
    "JPEG",
    "PNG",
    "GIF",
    "Sales",
    "Label",
    "HTML",
}
# Where a label lives: its tag, or a tag with one of these classes or ids around it.
LABEL_TAGS = {"th", "label", "legend", "option", "button", "h2", "h3", "caption"}
SKIPPED_TAGS = {"script", "style", "textarea", "select"}  # select: only its options are labels


class PageText(HTMLParser):
    """The visible text of a page, and separately the text of its labels."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []
        self.labels: list[str] = []
        self.in_action_select = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "select":
            self.in_action_select = attributes.get("name") == "action"
        if tag == "input" and attributes.get("type") == "submit":
            self.labels.append(attributes.get("value") or "")
            self.text.append(attributes.get("value") or "")
        if tag not in {"input", "br", "img", "meta", "link", "hr"}:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "select":
            self.in_action_select = False
        while self.stack:
            if self.stack.pop() == tag:
                break

    def handle_data(self, data):
        data = " ".join(data.split())
        if not data or "script" in self.stack or "style" in self.stack:
            return
        if "textarea" in self.stack:
            return
        if "option" in self.stack and not self.in_action_select:
            return  # a choice of a form field may be any object's name
        self.text.append(data)
        tags = set(self.stack)
        if tags & LABEL_TAGS and ("th" not in tags or "thead" in tags):  # a row's th: its object
            self.labels.append(data)


def _problems(url: str, html: str, wordings: list[tuple[str, str]]) -> list[str]:
    parser = PageText()
    parser.feed(html)
    text = " ".join(parser.text)
    problems = [
        f"{url}: «{phrase}» in «{_around(text, phrase)}»" for phrase in BANNED if phrase in text
    ]
    for nominative, _accusative in wordings:
        for verb in ("Добавить", "Изменить", "Просмотреть", "удалить"):
            wrong = f"{verb} {nominative}"
            if re.search(rf"{wrong}(?!\w)", text, re.IGNORECASE):
                problems.append(f"{url}: «{wrong}» in «{_around(text, wrong)}»")
    for label in parser.labels:
        latin = [word for word in re.findall(r"[A-Za-z]{2,}", label) if word not in LATIN_ALLOWED]
        if latin:
            problems.append(f"{url}: a label in Latin letters: «{label}»")
    return problems


def _around(text: str, phrase: str) -> str:
    at = text.lower().find(phrase.lower())
    return text[max(0, at - 40) : at + len(phrase) + 40]


def _wordings() -> list[tuple[str, str]]:
    """(nominative, accusative) of every worded model whose two differ."""
    found = []
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, WordedAdmin):
            nominative = str(model._meta.verbose_name)
            accusative = str(model_admin.wording.accusative)
            if nominative != accusative:
                found.append((nominative, accusative))
    return found


@pytest.fixture
def site_objects(make_user, make_article, rubric):
    from images.tests.factories import make_image

    member = make_user(username="member", display_name="Участник")
    article = make_article(title="Как продавать поддержку")
    comment = services.create_comment(article=article, author=member, body="Хороший текст")
    reporter = make_user(username="reporter")
    services.report_comment(comment=comment, reporter=reporter, reason="spam")
    ModerationLog.objects.create(action=ModerationLog.Action.BAN, member=member, reason="спам")
    Series.objects.create(title="Серия", slug="seriia")
    Tag.objects.create(name="переговоры")
    ChatBlock.objects.create(name="Чат", url="https://t.me/example", call_to_action="Вступить")
    make_image()
    article.title = "Как продавать поддержку после запуска"
    article_services.save_article(article=article)  # two revisions to compare and restore
    return article


STANDARD = ("_changelist", "_add", "_change", "_history", "_delete", "_autocomplete")


def _pages(client) -> list[str]:
    """Every GET page of the admin: the index, app indexes, and each model's pages."""
    pages = [reverse("admin:index"), reverse("admin:password_change")]
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda i: i[0].__name__):
        opts = model._meta
        pages.append(reverse("admin:app_list", args=[opts.app_label]))
        name = f"admin:{opts.app_label}_{opts.model_name}_%s"
        pages += [reverse(name % "changelist"), reverse(name % "add")]
        target = model._default_manager.order_by("pk").first()
        if target is not None:
            pages += [
                reverse(name % view, args=[target.pk]) for view in ("change", "history", "delete")
            ]
        for url in model_admin.get_urls():
            if url.name and not url.pattern.converters and not url.name.endswith(STANDARD):
                pages.append(reverse(f"admin:{url.name}"))
    article = Article.objects.order_by("pk").first()
    first = revisions.revisions_of(article).last()
    pages += [
        reverse("admin:articles_article_revisions", args=[article.pk]),
        reverse("admin:articles_article_restore", args=[article.pk, first.pk]),
    ]
    return list(dict.fromkeys(pages))


@pytest.mark.parametrize("group", [EDITORS, MODERATORS])
def test_every_admin_page_reads_as_russian(client, make_staff, site_objects, group):
    client.force_login(make_staff(group, username="staff"))
    wordings = _wordings()
    problems, seen = [], 0
    for url in _pages(client):
        response = client.get(url)
        if response.status_code in (403, 404, 405):
            continue  # not this role's page: tests/test_permission_matrix.py says whose it is
        assert response.status_code == 200, f"{url}: {response.status_code}"
        seen += 1
        problems += _problems(url, response.content.decode(), wordings)
    assert seen > 10
    assert not problems, "\n".join(problems)


def test_the_walk_catches_django_defaults():
    """The checks find what Django says without our wording (a test that cannot fail is none)."""
    html = (
        "<h1>Добавить статья</h1><p>Выберите рубрика для изменения</p>"
        '<table><tr><th scope="col"><a>Short body</a></th><th>Reporter</th></tr></table>'
        "<ul><li>Статья “Первая“ был успешно изменен.</li></ul>"
    )
    problems = _problems("/admin/x/", html, [("статья", "статью")])
    joined = "\n".join(problems)
    for expected in ["Добавить статья", "для изменения", "был успешно", "Short body", "Reporter"]:
        assert expected in joined


def test_titles_buttons_and_breadcrumbs_decline(client, make_staff, site_objects):
    client.force_login(make_staff(EDITORS))
    changelist = client.get(reverse("admin:articles_rubric_changelist")).content.decode()
    assert "<h1>Рубрики</h1>" in changelist
    assert "Добавить рубрику" in changelist
    assert "Рубрики: 1" in changelist  # the paginator's count, not "1 рубрика"/"5 рубрики"
    add = client.get(reverse("admin:articles_article_add")).content.decode()
    assert "<h1>Добавить статью</h1>" in add
    assert "&rsaquo; Добавить статью" in add  # the breadcrumbs
    change = client.get(reverse("admin:articles_article_change", args=[site_objects.pk]))
    assert "<h1>Изменить статью</h1>" in change.content.decode()
    tag = Tag.objects.get()
    delete = client.get(reverse("admin:articles_tag_delete", args=[tag.pk]))
    assert 'удалить тег "переговоры"' in delete.content.decode()
    # The article has comments, which editors may not delete: Django then needs the genitive.
    delete = client.get(reverse("admin:articles_article_delete", args=[site_objects.pk]))
    assert "Удаление статьи 'Как продавать поддержку после запуска'" in delete.content.decode()
    moderator = make_staff(MODERATORS, username="moderator")
    client.force_login(moderator)
    user = client.get(reverse("admin:accounts_user_change", args=[moderator.pk]))
    assert "<h1>Просмотреть пользователя</h1>" in user.content.decode()
    reports = client.get(reverse("admin:discussions_report_changelist")).content.decode()
    assert "<h1>Жалобы</h1>" in reports


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_success_messages_agree_with_the_noun(client, make_staff, site_objects, rubric):
    client.force_login(make_staff(EDITORS))
    response = client.post(
        reverse("admin:articles_tag_add"), {"name": "холодные звонки", "slug": ""}, follow=True
    )
    tag = Tag.objects.get(name="холодные звонки")
    url = reverse("admin:articles_tag_change", args=[tag.pk])
    assert _messages(response) == [f'Тег «<a href="{url}">холодные звонки</a>» добавлен.']

    response = client.post(
        reverse("admin:articles_rubric_change", args=[rubric.pk]),
        {"name": "Жизнь сейлза", "slug": rubric.slug, "order": 3, "description": ""},
        follow=True,
    )
    assert "Рубрика «" in _messages(response)[0] and "» изменена." in _messages(response)[0]

    response = client.post(
        reverse("admin:articles_tag_delete", args=[tag.pk]), {"post": "yes"}, follow=True
    )
    assert _messages(response) == ["Тег «холодные звонки» удалён."]

    series = [Series.objects.create(title=f"Серия {n}", slug=f"seriia-{n}") for n in (2, 3)]
    changelist = reverse("admin:articles_series_changelist")
    selected = {"action": "delete_selected", "_selected_action": [s.pk for s in series]}
    confirm = client.post(changelist, selected)
    assert "удалить серии?" in confirm.content.decode()
    one = client.post(changelist, {**selected, "_selected_action": [series[0].pk]})
    assert "удалить серию?" in one.content.decode()
    done = client.post(changelist, {**selected, "post": "yes"}, follow=True)
    assert _messages(done) == ["Удалено серий: 2."]

    response = client.post(
        reverse("admin:articles_rubric_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(rubric.pk),
            "form-0-order": "7",
            "_save": "Сохранить",
        },
        follow=True,
    )
    assert _messages(response) == ["Изменено рубрик: 1."]
    assert Rubric.objects.get(pk=rubric.pk).order == 7


def test_status_filter_offers_scheduled(client, make_staff, make_article):
    from datetime import timedelta

    from django.utils import timezone

    make_article(title="Уже вышла")
    make_article(title="Выйдет завтра", published_at=timezone.now() + timedelta(days=1))
    make_article(title="Пока черновик", status=Article.Status.DRAFT)
    client.force_login(make_staff(EDITORS))
    url = reverse("admin:articles_article_changelist")
    page = client.get(url).content.decode()
    assert "запланирована" in page and "?state=scheduled" in page
    scheduled = client.get(url, {"state": "scheduled"}).content.decode()
    assert "Выйдет завтра" in scheduled
    assert "Уже вышла" not in scheduled and "Пока черновик" not in scheduled
    published = client.get(url, {"state": "published"}).content.decode()
    assert "Уже вышла" in published and "Выйдет завтра" not in published


def test_members_do_not_get_in(client, make_user):
    client.force_login(make_user(username="reader"))
    response = client.get(reverse("admin:articles_article_add"))
    assert response.status_code == 302
    assert "Добавить" not in response.content.decode()
