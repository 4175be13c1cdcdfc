"""The article form's Markdown field: a live preview beside it, drawn by the site's own renderer
and sanitiser (articles.markup) through a staff-only endpoint, and the latest pictures of the
media library with a button that puts one into the text (static/js/admin_media.js)."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseNotAllowed, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

from config.http import RateLimited
from images.models import Image

from . import markup

RECENT_PICTURES = 8
PREVIEW_MAX_LENGTH = 200_000


class MarkdownEditor(forms.Textarea):
    """A Markdown textarea with its preview and the latest library pictures beside it."""

    template_name = "admin/articles/markdown_editor.html"

    class Media:
        css = {"all": ["css/admin_media.css"]}
        js = ["js/admin_media.js"]

    def render(self, name, value, attrs=None, renderer=None):
        # The site's templates, not the form renderer's (which looks in the apps only).
        return render_to_string(self.template_name, self.get_context(name, value, attrs))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["editor"] = {
            "preview_url": reverse("admin:articles_article_markdown_preview"),
            "pictures": Image.objects.newest_first().with_renditions()[:RECENT_PICTURES],
            "library_url": reverse("admin:images_image_changelist"),
            "upload_url": reverse("admin:images_image_add"),
        }
        return context


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, strip=False, max_length=PREVIEW_MAX_LENGTH)


def markdown_preview(request: HttpRequest, model_admin) -> JsonResponse:
    """The article text as readers will see it: {"html": ..., "missing": [ids]}. Staff who may
    add or change articles only (the admin's own view wrapper sends the others to log in), POST
    with the CSRF token, MARKDOWN_PREVIEW_RATE per editor."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    refused = _over_the_rate(request)
    if refused:
        return refused
    form = PreviewForm(request.POST)
    if not form.is_valid():
        message = _("Слишком длинный текст для предпросмотра (предел — %(limit)s знаков).") % {
            "limit": number_format(PREVIEW_MAX_LENGTH, force_grouping=True)
        }
        return JsonResponse({"error": message}, status=400)
    body = form.cleaned_data["body"]
    return JsonResponse(
        {"html": markup.render_markdown(body), "missing": markup.missing_pictures(body)}
    )


def _over_the_rate(request: HttpRequest) -> JsonResponse | None:
    if not settings.RATE_LIMITS_ENABLED:
        return None
    usage = get_usage(
        request,
        group="markdown_preview",
        key="user",
        rate=settings.MARKDOWN_PREVIEW_RATE,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    refusal = RateLimited(max(1, usage["time_left"]))
    response = JsonResponse({"error": str(refusal)}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def missing_pictures_error(body: str) -> forms.ValidationError | None:
    """The form's error for a text that shows pictures the library does not hold."""
    missing = markup.missing_pictures(body)
    if not missing:
        return None
    return forms.ValidationError(
        ngettext(
            "В медиатеке нет картинки %(names)s: загрузите её или уберите из текста.",
            "В медиатеке нет картинок %(names)s: загрузите их или уберите из текста.",
            len(missing),
        ),
        code="missing_pictures",
        params={"names": ", ".join(f"image:{pk}" for pk in missing)},
    )
