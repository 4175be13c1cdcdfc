"""Who gets what in the admin: every page and every action, for every role.

The pages come from admin.site._registry, so a newly registered model, custom admin view or action
fails here until its row below says who may use it. Anonymous visitors and members who are not
staff are sent to the login (302); staff get 200 where their role allows it and 403 elsewhere
(404 for an app index they hold nothing in); a refused action changes nothing.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import EDITORS, MODERATORS
from articles.models import Article, ChatBlock, Series, Tag
from discussions import services
from discussions.models import Comment, ModerationLog
from telegram.models import Announcement

ROLES = ["anonymous", "member", "moderator", "editor", "superuser"]
STAFF = {"moderator", "editor", "superuser"}
MODERATING = {"moderator", "editor", "superuser"}
V, A, C, D = "view", "add", "change", "delete"
EVERYTHING = {V, A, C, D}
CONTENT = {"editor": EVERYTHING, "superuser": EVERYTHING}
READ_BY_MODERATORS = {"moderator": {V}, "editor": {V}, "superuser": {V}}

# What each staff role may do with each registered model ("app_label.model_name").
ACCESS = {
    "accounts.user": {"moderator": {V}, "editor": {V}, "superuser": EVERYTHING},
    "account.emailaddress": {"superuser": EVERYTHING},  # allauth's: reaching a member is private
    "auth.group": {"superuser": EVERYTHING},
    # Who connected Telegram: private like the emails (allauth's; its apps and tokens are not
    # registered: the bot comes from the environment, no token is kept).
    "socialaccount.socialaccount": {"superuser": EVERYTHING},
    "articles.article": CONTENT,
    "articles.rubric": CONTENT,
    "articles.series": CONTENT,
    "articles.tag": CONTENT,
    "articles.chatblock": CONTENT,
    "images.image": CONTENT,  # the media library
    # Announcements are switched on or off, never deleted: a deleted one would be sent again.
    "telegram.announcement": {"editor": {V, A, C}, "superuser": {V, A, C}},
    # Editors steer the rankings: decisions are made and ended, never edited or deleted; the
    # audit log is read only.
    "articles.steering": {"editor": {V, A}, "superuser": {V, A}},
    "articles.steeringlog": {"editor": {V}, "superuser": {V}},
    # Comments are moderated, never added or deleted in the admin; reports and the log are read.
    "discussions.comment": {"moderator": {V, C}, "editor": {V, C}, "superuser": {V, C}},
    "discussions.report": READ_BY_MODERATORS,
    "discussions.moderationlog": READ_BY_MODERATORS,
}


def _label(model) -> str:
    return model._meta.label_lower


def _access(role: str, label: str) -> set:
    return ACCESS[label].get(role, set())


# One object of each registered model, for its change, history and delete pages.
def _user(world):
    return world.make_user(username="target", display_name="Цель")


def _article(world, **fields):
    return world.make_article(title="Статья для проверки", **fields)


def _comment(world):
    return services.create_comment(
        article=_article(world), author=world.users["member"], body="Проверочный комментарий"
    )


def _report(world):
    comment = _comment(world)
    reporter = world.make_user(username="reporter")
    return services.report_comment(comment=comment, reporter=reporter, reason="spam")


def _image(world):
    from images.tests.factories import make_image

    return make_image(uploaded_by=world.users["editor"])


def _steering(world):
    from articles.steering import steer

    return steer(
        editor=world.users["editor"],
        ranking="trending",
        period="week",
        article=_article(world),
        kind="bury",
        until=timezone.now() + timedelta(days=1),
        reason="Проверка",
    )


def _steering_log(world):
    from articles.models import SteeringLog

    return SteeringLog.objects.get(steering=_steering(world))


def _email(world):
    user = _user(world)
    return EmailAddress.objects.create(user=user, email="target@example.com", primary=True)


TARGETS = {
    "accounts.user": _user,
    "account.emailaddress": _email,
    "auth.group": lambda world: Group.objects.create(name="Проверочная группа"),
    "articles.article": _article,
    "articles.rubric": lambda world: world.rubric,
    "articles.series": lambda world: Series.objects.create(title="Серия", slug="seriia"),
    "articles.tag": lambda world: Tag.objects.create(name="переговоры"),
    "articles.chatblock": lambda world: ChatBlock.objects.create(
        name="Чат", url="https://t.me/example", call_to_action="Вступить"
    ),
    "images.image": _image,
    "socialaccount.socialaccount": lambda world: SocialAccount.objects.create(
        user=_user(world), provider="telegram", uid="4242"
    ),
    "telegram.announcement": lambda world: Announcement.objects.create(article=_article(world)),
    "articles.steering": _steering,
    "articles.steeringlog": _steering_log,
    "discussions.comment": _comment,
    "discussions.report": _report,
    "discussions.moderationlog": lambda world: ModerationLog.objects.create(
        action=ModerationLog.Action.BAN, member=world.users["member"], reason="спам"
    ),
}


@dataclass
class Action:
    """Who may run an admin action, on what, and how to tell that it did something."""

    allowed: set
    target: object  # world -> the object the action is run on
    changed: object = None  # the refreshed target -> bool; None: the action deletes it
    data: dict = field(default_factory=dict)


def _banned(world):
    user = _user(world)
    User.objects.filter(pk=user.pk).update(commenting_banned_reason="спам")
    return user


def _comment_by_banned(world):
    comment = _comment(world)
    User.objects.filter(pk=comment.author_id).update(commenting_banned_reason="спам")
    return comment


def _hidden_comment(world):
    comment = _comment(world)
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.HIDDEN)
    return comment


def _is_banned(user) -> bool:
    return bool(user.commenting_banned_reason)


BAN_FORM = {"apply": "1", "reason": "спам", "days": "7"}

# Every action but delete_selected, which follows the delete permission of ACCESS.
ACTIONS = {
    ("account.emailaddress", "make_verified"): Action(
        {"superuser"}, _email, lambda address: address.verified
    ),
    ("accounts.user", "ban"): Action(MODERATING, _user, _is_banned, BAN_FORM),
    ("accounts.user", "unban"): Action(MODERATING, _banned, lambda user: not _is_banned(user)),
    ("articles.article", "publish"): Action(
        CONTENT.keys(),
        lambda world: _article(world, status=Article.Status.DRAFT),
        lambda article: article.status == Article.Status.PUBLISHED,
    ),
    ("articles.article", "unpublish"): Action(
        CONTENT.keys(), _article, lambda article: article.status == Article.Status.DRAFT
    ),
    ("articles.steering", "end_steerings"): Action(
        {"editor", "superuser"},
        _steering,
        lambda steering: steering.ended_at is not None,
        {"apply": "1", "reason": "Снято при проверке"},
    ),
    ("discussions.comment", "hide"): Action(
        MODERATING, _comment, lambda comment: comment.status == Comment.Status.HIDDEN
    ),
    ("discussions.comment", "restore"): Action(
        MODERATING, _hidden_comment, lambda comment: comment.status == Comment.Status.VISIBLE
    ),
    ("discussions.comment", "soft_delete"): Action(
        MODERATING, _comment, lambda comment: comment.status == Comment.Status.DELETED
    ),
    ("discussions.comment", "ban_authors"): Action(
        MODERATING, _comment, lambda comment: _is_banned(comment.author), BAN_FORM
    ),
    ("discussions.comment", "unban_authors"): Action(
        MODERATING, _comment_by_banned, lambda comment: not _is_banned(comment.author)
    ),
}

# Model admin views beyond changelist/add/change/history/delete: who may open them, for what
# (and, for a view that takes no object, how it is asked).
CUSTOM_VIEWS = {
    "auth_user_password_change": ("accounts.user", {"superuser"}),
    # The article form's live Markdown preview: a POST, by those who write articles.
    "articles_article_markdown_preview": (
        "articles.article",
        set(CONTENT),
        lambda client, url: client.post(reverse(url), {"body": "# Заголовок"}),
    ),
    # The analytics: the site's page and an article's, for those who read the daily statistics
    # (editors, articles/migrations/0015_editors_read_analytics.py); moderators get 403.
    "articles_article_analytics": (
        "articles.article",
        set(CONTENT),
        lambda client, url: client.get(reverse(url)),
    ),
    "articles_article_stats": ("articles.article", set(CONTENT)),
    # An article's revisions (its id in the address) and the page that restores one.
    "articles_article_revisions": ("articles.article", set(CONTENT)),
    "articles_article_restore": ("articles.article", set(CONTENT), lambda c, u: _restore(c, u)),
    # The moderation queue: those who read reports (deciding is checked by the services).
    "discussions_report_queue": (
        "discussions.report",
        MODERATING,
        lambda client, url: client.get(reverse(url)),
    ),
    # "Почему в тренде": the rankings' terms, for those who steer them.
    "articles_steering_explain": (
        "articles.steering",
        {"editor", "superuser"},
        lambda client, url: client.get(reverse(url)),
    ),
}


def _restore(client, url):
    """The restore page of the target article's first revision (an edit makes two)."""
    from articles import revisions
    from articles import services as article_services

    article = Article.objects.get(title="Статья для проверки")
    article.title = "Статья для проверки, исправленная"
    article_services.save_article(article=article)
    version = revisions.revisions_of(article).last()
    return client.get(reverse(url, args=[article.pk, version.pk]))


STANDARD_VIEWS = ("changelist", "add", "history", "delete", "change")


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: _label(item[0]))


def _actions(model_admin) -> list[str]:
    """Every action the model admin can offer anyone, before permissions filter them."""
    names = [name for name, _ in model_admin.admin_site.actions]
    for action in model_admin.actions or []:
        names.append(action if isinstance(action, str) else action.__name__)
    return names


def _custom_views(model_admin) -> list[str]:
    opts = model_admin.model._meta
    standard = {f"{opts.app_label}_{opts.model_name}_{view}" for view in STANDARD_VIEWS}
    return [url.name for url in model_admin.get_urls() if url.name and url.name not in standard]


MODEL_LABELS = [_label(model) for model, _ in _registered()]
ACTION_CASES = [
    (_label(model), name) for model, model_admin in _registered() for name in _actions(model_admin)
]
CUSTOM_VIEW_CASES = [
    name for _, model_admin in _registered() for name in _custom_views(model_admin)
]


@pytest.fixture
def world(make_user, make_staff, make_article, rubric):
    users = {
        "member": make_user(username="member"),
        "moderator": make_staff(MODERATORS, username="moderator"),
        "editor": make_staff(EDITORS, username="editor"),
        "superuser": make_user(username="chief", is_staff=True, is_superuser=True),
    }
    return SimpleNamespace(
        users=users, make_user=make_user, make_article=make_article, rubric=rubric
    )


def _log_in(client, world, role):
    if role != "anonymous":
        client.force_login(world.users[role])


def _check(problems, what, response, expected, login_url=None):
    """Note a wrong answer; a 302 expected for visitors must lead to the admin's login."""
    status = response.status_code
    if status != expected:
        problems.append(f"{what}: {status}, expected {expected}")
    elif status == 302 and login_url and not response["Location"].startswith(login_url):
        problems.append(f"{what}: redirected to {response['Location']}, not to the login")


def _expected(role, allowed: bool) -> int:
    if role not in STAFF:
        return 302
    return 200 if allowed else 403


def _fail_on(problems):
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", MODEL_LABELS)
def test_model_pages(client, world, role, label):
    assert label in ACCESS, f"{label} is registered in the admin: say who may use it in ACCESS"
    assert label in TARGETS, f"{label} is registered in the admin: give it an object in TARGETS"
    access = _access(role, label)
    app_label, model_name = label.split(".")
    url = f"admin:{app_label}_{model_name}_%s"
    login = reverse("admin:login")
    problems = []
    _log_in(client, world, role)

    def check(what, response, allowed):
        _check(problems, f"{role} {what} {label}", response, _expected(role, allowed), login)

    check("changelist", client.get(reverse(url % "changelist")), bool(access & {V, C}))
    check("add", client.get(reverse(url % "add")), A in access)  # before a lone chat block exists
    target = TARGETS[label](world)
    change = client.get(reverse(url % "change", args=[target.pk]))
    check("change", change, bool(access & {V, C}))
    editable = 'name="_save"' in change.content.decode()
    if change.status_code == 200 and editable != (C in access):
        problems.append(f"{role} change {label}: editable={editable}, expected {C in access}")
    check("history", client.get(reverse(url % "history", args=[target.pk])), bool(access & {V, C}))
    check("delete", client.get(reverse(url % "delete", args=[target.pk])), D in access)
    response = client.post(reverse(url % "delete", args=[target.pk]), {"post": "yes"})
    deleted = not type(target).objects.filter(pk=target.pk).exists()
    if D in access:
        _check(problems, f"{role} delete POST {label}", response, 302)
    else:
        check("delete POST", response, False)
    if deleted != (D in access):
        problems.append(f"{role} delete POST {label}: deleted={deleted}")
    _fail_on(problems)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label,name", ACTION_CASES)
def test_actions(client, world, role, label, name):
    if name == "delete_selected":
        allowed = {other for other in ROLES if D in _access(other, label)}
        action = Action(allowed, TARGETS[label], data={"post": "yes"})
    else:
        assert (label, name) in ACTIONS, f"{label} offers the action {name}: add it to ACTIONS"
        action = ACTIONS[label, name]
    target = action.target(world)
    model = type(target)
    app_label, model_name = label.split(".")
    _log_in(client, world, role)

    response = client.post(
        reverse(f"admin:{app_label}_{model_name}_changelist"),
        {"action": name, "_selected_action": [target.pk], **action.data},
    )

    allowed = role in action.allowed
    problems = []
    if role not in STAFF:
        _check(problems, f"{role} {name} on {label}", response, 302, reverse("admin:login"))
    elif not _access(role, label) & {V, C}:
        _check(problems, f"{role} {name} on {label}", response, 403)
    elif allowed:
        _check(problems, f"{role} {name} on {label}", response, 302)
    elif response.status_code not in (200, 302):
        # Refused, the changelist redirects to itself, or shows itself when it offers no action.
        problems.append(f"{role} {name} on {label}: {response.status_code}, expected 200 or 302")
    if action.changed is None:
        changed = not model.objects.filter(pk=target.pk).exists()
    else:
        changed = action.changed(model.objects.get(pk=target.pk))
    if changed != allowed:
        problems.append(f"{role} {name} on {label}: changed={changed}, allowed={allowed}")
    _fail_on(problems)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", CUSTOM_VIEW_CASES)
def test_custom_model_admin_views(client, world, role, name):
    assert name in CUSTOM_VIEWS, f"the admin view {name} is new: say who may use it"
    label, allowed, *asked = CUSTOM_VIEWS[name]
    target = TARGETS[label](world)
    _log_in(client, world, role)
    problems = []
    if asked:
        response = asked[0](client, f"admin:{name}")
    else:
        response = client.get(reverse(f"admin:{name}", args=[target.pk]))
    _check(problems, f"{role} {name}", response, _expected(role, role in allowed), "/admin/login/")
    _fail_on(problems)


def _autocomplete_cases():
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    for model, model_admin in _registered():
        for field_name in model_admin.get_autocomplete_fields(request):
            remote = model._meta.get_field(field_name).remote_field.model
            yield model, field_name, _label(remote)


@pytest.mark.parametrize("role", ROLES)
def test_site_pages(client, world, role):
    login = reverse("admin:login")
    problems = []
    _log_in(client, world, role)

    def check(what, response, allowed):
        _check(problems, f"{role} {what}", response, _expected(role, allowed), login)

    check("index", client.get(reverse("admin:index")), True)
    check("password change", client.get(reverse("admin:password_change")), True)
    check("password change done", client.get(reverse("admin:password_change_done")), True)
    check("jsi18n", client.get(reverse("admin:jsi18n")), True)
    for app_label in sorted({model._meta.app_label for model, _ in _registered()}):
        response = client.get(reverse("admin:app_list", args=[app_label]))
        holds = any(_access(role, label) for label in ACCESS if label.startswith(f"{app_label}."))
        expected = _expected(role, True) if holds or role not in STAFF else 404
        _check(problems, f"{role} app index {app_label}", response, expected, login)
    for model, field_name, remote in _autocomplete_cases():
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": field_name,
                "term": "",
            },
        )
        check(f"autocomplete {field_name}", response, bool(_access(role, remote) & {V, C}))

    # The admin's login is allauth's: visitors go there, staff to the index, members get 403.
    response = client.get(login)
    expected = {"anonymous": 302, "member": 403}.get(role, 302)
    _check(problems, f"{role} login", response, expected)
    if role == "anonymous" and not response["Location"].startswith(reverse("account_login")):
        problems.append(f"anonymous login: sent to {response['Location']}, not allauth's login")
    if role in STAFF and response["Location"] != reverse("admin:index"):
        problems.append(f"{role} login: sent to {response['Location']}, not the index")
    _fail_on(problems)


def test_every_registered_model_has_a_row():
    """A row for a model that is no longer registered is a sign the matrix went stale."""
    assert set(ACCESS) == set(MODEL_LABELS) == set(TARGETS)
    assert {key[0] for key in ACTIONS} <= set(MODEL_LABELS)
    assert set(ACTIONS) <= set(ACTION_CASES)
