"""Thin views: parse the request, call a service, then redirect to the anchor or answer JSON.

Every form works without JavaScript (POST, redirect back to the comment); the page's script sends
the same forms with `Accept: application/json` and gets JSON (with HTML fragments) instead.
Members only and refusals as a 4xx are config/http.py's, shared with the other apps.
"""

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from articles.caching import anonymous_page_cache, page_number
from articles.models import Article
from articles.views import COMMENT_SORTS
from config.http import (
    View,
    answers_refusals,
    members_only,
    page_or_404,
    refusal,
    refusals_show,
    valid,
    wants_json,
)

from . import services
from .forms import CommentEditForm, CommentForm, ReportForm, VoteForm
from .models import Bookmark, Comment, CommentVote, Notification
from .ratelimit import rate_limited
from .reading import comment_url, part_links, reader_part
from .services import permissions
from .thread import render_comment
from .versions import mark_written

LOGIN_TO_DISCUSS = gettext_lazy("Войдите, чтобы участвовать в обсуждении.")
PANEL_SIZE = 8
MODERATION = {"hide": services.hide_comment, "restore": services.restore_comment}


def _thread_url(article: Article, anchor: str = "comments") -> str:
    return f"{article.get_absolute_url()}#{anchor}"


def _comments_count(article_id: int) -> int:
    return Article.objects.values_list("comments_count", flat=True).get(pk=article_id)


def _render_comment(request: HttpRequest, comment: Comment) -> str:
    """One comment's HTML for the script, as the thread would render it for this member."""
    my_vote = (
        CommentVote.objects.filter(user=request.user, comment=comment)
        .values_list("value", flat=True)
        .first()
        or 0
    )
    return render_comment(comment, viewer=request.user, my_vote=my_vote)


def _comment_or_404(request: HttpRequest, pk: int) -> Comment:
    """The comment if this person may reach it, else a 404 for everyone alike: a hidden comment's
    text or a draft's address never shows through a form, a vote or a login redirect."""
    comments = Comment.objects.reachable_by(
        request.user, moderator=permissions.can_moderate(request.user)
    )
    return get_object_or_404(comments.select_related("article", "author", "parent__author"), pk=pk)


def _published_or_404(pk: int) -> Article:
    return get_object_or_404(Article.objects.published().select_related("author"), pk=pk)


# Where a visitor comes back to after logging in; each is a 404 first for what they may not reach.


def _back_to_comments(request: HttpRequest, article_id: int) -> str:
    return _thread_url(_published_or_404(article_id))


def _back_to_comment(request: HttpRequest, pk: int) -> str:
    return _comment_or_404(request, pk).thread_url


def _back_to_actions(request: HttpRequest, pk: int) -> str:
    return _thread_url(_published_or_404(pk), "article-actions")


def _back_to_discussion(request: HttpRequest, pk: int) -> str:
    return _thread_url(get_object_or_404(Article, pk=pk))


def _back_to_notifications(request: HttpRequest) -> str:
    return resolve_url("discussions:notifications")


def _discussing(back: Callable[..., str]) -> Callable[[View], View]:
    """Members only, and a refusal answered as a 4xx; a visitor logs in and comes back to `back`.
    A change made (a POST answered below 400) shows on the writer's next page (versions.py)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def writing(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if request.method == "POST" and response.status_code < 400:
                mark_written(response)
            return response

        return members_only(back=back, message=LOGIN_TO_DISCUSS)(answers_refusals(writing))

    return decorate


@require_GET
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    """A permanent link to one comment: its place in the article's thread, in the part that
    holds it now."""
    found = _comment_or_404(request, pk)
    return redirect(comment_url(found, staff=permissions.can_moderate(request.user)))


@anonymous_page_cache(sort=COMMENT_SORTS, page=page_number)
@require_safe
def thread_part(request: HttpRequest, pk: int) -> HttpResponse:
    """One part of an article's discussion without the page around it, for "Показать ещё"."""
    article = _published_or_404(pk)
    reader = reader_part(request, article)
    context = {"article": article, "part": reader, **part_links(article, reader)}
    response = render(request, "discussions/_thread_part.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@members_only()
@require_GET
def comment_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Ответить" for a reader who was not logged in: after logging in, the reply form for this
    comment on the article's page."""
    comment = _comment_or_404(request, pk)
    return redirect(f"{comment.article.get_absolute_url()}?reply={comment.pk}#comment-form")


def _reply_parent(pk: int | None) -> Comment | None:
    """The comment a reply answers, under a public article only: the refusal page names whom the
    reply was for."""
    if not pk:
        return None
    parent = (
        Comment.objects.select_related("author")
        .filter(pk=pk, article__in=Article.objects.published())
        .first()
    )
    if parent is None:
        raise ValidationError(
            _("Комментарий, на который вы отвечаете, не найден."), code="invalid_parent"
        )
    return parent


@require_POST
@_discussing(back=_back_to_comments)
def comment_create(request: HttpRequest, article_id: int) -> HttpResponse:
    """Post a comment or a reply: back to it in the thread, or 201 with its HTML for the script."""
    article = _published_or_404(article_id)
    form = CommentForm(request.POST)
    with refusals_show(
        back_url=_thread_url(article),
        template="discussions/comment_form_page.html",
        form=form,
        article=article,
        parent=None,
    ) as page:
        data = valid(form)
        page["parent"] = _reply_parent(data["parent"])
        with rate_limited(request, "comment"):
            created = services.create_comment(
                article=article, author=request.user, body=data["body"], parent=page["parent"]
            )
    if not wants_json(request):
        return redirect(created.thread_url)
    answer = {"id": created.pk, "parent": created.parent_id, "depth": created.depth}
    answer["html"] = _render_comment(request, created)
    answer["comments_count"] = _comments_count(article.pk)
    return JsonResponse(answer, status=201)


@require_http_methods(["GET", "POST"])
@_discussing(back=_back_to_comment)
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The edit form (the text alone for the script); POST saves the new text."""
    found = _comment_or_404(request, pk)
    if request.method == "POST":
        return _save_edit(request, found)
    if not permissions.can_edit(request.user, found):
        error = PermissionDenied(_("Этот комментарий вы изменить не можете."))
        return refusal(request, error, back_url=found.thread_url)
    if wants_json(request):
        return JsonResponse({"body": found.body})
    form = CommentEditForm(initial={"body": found.body})
    context = {"form": form, "comment": found, "back_url": found.thread_url}
    return render(request, "discussions/comment_edit.html", context)


def _save_edit(request: HttpRequest, found: Comment) -> HttpResponse:
    form = CommentEditForm(request.POST)
    with refusals_show(
        back_url=found.thread_url,
        template="discussions/comment_edit.html",
        form=form,
        comment=found,
    ):
        services.edit_comment(comment=found, user=request.user, body=valid(form)["body"])
    if wants_json(request):
        return JsonResponse({"id": found.pk, "html": _render_comment(request, found)})
    return redirect(found.thread_url)


@require_POST
@_discussing(back=_back_to_comment)
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    found = _comment_or_404(request, pk)
    with refusals_show(back_url=found.thread_url):
        services.delete_comment(comment=found, user=request.user)
    if wants_json(request):
        html = _render_comment(request, found)
        count = _comments_count(found.article_id)
        return JsonResponse({"id": found.pk, "html": html, "comments_count": count})
    messages.success(request, _("Комментарий удалён."))
    return redirect(found.thread_url)


def _vote(request: HttpRequest, target: Article | Comment, back: str) -> HttpResponse:
    with refusals_show(back_url=back):
        value = valid(VoteForm(request.POST))["value"]
        with rate_limited(request, "vote"):
            result = services.cast_vote(user=request.user, target=target, value=value)
    if wants_json(request):
        return JsonResponse({"score": result.score, "value": result.value})
    return redirect(back)


@require_POST
@_discussing(back=_back_to_comment)
def comment_vote(request: HttpRequest, pk: int) -> HttpResponse:
    found = _comment_or_404(request, pk)
    return _vote(request, found, found.thread_url)


@require_POST
@_discussing(back=_back_to_actions)
def article_vote(request: HttpRequest, pk: int) -> HttpResponse:
    article = _published_or_404(pk)
    return _vote(request, article, _thread_url(article, "article-actions"))


@require_http_methods(["GET", "POST"])
@_discussing(back=_back_to_comment)
def comment_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The report form; POST sends the report to the moderators."""
    found = _comment_or_404(request, pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST":
        return _send_report(request, found, form)
    context = {"form": form, "comment": found, "back_url": found.thread_url}
    return render(request, "discussions/comment_report.html", context)


def _send_report(request: HttpRequest, found: Comment, form: ReportForm) -> HttpResponse:
    with refusals_show(
        back_url=found.thread_url,
        template="discussions/comment_report.html",
        form=form,
        comment=found,
    ):
        data = valid(form)
        with rate_limited(request, "report"):
            services.report_comment(
                comment=found, reporter=request.user, reason=data["reason"], details=data["details"]
            )
    message = _("Спасибо! Модераторы посмотрят этот комментарий.")
    if wants_json(request):
        return JsonResponse({"message": message})
    messages.success(request, message)
    return redirect(found.thread_url)


@require_POST
@_discussing(back=_back_to_comment)
def comment_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff hide or restore a comment from the article page itself."""
    found = _comment_or_404(request, pk)
    with refusals_show(back_url=found.thread_url):
        moderate = MODERATION.get(request.POST.get("action", ""))
        if moderate is None:
            raise ValidationError(_("Неизвестное действие."), code="invalid_action")
        moderate(comment=found, moderator=request.user, reason=request.POST.get("reason", ""))
    if wants_json(request):
        html = _render_comment(request, found)
        return JsonResponse({"id": found.pk, "status": found.status, "html": html})
    return redirect(found.thread_url)


@require_POST
@_discussing(back=_back_to_discussion)
def article_discussion(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff close or reopen an article's discussion."""
    article = get_object_or_404(Article, pk=pk)
    closed = request.POST.get("closed") == "1"
    with refusals_show(back_url=_thread_url(article)):
        services.set_discussion_closed(article=article, moderator=request.user, closed=closed)
    return redirect(_thread_url(article))


@require_POST
@_discussing(back=_back_to_actions)
def bookmark(request: HttpRequest, pk: int) -> HttpResponse:
    article = _published_or_404(pk)
    back = _thread_url(article, "article-actions")
    with refusals_show(back_url=back):
        saved = services.set_bookmark(
            user=request.user, article=article, saved=request.POST.get("saved") == "1"
        )
    if wants_json(request):
        return JsonResponse({"saved": saved})
    return redirect(back)


@members_only()
@require_GET
def bookmarks(request: HttpRequest) -> HttpResponse:
    """The member's "Закладки": saved articles as cards, latest saved first."""
    paginator = Paginator(Bookmark.objects.articles_of(request.user), settings.ARTICLES_PER_PAGE)
    page = page_or_404(request, paginator)
    context = {"page_obj": page, "articles": page.object_list}
    return render(request, "discussions/bookmarks.html", context)


@members_only()
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """All of the member's notifications; `?panel=1` gives the header bell's short list."""
    listing = Notification.objects.for_list(request.user)
    if request.GET.get("panel"):
        context = {"notifications": list(listing[:PANEL_SIZE])}
        return render(request, "discussions/_notification_panel.html", context)
    page = page_or_404(request, Paginator(listing, 30))
    context = {"page_obj": page, "notifications": page.object_list}
    return render(request, "discussions/notifications.html", context)


@members_only()
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification: it is marked read and the member lands on the comment."""
    found = get_object_or_404(
        Notification.objects.select_related("article", "comment"), pk=pk, recipient=request.user
    )
    services.mark_notifications_read(user=request.user, ids=[found.pk])
    if found.comment_id:
        return redirect(_thread_url(found.article, found.comment.anchor))
    return redirect(found.article.get_absolute_url())


@require_POST
@_discussing(back=_back_to_notifications)
def notifications_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_notifications_read(user=request.user)
    if wants_json(request):
        return JsonResponse({"marked": count, "unread": 0})
    return redirect("discussions:notifications")


# The signed token is the authority here, and mail clients' one-click unsubscribe (RFC 8058)
# posts without a CSRF token.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@answers_refusals
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST switches off."""
    done = request.method == "POST"
    with refusals_show(back_url="/"):
        if done:
            _, topic = services.unsubscribe(token=token)
        else:
            _, topic = services.read_unsubscribe_token(token=token)
    return render(request, "discussions/unsubscribe.html", {"topic": topic, "done": done})
