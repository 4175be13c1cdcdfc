import dataclasses
import re
from datetime import timedelta
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.db.models import Count
from django.shortcuts import resolve_url
from django.template.base import Node, NodeList, TextNode
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from discussions.forms import CommentForm
from discussions.models import ArticleVote, Bookmark, Comment, Follow, Notification, Report
from discussions.reading import (
    COMMENTS_HOLE,
    fragments,
    frame_state,
    part_links,
    reader_part,
)
from discussions.services import permissions
from discussions.thread import SORTS

register = template.Library()

SORT_LABELS = {"best": _("лучшие"), "newest": _("новые"), "oldest": _("старые")}
# A line break in the template's own text and the indentation after it.
TEMPLATE_LAYOUT = re.compile(r"\n[ \t]*")


class JoinLinesNode(Node):
    def __init__(self, nodelist: NodeList):
        self.nodelist = nodelist

    def render(self, context) -> str:
        return self.nodelist.render(context)


@register.tag
def joinlines(parser, token) -> JoinLinesNode:
    """{% joinlines %}...{% endjoinlines %}: the template's own line breaks and the indentation
    after them are dropped when it is compiled, so markup whose whitespace matters (the thread's
    script reads text nodes) is still written one element a line. What variables and tags render
    is untouched; a space that belongs to the output stands inside a line."""
    nodelist = parser.parse(("endjoinlines",))
    parser.delete_first_token()
    for node in nodelist.get_nodes_by_type(TextNode):
        node.s = TEMPLATE_LAYOUT.sub("", node.s)
    return JoinLinesNode(nodelist)


@register.filter
def ago(value) -> str:
    """ "5 минут назад" within a day, then the date: "5 марта, 14:20" or "5 марта 2024"."""
    if not value:
        return ""
    if timezone.now() - value < timedelta(days=1):
        return naturaltime(value)
    local = timezone.localtime(value)
    if local.year == timezone.localdate().year:
        return date_format(local, "j E, H:i")
    return date_format(local, "j E Y")


@register.filter
def signed(value) -> str:
    """A score as people read it: +5, −3, 0."""
    n = int(value or 0)
    if n > 0:
        return f"+{n}"
    if n < 0:
        return f"\u2212{-n}"
    return "0"


def _account_url(url_name: str, article, anchor: str = "comments") -> str:
    """Log in or sign up, then come back to the same place on the article's page."""
    next_url = f"{article.get_absolute_url()}#{anchor}"
    return f"{resolve_url(url_name)}?{urlencode({'next': next_url})}"


def _reply_to(request, article) -> Comment | None:
    """The comment a member's ?reply= names, under this article."""
    reply_id = request.GET.get("reply", "")
    # ASCII digits only: "²" passes isdigit() and then fails int().
    if not (request.user.is_authenticated and reply_id.isascii() and reply_id.isdigit()):
        return None
    return (
        Comment.objects.visible()
        .filter(article=article, pk=int(reply_id))
        .select_related("author")
        .first()
    )


def _included(context, template_name: str, values: dict) -> SafeString:
    """A template rendered as an inclusion tag renders it, in a context of its own."""
    included = context.template.engine.get_template(template_name)
    return mark_safe(included.render(context.new(values)))  # a template's own output


@register.simple_tag(takes_context=True)
def comment_thread(context, article):
    """The discussion of an article: the requested part (the first one, or ?page=N) of its shared
    HTML from the cache (one query when it is rendered again), this reader's votes on that part
    (one query for members), the link to the next part and the comment form.

    Readers who are not logged in all get the same frame around the part (a login link instead
    of the form), rendered once per worker and state it shows (reading.fragments)."""
    request = context["request"]
    # A member's page brings the part it has read already (discussions/member_pages.py).
    reader = context.get("thread_reader")
    if reader is not None or request.user.is_authenticated:
        reader = reader or reader_part(request, article)
        return _included(context, "discussions/_thread.html", _thread(context, article, reader))
    reader = reader_part(request, article)
    key = ("thread", get_language(), *frame_state(article, reader))
    frame = fragments.get_or_put(
        key,
        lambda: _included(
            context,
            "discussions/_thread.html",
            _thread(context, article, dataclasses.replace(reader, html=COMMENTS_HOLE)),
        ),
    )
    return mark_safe(frame.replace(COMMENTS_HOLE, reader.html, 1))  # both escaped when rendered


def _thread(context, article, reader) -> dict:
    request = context["request"]
    user = request.user
    reply_to = _reply_to(request, article)
    return {
        "article": article,
        "comments": reader.html,
        "count": reader.count,
        "part": reader,
        **part_links(article, reader),
        "sort": reader.sort,
        "sorts": [(key, SORT_LABELS[key]) for key in SORTS],
        "form": CommentForm(initial={"parent": reply_to.pk if reply_to else None}),
        "reply_to": reply_to,
        "ban_message": permissions.ban_message(user) if user.is_authenticated else None,
        "can_moderate": permissions.can_moderate(user),
        "login_url": "" if user.is_authenticated else _account_url(settings.LOGIN_URL, article),
        "signup_url": "" if user.is_authenticated else _account_url("account_signup", article),
        "user": user,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def article_actions(context, article):
    """The article's vote control and bookmark button, with this member's own vote and save;
    for readers who are not logged in (links to log in) rendered once per worker and state."""
    request = context["request"]
    user = request.user
    if user.is_authenticated:
        return _included(context, "discussions/_article_actions.html", _actions(context, article))
    language = get_language()
    key = ("actions", language, article.pk, article.slug, article.score, article.comments_count)
    return fragments.get_or_put(
        key,
        lambda: _included(context, "discussions/_article_actions.html", _actions(context, article)),
    )


def _actions(context, article) -> dict:
    request = context["request"]
    user = request.user
    my_vote, saved = 0, False
    if hasattr(article, "member_vote"):  # read with the article (discussions/member_pages.py)
        my_vote, saved = article.member_vote or 0, article.member_saved
    elif user.is_authenticated:
        my_vote = (
            ArticleVote.objects.filter(user=user, article=article)
            .values_list("value", flat=True)
            .first()
            or 0
        )
        saved = Bookmark.objects.filter(user=user, article=article).exists()
    return {
        "article": article,
        "my_vote": my_vote,
        "own": user.is_authenticated and user.pk == article.author_id,
        "saved": saved,
        # Only readers who are not logged in see it; a reverse() or two less on members' pages.
        "login_url": ""
        if user.is_authenticated
        else _account_url(settings.LOGIN_URL, article, "article-actions"),
        "user": user,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("discussions/_bell.html", takes_context=True)
def notifications_bell(context):
    """The header's bell with the member's unread count; one query, unless the count was read
    with the article (discussions/member_pages.py)."""
    request = context["request"]
    user = request.user
    unread = getattr(request, "member_unread", None)
    if unread is None:
        unread = Notification.objects.filter(recipient=user).unread().count()
    return {"unread": unread, "user": user}


@register.simple_tag
def open_reports() -> dict:
    """How many reports wait for a moderator, and on how many comments (the admin index)."""
    return Report.objects.open().aggregate(
        reports=Count("id"), comments=Count("comment", distinct=True)
    )


@register.inclusion_tag("discussions/_follow_button.html", takes_context=True)
def follow_button(context, target, kind):
    """ "Подписаться" on a rubric's, a tag's or an author's page: this member's own state (one
    query), a login link for a reader (nothing personal in a page the cache shares), nothing on
    one's own profile."""
    request = context["request"]
    user = request.user
    following = False
    if user.is_authenticated:
        following = Follow.objects.filter(member=user, **{kind: target}).exists()
    return {
        "kind": kind,
        "target": target,
        "own": kind == "author" and user.pk == target.pk,
        "following": following,
        "login_url": f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}",
        "user": user,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("discussions/_follows.html", takes_context=True)
def my_follows(context):
    """The settings page's list of what the member follows, each with "Отписаться"; one query."""
    return {
        "follows": list(Follow.objects.of(context["request"].user)),
        "back": context["request"].path,
        "csrf_token": context.get("csrf_token"),
    }
