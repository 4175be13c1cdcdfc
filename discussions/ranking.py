"""The discussion figures of "Обсуждаемое", as SQL over the comments: registered with
articles.ranking at start-up (apps.py), because `articles` never imports `discussions`."""

from collections.abc import Mapping

from .models import Comment


def discussion_figures(windows: Mapping[str, str], since: str) -> str:
    """A SELECT of one row per article with, for each window w (w -> the SQL of its start):
    participants_w, the distinct members with a visible comment in it; replies_w, its visible
    comments that answer another member's comment (a reply to oneself is not a conversation; the
    comment answered may be older than the window, or hidden since); and last_comment_w, when the
    latest of them was written. Only comments written since `since` (the SQL of a moment) are
    read; all time is kept on the article row (services.counters.count_comment)."""
    table = Comment._meta.db_table
    visible = f"c.status = '{Comment.Status.VISIBLE.value}'"
    # A month's comments are a tenth of them: look each parent up by its key rather than hash
    # the whole table.
    rows = (
        f"SELECT c.article_id, c.author_id, c.created_at, (SELECT p.author_id FROM {table} p "  # noqa: S608
        f"WHERE p.id = c.parent_id) AS answered FROM {table} c "
        f"WHERE {visible} AND c.created_at >= {since}"
    )
    columns = []
    for window, start in windows.items():
        inside = f"created_at >= {start}"
        columns += [
            f"COUNT(DISTINCT CASE WHEN {inside} THEN author_id END) AS participants_{window}",
            f"SUM(CASE WHEN {inside} AND answered <> author_id THEN 1 ELSE 0 END) "
            f"AS replies_{window}",
            f"MAX(CASE WHEN {inside} THEN created_at END) AS last_comment_{window}",
        ]
    return f"SELECT article_id, {', '.join(columns)} FROM ({rows}) c GROUP BY article_id"  # noqa: S608
