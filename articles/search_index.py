"""Writes of search: the articles' search documents and the words typos are compared with.

The summary and the document are tsvector columns on the article, not generated columns: a
generated column cannot read the tags, which live in another table. So whatever changes what an
article is found by calls index_articles() in its own transaction: saving an article
(services.save_article, the admin's save_related once the tags are saved), renaming or deleting
a tag. One SQL statement, INDEX_SQL, writes both everywhere, the bench's generator included.
"""

from collections.abc import Iterable

from django.db import connection, transaction

from .caching import bump_search_generation

# The configuration is models.search.SEARCH_CONFIG. The summary is title A, tags B and lead C, a
# few hundred bytes kept in the row; the document adds the body as D. Relevance ranks the
# summary (ts_rank weighs A, B, C as 1.0, 0.4, 0.2), which costs little for any number of
# matches; ranking whole documents would read every matching body from TOAST.
SUMMARY_SQL = """
    setweight(to_tsvector('russian', articles_article.title), 'A')
    || setweight(to_tsvector('russian', coalesce((
        SELECT string_agg(articles_tag.name, ' ')
        FROM articles_taggedarticle
        JOIN articles_tag ON articles_tag.id = articles_taggedarticle.tag_id
        WHERE articles_taggedarticle.content_object_id = articles_article.id
    ), '')), 'B')
    || setweight(to_tsvector('russian', articles_article.lead), 'C')
"""
DOCUMENT_SQL = f"""{SUMMARY_SQL}
    || setweight(to_tsvector('russian', articles_article.body), 'D')
"""
INDEX_SQL = (
    f"UPDATE articles_article SET search_summary = {SUMMARY_SQL}, "  # noqa: S608
    f"search_document = {DOCUMENT_SQL}"
)

# Words of published titles and of tags that a mistyped word may be corrected to: long enough to
# be words, short enough for a title, letters and hyphens only.
TERMS_SQL = """
    INSERT INTO articles_searchterm (word, documents)
    SELECT word, sum(ndoc) FROM (
        SELECT word, ndoc FROM ts_stat($$
            SELECT to_tsvector('simple', title) FROM articles_article WHERE status = 'published'
        $$)
        UNION ALL
        SELECT word, ndoc FROM ts_stat($$SELECT to_tsvector('simple', name) FROM articles_tag$$)
    ) AS words
    WHERE length(word) BETWEEN 3 AND 60 AND word ~ '^[[:alpha:]][[:alpha:]-]*$'
    GROUP BY word
"""


def index_articles(*, article_ids: Iterable[int]) -> None:
    """Rebuild the search documents of these articles from their title, tags, lead and body
    (PostgreSQL only: elsewhere search reads the columns themselves); stored search results are
    a miss from now on, on any database."""
    bump_search_generation()
    ids = list(article_ids)
    if not ids or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"{INDEX_SQL} WHERE articles_article.id = ANY(%s)", [ids])


def index_all_articles() -> None:
    """Rebuild every article's search document (the migration, `manage.py reindex_search`)."""
    bump_search_generation()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(INDEX_SQL)


def index_tagged_articles(*, tag_ids: Iterable[int]) -> None:
    """Rebuild the documents of the articles with these tags (after a rename; before a delete,
    run it after the delete with the ids taken before)."""
    from .models import TaggedArticle

    ids = TaggedArticle.objects.filter(tag_id__in=list(tag_ids)).values_list(
        "content_object_id", flat=True
    )
    index_articles(article_ids=set(ids))


def refresh_search_terms() -> int:
    """Replace the words typos are compared with by those of today's titles and tags; returns
    how many. Two runs at once take turns (the table lock), readers are never blocked."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE articles_searchterm IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("DELETE FROM articles_searchterm")
        cursor.execute(TERMS_SQL)
        bump_search_generation()  # the suggestions too
        return cursor.rowcount
