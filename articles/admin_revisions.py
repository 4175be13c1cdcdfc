"""The article's revisions in the admin: the list (who, when, what changed), a comparison of two
of them (title, lead and text, drawn on the server by articles/revisions.py), and a restore,
which asks first and is itself a new revision."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from . import revisions
from .models import Article


def _article(request: HttpRequest, model_admin, object_id: str) -> Article:
    if not object_id.isdigit():
        raise Http404(_("Такой статьи нет."))
    article = get_object_or_404(Article, pk=int(object_id))
    if not model_admin.has_view_or_change_permission(request, article):
        raise PermissionDenied
    return article


def _context(request: HttpRequest, model_admin, article: Article, title: str) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": str(article),
        "opts": Article._meta,
        "original": article,
        "can_restore": model_admin.has_change_permission(request, article),
    }


def _picked(versions: list, request: HttpRequest):
    """The two revisions `?a=` and `?b=` name, older first; None when not asked or unknown."""
    by_id = {str(version.pk): version for version in versions}
    older, newer = by_id.get(request.GET.get("a", "")), by_id.get(request.GET.get("b", ""))
    if older is None or newer is None or older == newer:
        return None
    if older.revision.date_created > newer.revision.date_created:
        older, newer = newer, older
    return older, newer


def revisions_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """GET: the article's revisions, newest first; with `?a=&b=`, the two compared."""
    article = _article(request, model_admin, object_id)
    versions = list(revisions.revisions_of(article))
    context = _context(request, model_admin, article, _("Версии статьи"))
    context["versions"] = versions
    pair = _picked(versions, request)
    status = 200
    if pair:
        context["older"], context["newer"] = pair
        context["diffs"] = revisions.compare(*pair)
    elif "a" in request.GET or "b" in request.GET:
        messages.error(request, _("Выберите две разные версии этой статьи."))
        status = 400
    if versions and not pair:
        context["default_a"] = versions[1].pk if len(versions) > 1 else versions[0].pk
        context["default_b"] = versions[0].pk
    return TemplateResponse(
        request, "admin/articles/article/revisions.html", context, status=status
    )


def restore_view(
    request: HttpRequest, model_admin, object_id: str, version_id: int
) -> HttpResponse:
    """GET: what the restore would bring back; POST: restore it (a new revision)."""
    article = _article(request, model_admin, object_id)
    if not model_admin.has_change_permission(request, article):
        raise PermissionDenied
    version = next((v for v in revisions.revisions_of(article) if v.pk == version_id), None)
    if version is None:
        raise Http404(_("Такой версии у статьи нет."))
    if request.method == "POST":
        changed = revisions.restore_revision(article=article, version=version, editor=request.user)
        if changed:
            messages.success(
                request,
                _("Версия восстановлена: %(fields)s. Это новая версия статьи.")
                % {"fields": ", ".join(changed)},
            )
        else:
            messages.info(request, _("Текст этой версии и так совпадает с текущим."))
        return redirect(reverse("admin:articles_article_revisions", args=[article.pk]))
    context = _context(request, model_admin, article, _("Восстановить версию"))
    current = revisions.revisions_of(article).first()
    context.update(version=version, diffs=revisions.compare(current, version))
    return TemplateResponse(request, "admin/articles/article/restore.html", context)
