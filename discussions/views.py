"""Thin views: parse the request, call a service, then redirect to the anchor or answer JSON.

Every form works without JavaScript (POST, redirect back to the comment); the page's script sends
the same forms with `Accept: application/json` and gets JSON (with HTML fragments) instead.
"""

import itertools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles.models import Article
from config.http import page_or_404

from . import permissions, services
from .forms import CommentEditForm, CommentForm, ReportForm, VoteForm
from .models import Bookmark, Comment, CommentVote, Notification
from .ratelimit import RateLimited, rate_limited
from .thread import render_comment

FAILURES = (ValidationError, PermissionDenied, RateLimited)
PANEL_SIZE = 8


def wants_json(request) -> bool:
    return (
        "application/json" in request.headers.get("Accept", "")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def _thread_url(article: Article, anchor: str = "comments") -> str:
    return f"{article.get_absolute_url()}#{anchor}"


def _to_login(request, next_url: str):
    """Anonymous readers go to log in and come back to the same place in the thread."""
    login_url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"
    if wants_json(request):
        return JsonResponse(
            {"error": _("Войдите, чтобы участвовать в обсуждении."), "login_url": login_url},
            status=401,
        )
    return redirect(login_url)


def _status(error: Exception) -> int:
    if isinstance(error, RateLimited):
        return 429
    if isinstance(error, PermissionDenied):
        return 403
    if getattr(error, "code", None) == "duplicate":
        return 409
    return 400


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Это действие сейчас недоступно.")


def _failed(request, error, *, back_url, template="problem.html", context=None):
    """A clear 4xx: JSON for the script, or a page that keeps what the member typed."""
    status = _status(error)
    data = {"error": _message(error)}
    if isinstance(error, services.DuplicateComment) and error.comment is not None:
        data["comment_url"] = _thread_url(error.comment.article, error.comment.anchor)
    if wants_json(request):
        response = JsonResponse(data, status=status)
    else:
        page = {"message": data["error"], "back_url": data.get("comment_url", back_url)}
        response = render(request, template, {**page, **(context or {})}, status=status)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def _form_error(form) -> ValidationError:
    return ValidationError(list(itertools.chain.from_iterable(form.errors.values())))


def _render_comment(request, comment: Comment) -> str:
    """One comment's HTML for the script, as the thread would render it for this member."""
    my_vote = (
        CommentVote.objects.filter(user=request.user, comment=comment)
        .values_list("value", flat=True)
        .first()
        or 0
    )
    return render_comment(comment, viewer=request.user, my_vote=my_vote)


def _comment_or_404(request, pk: int) -> Comment:
    """The comment if this person may reach it, else a 404 for everyone alike: a hidden comment's
    text or a draft's address never shows through a form, a vote or a login redirect."""
    comments = Comment.objects.reachable_by(
        request.user, moderator=services.can_moderate(request.user)
    )
    return get_object_or_404(comments.select_related("article", "author", "parent__author"), pk=pk)


@require_GET
def comment(request, pk):
    """A permanent link to one comment: its place in the article's thread."""
    found = _comment_or_404(request, pk)
    return redirect(_thread_url(found.article, found.anchor))


@require_POST
def comment_create(request, article_id):
    article = get_object_or_404(Article.objects.published().select_related("author"), pk=article_id)
    back = _thread_url(article)
    if not request.user.is_authenticated:
        return _to_login(request, back)
    form = CommentForm(request.POST)
    parent = None
    try:
        if not form.is_valid():
            raise _form_error(form)
        if form.cleaned_data["parent"]:
            parent = (
                Comment.objects.select_related("author")
                # Under a public article only: the error page names whom the reply was for.
                .filter(pk=form.cleaned_data["parent"], article__in=Article.objects.published())
                .first()
            )
            if parent is None:
                raise ValidationError(
                    _("Комментарий, на который вы отвечаете, не найден."), code="invalid_parent"
                )
        with rate_limited(request, "comment"):
            created = services.create_comment(
                article=article,
                author=request.user,
                body=form.cleaned_data["body"],
                parent=parent,
            )
    except FAILURES as error:
        return _failed(
            request,
            error,
            back_url=back,
            template="discussions/comment_form_page.html",
            context={"form": form, "article": article, "parent": parent},
        )
    if wants_json(request):
        return JsonResponse(
            {
                "id": created.pk,
                "parent": created.parent_id,
                "depth": created.depth,
                "html": _render_comment(request, created),
                "comments_count": Article.objects.values_list("comments_count", flat=True).get(
                    pk=article.pk
                ),
            },
            status=201,
        )
    return redirect(_thread_url(article, created.anchor))


@require_http_methods(["GET", "POST"])
def comment_edit(request, pk):
    found = _comment_or_404(request, pk)
    back = _thread_url(found.article, found.anchor)
    if not request.user.is_authenticated:
        return _to_login(request, back)
    if request.method == "GET":
        if not permissions.can_edit(request.user, found):
            error = PermissionDenied(_("Этот комментарий вы изменить не можете."))
            return _failed(request, error, back_url=back)
        if wants_json(request):
            return JsonResponse({"body": found.body})
        form = CommentEditForm(initial={"body": found.body})
        return render(
            request,
            "discussions/comment_edit.html",
            {"form": form, "comment": found, "back_url": back},
        )
    form = CommentEditForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        services.edit_comment(comment=found, user=request.user, body=form.cleaned_data["body"])
    except FAILURES as error:
        return _failed(
            request,
            error,
            back_url=back,
            template="discussions/comment_edit.html",
            context={"form": form, "comment": found},
        )
    if wants_json(request):
        return JsonResponse(
            {
                "id": found.pk,
                "html": _render_comment(request, found),
            }
        )
    return redirect(back)


@require_POST
def comment_delete(request, pk):
    found = _comment_or_404(request, pk)
    back = _thread_url(found.article, found.anchor)
    if not request.user.is_authenticated:
        return _to_login(request, back)
    try:
        services.delete_comment(comment=found, user=request.user)
    except FAILURES as error:
        return _failed(request, error, back_url=back)
    if wants_json(request):
        return JsonResponse(
            {
                "id": found.pk,
                "html": _render_comment(request, found),
                "comments_count": Article.objects.values_list("comments_count", flat=True).get(
                    pk=found.article_id
                ),
            }
        )
    messages.success(request, _("Комментарий удалён."))
    return redirect(back)


def _vote(request, target, back: str):
    if not request.user.is_authenticated:
        return _to_login(request, back)
    form = VoteForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        with rate_limited(request, "vote"):
            result = services.cast_vote(
                user=request.user, target=target, value=form.cleaned_data["value"]
            )
    except FAILURES as error:
        return _failed(request, error, back_url=back)
    except IntegrityError:
        # Only reachable if the row lock is bypassed; still an answer the member can act on.
        error = ValidationError(_("Голос не учтён: попробуйте ещё раз."), code="duplicate")
        return _failed(request, error, back_url=back)
    if wants_json(request):
        return JsonResponse({"score": result.score, "value": result.value})
    return redirect(back)


@require_POST
def comment_vote(request, pk):
    found = _comment_or_404(request, pk)
    return _vote(request, found, _thread_url(found.article, found.anchor))


@require_POST
def article_vote(request, pk):
    article = get_object_or_404(Article.objects.published(), pk=pk)
    return _vote(request, article, _thread_url(article, "article-actions"))


@require_http_methods(["GET", "POST"])
def comment_report(request, pk):
    found = _comment_or_404(request, pk)
    back = _thread_url(found.article, found.anchor)
    if not request.user.is_authenticated:
        return _to_login(request, back)
    form = ReportForm(request.POST or None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise _form_error(form)
            with rate_limited(request, "report"):
                services.report_comment(
                    comment=found,
                    reporter=request.user,
                    reason=form.cleaned_data["reason"],
                    details=form.cleaned_data["details"],
                )
        except FAILURES as error:
            return _failed(
                request,
                error,
                back_url=back,
                template="discussions/comment_report.html",
                context={"form": form, "comment": found},
            )
        message = _("Спасибо! Модераторы посмотрят этот комментарий.")
        if wants_json(request):
            return JsonResponse({"message": message})
        messages.success(request, message)
        return redirect(back)
    return render(
        request,
        "discussions/comment_report.html",
        {"form": form, "comment": found, "back_url": back},
    )


@require_POST
def comment_moderate(request, pk):
    """Staff hide or restore a comment from the article page itself."""
    found = _comment_or_404(request, pk)
    back = _thread_url(found.article, found.anchor)
    if not request.user.is_authenticated:
        return _to_login(request, back)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")
    try:
        if action == "hide":
            services.hide_comment(comment=found, moderator=request.user, reason=reason)
        elif action == "restore":
            services.restore_comment(comment=found, moderator=request.user, reason=reason)
        else:
            raise ValidationError(_("Неизвестное действие."), code="invalid_action")
    except FAILURES as error:
        return _failed(request, error, back_url=back)
    if wants_json(request):
        return JsonResponse(
            {
                "id": found.pk,
                "status": found.status,
                "html": _render_comment(request, found),
            }
        )
    return redirect(back)


@require_POST
def article_discussion(request, pk):
    """Staff close or reopen an article's discussion."""
    article = get_object_or_404(Article, pk=pk)
    back = _thread_url(article)
    if not request.user.is_authenticated:
        return _to_login(request, back)
    try:
        services.set_discussion_closed(
            article=article, moderator=request.user, closed=request.POST.get("closed") == "1"
        )
    except FAILURES as error:
        return _failed(request, error, back_url=back)
    return redirect(back)


@require_POST
def bookmark(request, pk):
    article = get_object_or_404(Article.objects.published(), pk=pk)
    back = _thread_url(article, "article-actions")
    if not request.user.is_authenticated:
        return _to_login(request, back)
    try:
        saved = services.set_bookmark(
            user=request.user, article=article, saved=request.POST.get("saved") == "1"
        )
    except FAILURES as error:
        return _failed(request, error, back_url=back)
    if wants_json(request):
        return JsonResponse({"saved": saved})
    return redirect(back)


@login_required
@require_GET
def bookmarks(request):
    """The member's "Закладки": saved articles as cards, latest saved first."""
    paginator = Paginator(Bookmark.objects.articles_of(request.user), settings.ARTICLES_PER_PAGE)
    page = page_or_404(request, paginator)
    return render(
        request, "discussions/bookmarks.html", {"page_obj": page, "articles": page.object_list}
    )


@login_required
@require_GET
def notifications(request):
    """All of the member's notifications; `?panel=1` gives the header bell's short list."""
    listing = Notification.objects.for_list(request.user)
    if request.GET.get("panel"):
        return render(
            request,
            "discussions/_notification_panel.html",
            {"notifications": list(listing[:PANEL_SIZE])},
        )
    page = page_or_404(request, Paginator(listing, 30))
    return render(
        request,
        "discussions/notifications.html",
        {"page_obj": page, "notifications": page.object_list},
    )


@login_required
@require_GET
def notification_open(request, pk):
    """Follow a notification: it is marked read and the member lands on the comment."""
    found = get_object_or_404(
        Notification.objects.select_related("article", "comment"), pk=pk, recipient=request.user
    )
    services.mark_notifications_read(user=request.user, ids=[found.pk])
    if found.comment_id:
        return redirect(_thread_url(found.article, found.comment.anchor))
    return redirect(found.article.get_absolute_url())


@require_POST
def notifications_read(request):
    if not request.user.is_authenticated:
        return _to_login(request, resolve_url("discussions:notifications"))
    count = services.mark_notifications_read(user=request.user)
    if wants_json(request):
        return JsonResponse({"marked": count, "unread": 0})
    return redirect("discussions:notifications")


# The signed token is the authority here, and mail clients' one-click unsubscribe (RFC 8058)
# posts without a CSRF token.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST switches off."""
    try:
        if request.method == "POST":
            _, topic = services.unsubscribe(token=token)
            done = True
        else:
            _, topic = services.read_unsubscribe_token(token)
            done = False
    except ValidationError as error:
        return render(
            request,
            "problem.html",
            {"message": _message(error), "back_url": "/"},
            status=400,
        )
    return render(request, "discussions/unsubscribe.html", {"topic": topic, "done": done})
