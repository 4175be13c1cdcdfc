"""A discussion as a flat list in reading order, rendered once per version and completed per reader.

The comments' HTML is the same for every reader (one rendering for readers, one for staff, per
sort and language) and is cached under the article's discussion version. Only each comment's
footer belongs to the reader: their own vote, edit and delete for their own comments, report for
others', moderation for staff. Those footers are cheap strings joined in per request.

A long discussion comes in parts: ROOTS_PER_PART top-level comments with all their replies, in the
chosen order. The article page carries the first part; "Показать ещё" (or ?page=N without
JavaScript) brings the next, and a link to one comment opens the part that holds it (part_of).
"""

import datetime
import functools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from config import cache_keys

from .models import Comment
from .services.permissions import can_moderate
from .versions import shared_thread_version, thread_version

SORTS = ("best", "newest", "oldest")
DEFAULT_SORT = "best"
# Top-level comments in one part of a discussion, each with all its replies.
ROOTS_PER_PART = 10

# Where each comment's reader-specific footer goes; comment text (Markdown without raw HTML,
# sanitised) and escaped fields cannot contain an HTML comment.
ACTIONS_SLOT = "<!--actions-->"


@dataclass(slots=True)
class Entry:
    comment: Comment
    # Shown only as "комментарий удалён" or "скрыт" to hold its replies' place.
    placeholder: bool
    # Set when the comment sits at the maximum depth beside the comment it answers.
    reply_to: Comment | None = None
    holder: "Entry | None" = None
    children: list["Entry"] = field(default_factory=list)

    @property
    def datetime(self) -> str:
        return self.comment.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%MZ")


def _root_key(sort: str):
    if sort == "newest":
        return lambda entry: (-entry.comment.created_at.timestamp(), -entry.comment.pk)
    if sort == "oldest":
        return lambda entry: (entry.comment.created_at.timestamp(), entry.comment.pk)
    return lambda entry: (
        -entry.comment.wilson,
        -entry.comment.score,
        entry.comment.created_at.timestamp(),
        entry.comment.pk,
    )


def _placeholder(comment: Comment, *, staff: bool) -> bool:
    status = comment.status
    return status == Comment.Status.DELETED or (status == Comment.Status.HIDDEN and not staff)


def build_thread(comments, *, sort: str = DEFAULT_SORT, staff: bool = False) -> list[Entry]:
    """Every comment to show, in reading order: a top-level comment in the chosen order, then its
    replies oldest first, each under the comment it answers.

    `comments` come oldest first (Comment.objects.for_thread). Replies deeper than MAX_DEPTH sit
    beside their parent under the same holder and remember whom they answer. Deleted (and, for
    readers, hidden) comments stay as placeholders only while they have replies to show.
    """
    entries = {c.pk: Entry(c, placeholder=_placeholder(c, staff=staff)) for c in comments}
    roots: list[Entry] = []
    # Linked in a second pass, so a reply whose clock ran ahead of its parent still finds it.
    for entry in entries.values():
        comment = entry.comment
        parent = entries.get(comment.parent_id) if comment.parent_id else None
        if parent is None:
            roots.append(entry)
        elif comment.depth > parent.comment.depth:
            entry.holder = parent
            parent.children.append(entry)
        else:
            entry.reply_to = parent.comment
            entry.holder = parent.holder or parent
            entry.holder.children.append(entry)
    roots = [entry for entry in roots if _keep(entry)]
    roots.sort(key=_root_key(sort if sort in SORTS else DEFAULT_SORT))
    flat: list[Entry] = []
    stack = roots[::-1]
    while stack:
        entry = stack.pop()
        flat.append(entry)
        stack.extend(reversed(entry.children))
    return flat


def split_parts(flat: list[Entry], roots_per_part: int | None = None) -> list[list[Entry]]:
    """The reading order cut into parts of `roots_per_part` (ROOTS_PER_PART) top-level comments
    with their replies (always one part, maybe empty)."""
    roots_per_part = roots_per_part or ROOTS_PER_PART
    parts: list[list[Entry]] = [[]]
    roots = 0
    for entry in flat:
        if entry.holder is None:
            if roots and roots % roots_per_part == 0:
                parts.append([])
            roots += 1
        parts[-1].append(entry)
    return parts


def _keep(entry: Entry) -> bool:
    entry.children = [child for child in entry.children if _keep(child)]
    return bool(entry.children) or not entry.placeholder


@dataclass
class RenderedThread:
    """The comments' shared HTML, cut where each comment's footer goes."""

    parts: list[str]
    # One per footer: (comment id, author id, visible, score, created at as a timestamp).
    footers: list[tuple[int, int, bool, int, float]]
    count: int
    # Kept with this copy, by whether the discussion is closed: for_anonymous(), and each
    # comment's footer as any member who is not staff, neither wrote it nor voted on it sees it.
    _anonymous: dict[bool, SafeString] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _plain: dict[bool, list[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # The HTML with those footers on every comment: what a member who wrote none of them and
    # voted on none gets (most members, on most threads).
    _plain_joined: dict[bool, SafeString] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def comment_ids(self) -> list[int]:
        return [footer[0] for footer in self.footers]

    def for_anonymous(self, *, closed: bool) -> SafeString:
        """for_reader() for readers who are not logged in: the same for all of them, so joined
        once per copy of the thread this worker keeps."""
        joined = self._anonymous.get(closed)
        if joined is None:
            joined = self.for_reader(viewer=AnonymousUser(), my_votes={}, closed=closed)
            self._anonymous[closed] = joined
        return joined

    def for_reader(self, *, viewer, my_votes: dict[int, int], closed: bool) -> SafeString:
        """The HTML with this reader's footers joined in. A member who is not staff gets the
        kept plain footers but for the comments they wrote or voted on."""
        footer = Footer(viewer=viewer, my_votes=my_votes, closed=closed)
        if footer.member and not footer.staff:
            plain = self._plain.get(closed)
            if plain is None:
                any_member = Footer(viewer=_ANY_MEMBER, my_votes={}, closed=closed)
                plain = self._plain[closed] = [any_member(*slot) for slot in self.footers]
            mine = footer.viewer_id
            if not any(slot[1] == mine or slot[0] in my_votes for slot in self.footers):
                joined = self._plain_joined.get(closed)
                if joined is None:
                    joined = self._plain_joined[closed] = self._joined(plain)
                return joined
            footers = [
                footer(*slot) if slot[1] == mine or slot[0] in my_votes else plain[index]
                for index, slot in enumerate(self.footers)
            ]
        else:
            footers = [footer(*slot) for slot in self.footers]
        return self._joined(footers)

    def _joined(self, footers: list[str]) -> SafeString:
        chunks = [self.parts[0]]
        for html, part in zip(footers, self.parts[1:], strict=True):
            chunks.append(html)
            chunks.append(part)
        return mark_safe("".join(chunks))  # escaped in the template and in Footer


def _render(entries: list[Entry], article, *, staff: bool) -> RenderedThread:
    html = render_to_string(
        "discussions/_comment_list.html",
        {
            "entries": entries,
            "article": article,
            "staff": staff,
            "actions": mark_safe(ACTIONS_SLOT),
        },
    )
    footers = [
        (
            e.comment.pk,
            e.comment.author_id,
            e.comment.is_visible,
            e.comment.score,
            e.comment.created_at.timestamp(),
        )
        for e in entries
        if not e.placeholder
    ]
    parts = html.split(ACTIONS_SLOT)
    if len(parts) != len(footers) + 1:
        raise ValueError("the comment list template must hold one actions slot per comment")
    return RenderedThread(parts=parts, footers=footers, count=len(entries))


@dataclass
class Discussion:
    """An article's whole discussion for one audience and sort: its parts' shared HTML, and which
    part holds each comment."""

    parts: list[RenderedThread]
    where: dict[int, int]  # comment id: its part's number, from 1
    count: int  # the comments shown in all parts

    def part(self, number: int) -> RenderedThread | None:
        return self.parts[number - 1] if 1 <= number <= len(self.parts) else None

    def part_of(self, comment_id: int) -> int:
        """The number of the part that holds this comment (the first one if none does)."""
        return self.where.get(comment_id, 1)

    def remaining(self, number: int) -> int:
        """The comments in the parts after this one."""
        return sum(part.count for part in self.parts[number:])


def _render_discussion(entries: list[Entry], article, *, staff: bool) -> Discussion:
    pieces = split_parts(entries)
    parts = [_render(piece, article, staff=staff) for piece in pieces]
    where = {
        entry.comment.pk: number for number, piece in enumerate(pieces, start=1) for entry in piece
    }
    return Discussion(parts=parts, where=where, count=len(entries))


def rendered_thread(article, *, sort: str, staff: bool, current: bool = True) -> Discussion:
    """The article's discussion as every reader (or every editor) sees it, from the cache when
    this version, sort and language were rendered before; one query otherwise. Unless `current`
    the version may be LOCAL_SECONDS old (versions.py)."""
    version = thread_version(article.pk) if current else shared_thread_version(article.pk)
    key = cache_keys.thread_html(
        article_id=article.pk,
        version=version,
        author_id=article.author_id,
        sort=sort,
        audience="staff" if staff else "readers",
        language=get_language(),
    )
    rendered = _local_copies.get(key)
    if rendered is not None:
        return rendered
    rendered = cache.get(key)
    if rendered is None:
        comments = list(Comment.objects.for_thread(article))
        entries = build_thread(comments, sort=sort, staff=staff)
        rendered = _render_discussion(entries, article, staff=staff)
        recent = timezone.now() - datetime.timedelta(days=1)
        newest = max((c.created_at for c in comments), default=None)
        fresh = newest is not None and newest > recent
        # Relative times ("5 минут назад") go stale: a thread with recent comments is rendered
        # again every minute; older ones show dates.
        seconds = (
            cache_keys.THREAD_HTML_RECENT_SECONDS
            if fresh
            else cache_keys.THREAD_HTML_SETTLED_SECONDS
        )
        cache.set(key, rendered, seconds)
    _local_copies.put(key, rendered)
    return rendered


class _LocalCopies:
    """This worker's copies of the discussions it rendered or fetched last, for LOCAL_SECONDS:
    the version is in the key, so a copy is never of an older discussion; the relative times in
    it ("5 минут назад") age by at most that much more than in the shared cache."""

    def __init__(self, size: int):
        self._size = size
        self._copies: OrderedDict[str, tuple[float, Discussion]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Discussion | None:
        with self._lock:
            found = self._copies.get(key)
            if found is None or found[0] < time.monotonic():
                return None
            self._copies.move_to_end(key)
            return found[1]

    def put(self, key: str, discussion: Discussion) -> None:
        with self._lock:
            self._copies[key] = (time.monotonic() + LOCAL_SECONDS, discussion)
            self._copies.move_to_end(key)
            while len(self._copies) > self._size:
                self._copies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()


LOCAL_SECONDS = 10
_local_copies = _LocalCopies(32)


def render_comment(comment: Comment, *, viewer, my_vote: int = 0) -> SafeString:
    """One comment's HTML as the thread shows it to this reader, for the page's script."""
    staff = can_moderate(viewer)
    parent = comment.parent
    entry = Entry(
        comment,
        placeholder=_placeholder(comment, staff=staff),
        reply_to=parent if parent is not None and parent.depth == comment.depth else None,
    )
    rendered = _render([entry], comment.article, staff=staff)
    return rendered.for_reader(
        viewer=viewer,
        my_votes={comment.pk: my_vote},
        closed=comment.article.discussion_closed,
    )


def _label(text: str) -> str:
    """A translated label, escaped for HTML and for the %-formatting of footers."""
    return escape(text).replace("%", "%%")


def _url_pattern(name: str) -> str:
    """A URL with a %(pk)s hole: reversed once per language and prefix, not once per comment."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reversed_pattern(name, get_language(), get_script_prefix(), urlconf)


@functools.lru_cache(maxsize=256)
def _reversed_pattern(name: str, language: str, prefix: str, urlconf: str) -> str:
    return reverse(name, kwargs={"pk": 0}).replace("/0/", "/%(pk)s/")


class Footer:
    """Renders one comment's footer for one reader: vote controls, reply, and the reader's own
    actions. Members' buttons post through the page's one "thread-actions" form (its CSRF token
    lives outside the shared HTML); readers who are not logged in get links to log in and come
    back to the comment."""

    def __init__(self, *, viewer, my_votes: dict[int, int], closed: bool):
        self.member = viewer is not None and viewer.is_authenticated
        self.viewer_id = viewer.pk if self.member else None
        self.staff = self.member and can_moderate(viewer)
        self.my_votes = my_votes
        self.closed = closed
        self.edit_since = timezone.now().timestamp() - settings.COMMENT_EDIT_WINDOW.total_seconds()
        # The controls' HTML, with holes for each comment's values: written once per language,
        # script prefix and URLconf, not once per reader.
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        self.__dict__.update(
            _footer_templates(self.member, get_language(), get_script_prefix(), urlconf)
        )

    def __call__(self, pk: int, author_id: int, visible: bool, score: int, created: float) -> str:
        values = {"pk": pk}
        score_html = _score(score)
        own = author_id == self.viewer_id
        if self.closed:
            html = ['<span class="vote">', self.disabled % {"score": score_html}, "</span>"]
        elif not self.member:
            sign = ' class="up"' if score > 0 else ' class="down"' if score < 0 else ""
            return self.login % {"pk": pk, "score": f"<b{sign}>{_signed(score)}</b>"}
        elif own:
            html = ['<span class="vote">', self.own_vote % {"score": score_html}, "</span>"]
        else:
            mine = self.my_votes.get(pk, 0)
            values["up"] = 0 if mine == 1 else 1
            values["down"] = 0 if mine == -1 else -1
            values["up_pressed"] = "true" if mine == 1 else "false"
            values["down_pressed"] = "true" if mine == -1 else "false"
            html = [
                '<span class="vote">',
                self.up % values,
                score_html,
                self.down % values,
                "</span>",
            ]
        if visible and not self.closed:
            html.append(self.reply % values)
        if self.member:
            if own and visible and created > self.edit_since:
                html.append(self.edit % values)
            if own or self.staff:
                html.append(self.delete % values)
            if not own and visible:
                html.append(self.report % values)
            if self.staff:
                html.append((self.hide if visible else self.restore) % values)
        return "".join(html)


@functools.lru_cache(maxsize=64)
def _footer_templates(member: bool, language: str, prefix: str, urlconf: str) -> dict[str, str]:
    """The HTML of the footers' controls, for members or for readers who are not logged in, with
    holes for each comment's values; the language, script prefix and URLconf are what the
    translations and addresses in it depend on (_url_pattern reads them again)."""
    up, down, reply = (
        _label(gettext("Плюс")),
        _label(gettext("Минус")),
        _label(gettext("Ответить")),
    )
    controls = {}
    controls["disabled"] = (
        f'<button class="vote__up" disabled aria-label="{up}"></button>%(score)s'
        f'<button class="vote__down" disabled aria-label="{down}"></button>'
    )
    if not member:
        # Votes are a link to log in and come back to the comment, the reply one to log in
        # and come back to its reply form; the page says once what they do (#thread-login).
        login = resolve_url(settings.LOGIN_URL) + "?next="
        rate = _label(gettext("Оценить"))
        controls["login"] = (
            f'<a class="comment__login" href="{login}{_url_pattern("discussions:comment")}"'
            ' aria-describedby="thread-login">'
            f'<span class="visually-hidden">{rate}</span>'
            '<i class="vote__up"></i>%(score)s<i class="vote__down"></i></a>'
            f'<a class="comment__login comment__login-reply"'
            f' href="{login}{_url_pattern("discussions:comment_reply")}"'
            f' aria-describedby="thread-login"><span>{reply}</span></a>'
        )
        return controls
    controls.update(_member_controls(up, down, reply))
    return controls


def _member_controls(up: str, down: str, reply: str) -> dict[str, str]:
    """The HTML of a member's controls, with holes for each comment's values."""
    controls = {}
    vote = _url_pattern("discussions:comment_vote")
    post = 'form="thread-actions" formaction='
    controls["up"] = (
        f'<button class="vote__up" {post}"{vote}" name="value" value="%(up)s"'
        f' aria-pressed="%(up_pressed)s" aria-label="{up}"></button>'
    )
    controls["down"] = (
        f'<button class="vote__down" {post}"{vote}" name="value" value="%(down)s"'
        f' aria-pressed="%(down_pressed)s" aria-label="{down}"></button>'
    )
    own_title = _label(gettext("Нельзя голосовать за свой комментарий"))
    controls["own_vote"] = (
        f'<button class="vote__up" disabled aria-label="{up}" title="{own_title}"></button>'
        "%(score)s"
        f'<button class="vote__down" disabled aria-label="{down}" title="{own_title}">'
        "</button>"
    )
    edit_label, report_label, delete_label = (
        _label(gettext("Изменить")),
        _label(gettext("Пожаловаться")),
        _label(gettext("Удалить")),
    )
    hide_label, restore_label = _label(gettext("Скрыть")), _label(gettext("Вернуть"))
    controls["reply"] = (
        f'<a class="comment__action" href="?reply=%(pk)s#comment-form" data-reply>{reply}</a>'
    )
    controls["edit"] = (
        f'<a class="comment__action" href="{_url_pattern("discussions:comment_edit")}"'
        f" data-edit>{edit_label}</a>"
    )
    controls["report"] = (
        f'<a class="comment__action" href="{_url_pattern("discussions:comment_report")}">'
        f"{report_label}</a>"
    )
    action = 'class="comment__action link-button" ' + post
    controls["delete"] = (
        f'<button {action}"{_url_pattern("discussions:comment_delete")}" data-delete>'
        f"{delete_label}</button>"
    )
    moderate = _url_pattern("discussions:comment_moderate")
    controls["hide"] = (
        f'<button {action}"{moderate}" name="action" value="hide" data-moderate>'
        f"{hide_label}</button>"
    )
    controls["restore"] = (
        f'<button {action}"{moderate}" name="action" value="restore" data-moderate>'
        f"{restore_label}</button>"
    )
    return controls


# A member who is not staff and wrote nothing (no account has the id 0): the plain footers.
_ANY_MEMBER = SimpleNamespace(is_authenticated=True, is_active=True, is_staff=False, pk=0)


def _signed(score: int) -> str:
    return f"+{score}" if score > 0 else f"\u2212{-score}" if score < 0 else "0"


def _score(score: int) -> str:
    sign = " vote__score--positive" if score > 0 else " vote__score--negative" if score < 0 else ""
    return f'<span class="vote__score{sign}" data-score>{_signed(score)}</span>'
