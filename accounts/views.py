from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from articles.models import Article
from config.http import page_or_404
from config.middleware import max_body
from discussions.models import Comment

from . import services
from .forms import ProfileForm
from .models import User

PROFILE_COMMENTS = 10


@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    articles = Article.objects.published().filter(author=member).for_listing().newest_first()
    page = page_or_404(request, Paginator(articles, settings.ARTICLES_PER_PAGE))
    return render(
        request,
        "accounts/profile.html",
        {
            "member": member,
            "page_obj": page,
            "articles": page.object_list,
            "comments": Comment.objects.by_author(member)[:PROFILE_COMMENTS],
        },
    )


PREFERENCES = (
    "display_name",
    "bio",
    "notify_replies",
    "notify_article_comments",
    "notify_followed_articles",
)


def _save_profile(user: User, data: dict[str, Any]) -> None:
    avatar = data["avatar"]
    services.update_profile(
        user=user,
        **{name: data[name] for name in PREFERENCES},
        avatar=avatar if isinstance(avatar, UploadedFile) else None,
        remove_avatar=data["remove_avatar"],
    )


@max_body("AVATAR_MAX_BYTES")
@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        initial = {name: getattr(request.user, name) for name in PREFERENCES}
        return render(request, "accounts/settings.html", {"form": ProfileForm(initial=initial)})
    form = ProfileForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "accounts/settings.html", {"form": form})
    _save_profile(request.user, form.cleaned_data)
    messages.success(request, _("Настройки сохранены."))
    return redirect("accounts:settings")
