from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
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
def profile(request, username):
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


@max_body("AVATAR_MAX_BYTES")
@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            services.update_profile(
                user=user,
                display_name=data["display_name"],
                bio=data["bio"],
                notify_replies=data["notify_replies"],
                notify_article_comments=data["notify_article_comments"],
                avatar=data["avatar"] if isinstance(data["avatar"], UploadedFile) else None,
                remove_avatar=data["remove_avatar"],
            )
            messages.success(request, _("Настройки сохранены."))
            return redirect("accounts:settings")
    else:
        form = ProfileForm(
            initial={
                "display_name": user.display_name,
                "bio": user.bio,
                "notify_replies": user.notify_replies,
                "notify_article_comments": user.notify_article_comments,
            }
        )
    return render(request, "accounts/settings.html", {"form": form})
