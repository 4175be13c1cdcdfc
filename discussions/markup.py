"""Comment text: a small Markdown subset rendered to sanitised HTML."""

from markdown_it import MarkdownIt

from articles.markup import sanitize_html

# Paragraphs, emphasis, links, code, quotes and lists; no images, headings, tables or raw HTML.
_markdown = MarkdownIt("zero", {"html": False, "linkify": False, "breaks": True}).enable(
    "emphasis link backticks fence code blockquote list newline escape entity autolink".split()
)


def render_comment(source: str) -> str:
    """Safe HTML for a comment; links get rel="nofollow ugc noopener"."""
    raw = _markdown.render(source or "")
    return sanitize_html(raw, link_rel="nofollow ugc noopener")
