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
    read; all time is kept on the article row (services.counters.count_comment). A member
    is in a window when their latest comment is."""
    table = Comment._meta.db_table
    # Each member's comments in an article first (from the index of the recent visible
    # comments alone), then the articles: counting members needs no DISTINCT, whose sort per
    # article and window costs more than the two groupings.
    members = [
        "MAX(created_at) AS last",
        *(
            f"SUM(CASE WHEN created_at >= {start} AND answers_other THEN 1 ELSE 0 END) "
            f"AS replies_{window}"
            for window, start in windows.items()
        ),
    ]
    by_member = (
        f"SELECT article_id, author_id, {', '.join(members)} FROM {table} "  # noqa: S608
        f"WHERE status = '{Comment.Status.VISIBLE.value}' AND created_at >= {since} "
        "GROUP BY article_id, author_id"
    )
    columns = []
    for window, start in windows.items():
        columns += [
            f"SUM(CASE WHEN last >= {start} THEN 1 ELSE 0 END) AS participants_{window}",
            f"SUM(replies_{window}) AS replies_{window}",
            f"MAX(CASE WHEN last >= {start} THEN last END) AS last_comment_{window}",
        ]
    return f"SELECT article_id, {', '.join(columns)} FROM ({by_member}) m GROUP BY article_id"  # noqa: S608
