"""What one reader gets of a discussion: one part of it with their own footers, and the links
to the next part and to where a comment is.

The article page carries part 1 (or ?page=N); the page's script asks thread_part (the same
rendering without the page around it) for the next one. A comment's permanent link resolves the
part that holds it now: in the default order a part's comments change as votes come in.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from articles.local_copies import RecentValues

from .models import Comment, CommentVote
from .services import permissions
from .thread import DEFAULT_SORT, SORTS, Discussion, rendered_thread
from .versions import reads_current

# How long a worker keeps a rendering of a part of the article page; the state it shows is in its
# key (discussions/member_pages.py, templatetags/discussions_tags.py).
FRAGMENT_SECONDS = 10
# Renderings of the parts of the article page that differ between readers, keyed by everything
# they show (a member's own menu by their name and unread count; an article's vote and bookmark
# by its counters and, for a member, their vote and save; the discussion's frame by the part
# shown): the same state gives the same HTML, so each is rendered once per worker and state, not
# once per request. None of them holds a CSRF token or anything but what its key names.
fragments = RecentValues(entries=2048, seconds=FRAGMENT_SECONDS)
# What a frame of the discussion carries in place of its comments, with one reader's footers;
# escaped text cannot contain an HTML comment.
COMMENTS_HOLE = mark_safe("<!--member:comment-list-->")


@dataclass
class ReaderPart:
    """One part of a discussion as this reader sees it."""

    discussion: Discussion
    number: int
    sort: str
    html: SafeString

    @property
    def count(self) -> int:
        return self.discussion.count

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.number < len(self.discussion.parts) else None

    @property
    def remaining(self) -> int:
        return self.discussion.remaining(self.number)


def frame_state(article, reader: ReaderPart) -> tuple:
    """All a discussion's frame shows of the article and the part around the comments (the
    order, the links to the next part and back, the counts): its renderings' key in
    `fragments`, with who it is for."""
    return (
        article.pk,
        article.slug,
        article.comments_count,
        article.discussion_closed,
        reader.sort,
        reader.number,
        reader.count,
        reader.next_number,
        reader.remaining,
    )


def requested_sort(request) -> str:
    sort = request.GET.get("sort", DEFAULT_SORT)
    return sort if sort in SORTS else DEFAULT_SORT


def requested_part(request) -> int:
    """?page=N of the discussion; anything but a positive number in ASCII digits is a 404."""
    value = request.GET.get("page", "")
    if value == "":
        return 1
    # ASCII digits only: "²" passes isdigit() and then fails int().
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise Http404(_("Такой части обсуждения нет."))
    return int(value)


def reader_part(request, article, *, my_votes: dict[int, int] | None = None) -> ReaderPart:
    """The requested part of the article's discussion with this reader's footers: the shared
    HTML from the cache, and one query for a member's votes on the comments of that part, unless
    they were read with the article (`my_votes`, discussions/member_pages.py)."""
    user = request.user
    sort = requested_sort(request)
    number = requested_part(request)
    member = user.is_authenticated
    staff = permissions.can_moderate(user)
    discussion = rendered_thread(
        article, sort=sort, staff=staff, current=staff or (member and reads_current(request))
    )
    part = discussion.part(number)
    if part is None:
        if number == 1:  # a discussion with nothing to show still has its (empty) first part
            part = discussion.parts[0]
        else:
            raise Http404(_("Такой части обсуждения нет."))
    if my_votes is None:
        my_votes = {}
        if member and part.footers:
            my_votes = CommentVote.objects.values_by_comment(
                user_id=user.pk, comment_ids=part.comment_ids
            )
    closed = article.discussion_closed
    if member:
        html = part.for_reader(viewer=user, my_votes=my_votes, closed=closed)
    else:
        html = part.for_anonymous(closed=closed)
    return ReaderPart(discussion=discussion, number=number, sort=sort, html=html)


def _query(sort: str, number: int) -> str:
    params = {}
    if sort != DEFAULT_SORT:
        params["sort"] = sort
    if number > 1:
        params["page"] = number
    return urlencode(params)


def part_links(article, reader: ReaderPart) -> dict:
    """The links around a part: the next part as a page (without JavaScript) and as a fragment
    (for the script), and back to the first part."""
    links = {"next_url": "", "more_url": "", "first_url": ""}
    if reader.next_number:
        query = _query(reader.sort, reader.next_number)
        links["next_url"] = f"{article.get_absolute_url()}?{query}#comments"
        fragment = reverse("discussions:thread_part", kwargs={"pk": article.pk})
        links["more_url"] = f"{fragment}?{query}"
    if reader.number > 1:
        query = _query(reader.sort, 1)
        links["first_url"] = f"{article.get_absolute_url()}{'?' if query else ''}{query}#comments"
    return links


def comment_url(comment: Comment, *, staff: bool = False) -> str:
    """Where a comment is in its article's thread now: the page of the part that holds it (in
    the default order), always with ?page=N so the page's script knows it was sent here."""
    discussion = rendered_thread(comment.article, sort=DEFAULT_SORT, staff=staff)
    number = discussion.part_of(comment.pk)
    return f"{comment.article.get_absolute_url()}?page={number}#{comment.anchor}"
