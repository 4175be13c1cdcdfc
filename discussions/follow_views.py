"""Follows and "Моя лента": follow a rubric, a tag or an author (a form that works without
JavaScript, JSON for the page's script), and the newest articles of what a member follows."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from articles.models import Rubric, Tag
from config.http import (
    answers_refusals,
    members_only,
    page_or_404,
    refusals_show,
    same_site_next,
    wants_json,
)

from . import services
from .models import Follow
from .ratelimit import rate_limited


def follow_target(kind: str, pk: int) -> Rubric | Tag:
    """What a follow form points at; a 404 for an unknown kind or a missing one."""
    if kind == "rubric":
        return get_object_or_404(Rubric, pk=pk)
    if kind == "tag":
        return get_object_or_404(Tag, pk=pk)
    if kind == "author":
        return get_object_or_404(get_user_model(), pk=pk, is_active=True)
    raise Http404(_("Такой страницы нет."))


def _back_to_target(request: HttpRequest, kind: str, pk: int) -> str:
    return follow_target(kind, pk).get_absolute_url()


@require_POST
@members_only(back=_back_to_target)
@answers_refusals
def follow(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Follow (following=1) or stop following (0), then back to the page the form was on."""
    target = follow_target(kind, pk)
    back = same_site_next(request) or target.get_absolute_url()
    with refusals_show(back_url=back), rate_limited(request, "follow"):
        following = services.set_follow(
            member=request.user, target=target, following=request.POST.get("following") == "1"
        )
    if wants_json(request):
        return JsonResponse({"following": following})
    return redirect(back)


@members_only()
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """ "Моя лента": the newest public articles of the rubrics, tags and authors one follows."""
    articles = Follow.objects.feed_for(request.user).card_states()
    page = page_or_404(request, Paginator(articles, settings.ARTICLES_PER_PAGE))
    following = Follow.objects.filter(member=request.user).exists()
    return render(
        request,
        "discussions/feed.html",
        {"page_obj": page, "articles": page.object_list, "following": following},
    )
