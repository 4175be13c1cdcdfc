"""The moderation queue: comments with open reports, the longest waiting first, with their
reasons and count, and a moderator's decision on each: hide (the reporters hear of it in the
bell), dismiss (the comment stays, the reports close) or bar the author (and hide).

The page is ReportAdmin's (`admin:discussions_report_queue`); every decision goes through
discussions.services.moderation, which checks the permission and takes the comment's row lock.
"""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from config.http import page_or_404

from . import services
from .forms import QueueDecisionForm
from .models import Comment, Report
from .services import permissions

QUEUE_PAGE_SIZE = 20


def queue_view(request: HttpRequest, model_admin) -> HttpResponse:
    """GET: the queue; POST: one decision on one comment, then back to the queue."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    if request.method == "POST":
        return _decide(request, model_admin)
    return _render(request, model_admin)


def _render(request: HttpRequest, model_admin, *, status: int = 200) -> TemplateResponse:
    page = page_or_404(request, Paginator(Comment.objects.in_moderation_queue(), QUEUE_PAGE_SIZE))
    rows = [
        {
            "comment": comment,
            "reasons": Counter(
                report.get_reason_display() for report in comment.open_report_list
            ).most_common(),
        }
        for comment in page
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Очередь жалоб"),
        "opts": Report._meta,
        "page": page,
        "rows": rows,
        "can_moderate": permissions.can_moderate(request.user),
        "can_ban": permissions.can_ban(request.user),
    }
    return TemplateResponse(request, "discussions/admin/queue.html", context, status=status)


def _decide(request: HttpRequest, model_admin) -> HttpResponse:
    form = QueueDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _render(request, model_admin, status=400)
    comment = (
        Comment.objects.select_related("author", "article")
        .filter(pk=form.cleaned_data["comment"])
        .first()
    )
    if comment is None:
        messages.error(request, _("Такого комментария нет: возможно, его уже удалили."))
        return _render(request, model_admin, status=404)
    try:
        done = _apply(request, comment, form.cleaned_data)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return _render(request, model_admin, status=403)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _render(request, model_admin, status=400)
    if done:
        messages.success(request, done)
    else:
        messages.warning(request, _("Эти жалобы уже разобрал другой модератор."))
    return redirect(reverse("admin:discussions_report_queue"))


def _apply(request: HttpRequest, comment: Comment, data: dict) -> str | None:
    """Carry out the decision; what to tell the moderator, or None when nothing was left."""
    moderator, decision = request.user, data["decision"]
    if decision == QueueDecisionForm.HIDE:
        if not services.hide_reported(comment=comment, moderator=moderator):
            return None
        return _("Комментарий скрыт, авторы жалоб получили уведомление.")
    if decision == QueueDecisionForm.DISMISS:
        closed = services.dismiss_reports(comment=comment, moderator=moderator)
        if not closed:
            return None
        return _("Жалобы отклонены: %(count)s; комментарий остаётся.") % {"count": closed}
    services.ban_and_hide(
        comment=comment, moderator=moderator, reason=data["reason"], until=data["until"]
    )
    return _("%(name)s больше не может комментировать; комментарий скрыт.") % {
        "name": comment.author.public_name
    }
