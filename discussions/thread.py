"""A discussion as a tree, built in Python from one query's rows."""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext

from .models import Comment
from .services import can_edit, can_moderate

SORTS = ("best", "newest", "oldest")
DEFAULT_SORT = "best"


@dataclass
class Node:
    comment: Comment
    children: list["Node"] = field(default_factory=list)
    # Set when the comment sits at the maximum depth beside the comment it answers.
    reply_to: object = None
    holder: "Node | None" = None
    my_vote: int = 0
    # Why the vote buttons are off for this member, or "" when they may vote.
    vote_disabled: str = ""
    can_edit: bool = False
    can_delete: bool = False
    can_report: bool = False
    can_moderate: bool = False

    @property
    def placeholder(self) -> bool:
        """Shown only as "комментарий удалён" or "скрыт" to hold its replies' place."""
        status = self.comment.status
        return status == Comment.Status.DELETED or (
            status == Comment.Status.HIDDEN and not self.can_moderate
        )


def _root_key(sort: str):
    if sort == "newest":
        return lambda node: (-node.comment.created_at.timestamp(), -node.comment.pk)
    if sort == "oldest":
        return lambda node: (node.comment.created_at.timestamp(), node.comment.pk)
    return lambda node: (
        -node.comment.wilson,
        -node.comment.score,
        node.comment.created_at.timestamp(),
        node.comment.pk,
    )


def vote_disabled(viewer, comment: Comment, *, closed: bool) -> str:
    """Why the member may not vote on this comment, or "" when they may."""
    if closed:
        return gettext("Обсуждение закрыто")
    if viewer is not None and viewer.is_authenticated and comment.author_id == viewer.pk:
        return gettext("Нельзя голосовать за свой комментарий")
    return ""


def build_thread(
    comments, *, sort: str = DEFAULT_SORT, viewer=None, my_votes=None, closed: bool = False
) -> list[Node]:
    """Top-level nodes in the chosen order, replies oldest first under them.

    `comments` come oldest first (Comment.objects.for_thread). Replies deeper than MAX_DEPTH sit
    beside their parent under the same holder and remember whom they answer. Deleted and hidden
    comments stay as placeholders only while they have replies to show.
    """
    my_votes = my_votes or {}
    moderator = viewer is not None and can_moderate(viewer)
    member = viewer is not None and viewer.is_authenticated
    now = timezone.now()
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for comment in comments:
        own = member and comment.author_id == viewer.pk
        node = Node(
            comment,
            my_vote=my_votes.get(comment.pk, 0),
            vote_disabled=vote_disabled(viewer, comment, closed=closed),
            can_edit=own and can_edit(viewer, comment, now=now),
            can_delete=(own or moderator) and comment.status != Comment.Status.DELETED,
            can_report=member and not own and comment.is_visible,
            can_moderate=moderator,
        )
        nodes[comment.pk] = node
    # Linked in a second pass, so a reply whose clock ran ahead of its parent still finds it.
    for node in nodes.values():
        comment = node.comment
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        if parent is None:
            roots.append(node)
        elif comment.depth > parent.comment.depth:
            node.holder = parent
            parent.children.append(node)
        else:
            node.reply_to = parent.comment
            node.holder = parent.holder or parent
            node.holder.children.append(node)
    roots = [node for node in roots if _keep(node)]
    roots.sort(key=_root_key(sort if sort in SORTS else DEFAULT_SORT))
    return roots


def _keep(node: Node) -> bool:
    node.children = [child for child in node.children if _keep(child)]
    return bool(node.children) or node.comment.is_visible or not node.placeholder
