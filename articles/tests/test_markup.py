from html.parser import HTMLParser

import pytest

from articles.markup import (
    ALLOWED_TAGS,
    html_to_text,
    reading_minutes,
    render_markdown,
    truncate_words,
)

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<a href="#" onclick="alert(1)">x</a>',
    '<p style="position:fixed;top:0">overlay</p>',
    "<iframe src=https://evil.example></iframe>",
    "<svg><script>alert(1)</script></svg>",
    '<div onmouseover="alert(1)">hover</div>',
    "<<script>script>alert(1)<</script>/script>",
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name=x></form>',
    "[x](vbscript:msgbox(1))",
    "<img src=x onerror=alert(1)//",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<a href='javas&#99;ript:alert(1)'>x</a>",
    "[x](java\tscript:alert(1))",
    "<object data=x></object><embed src=x>",
]


class _Elements(HTMLParser):
    """Collects the real elements and attributes of an HTML fragment (escaped text is not one)."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements_of(html):
    parser = _Elements()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_is_rendered_inert(source):
    for tag, attrs in elements_of(render_markdown(source)):
        assert tag in ALLOWED_TAGS
        for name, value in attrs.items():
            assert not name.startswith("on")
            assert name != "style"
            if name in ("href", "src"):
                scheme = value.split(":", 1)[0].lower() if ":" in value else ""
                assert scheme in ("", "http", "https", "mailto"), value


def test_hostile_links_lose_their_href():
    html = render_markdown("[a](javascript:alert(1)) [b](https://example.com/ok)")
    assert 'href="https://example.com/ok"' in html
    assert html.count("href=") == 1


def test_every_supported_feature_renders():
    source = """# Главный раздел

## Раздел

### Подраздел

Абзац с **жирным**, *курсивом*, `кодом` и [ссылкой](https://example.com).

- пункт
- ещё пункт

1. первый
2. второй

> Цитата

![Схема воронки](/static/img/favicon.svg)

```
print("hello")
```

| Этап | Конверсия |
| --- | ---: |
| Лид | 100% |
"""
    html = render_markdown(source)
    for tag in (
        "<h2>",
        "<h3>",
        "<strong>",
        "<em>",
        "<code>",
        "<ul>",
        "<ol>",
        "<blockquote>",
        "<pre>",
        "<table>",
        "<th>",
        "<td>",
    ):
        assert tag in html, tag
    assert '<img src="/static/img/favicon.svg" alt="Схема воронки">' in html
    assert '<a href="https://example.com" rel="noopener noreferrer">ссылкой</a>' in html
    assert '<td align="right">100%</td>' in html
    assert "<h1>" not in html, "the page owns the only h1"


def test_reading_time_grows_with_length():
    assert reading_minutes("") == 1
    assert reading_minutes("слово " * 180) == 1
    assert reading_minutes("слово " * 181) == 2
    assert reading_minutes("слово " * 900) == 5


def test_truncate_cuts_at_a_word_with_two_dots():
    text = "Когда отдаёшься процессу полностью, стараешься и вылавливаешь лидов"
    assert truncate_words(text, 40) == "Когда отдаёшься процессу полностью.."
    assert truncate_words("Коротко.", 40) == "Коротко."


def test_html_to_text_separates_blocks():
    assert html_to_text("<p>Один</p><p>Два &amp; три</p>") == "Один Два & три"


def test_a_library_picture_becomes_a_responsive_img(db):
    from images.tests.factories import make_image

    image = make_image(alt="Схема", size=(1000, 500))
    (tag, attrs), *_ = elements_of(render_markdown(f'![Воронка]({image.reference} "Подпись")'))[1:]

    urls = [rendition.file.url for rendition in image.renditions.order_by("width")]
    assert tag == "img"
    assert attrs == {
        "src": urls[1],  # for browsers without srcset: the widest up to 960 px
        "srcset": f"{urls[0]} 480w, {urls[1]} 960w, {urls[2]} 1000w",
        "sizes": attrs["sizes"],
        "alt": "Воронка",
        "title": "Подпись",
        "width": "1000",
        "height": "500",
        "loading": "lazy",
        "decoding": "async",
    }


def test_other_pictures_stay_as_they_were(db, django_assert_num_queries):
    with django_assert_num_queries(0):  # no library picture named: no query
        html = render_markdown("![внешняя](https://example.com/a.png) ![битая](image:x)")
    assert html == (
        '<p><img src="https://example.com/a.png" alt="внешняя"> <img alt="битая"></p>\n'
    )
