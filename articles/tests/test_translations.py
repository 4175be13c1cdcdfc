"""Translation catalogs: complete, compiled, with real Russian plurals; English UI under /en/.

The .po files are read with a small parser below (polib is not a dependency), the .mo files with the
standard gettext module, exactly as a fresh checkout without gettext tools would load them.
"""

import ast
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

from articles.ranking import rebuild_rankings

LANGUAGES = ["ru", "en"]
NPLURALS = {"ru": 3, "en": 2}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<[^>]+>")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
RUSSIAN_UI_WORDS = [
    "Войти",
    "Выйти",
    "Регистрация",
    "Смотреть все",
    "Сейчас в тренде",
    "Обсуждаемое",
    "Мнения",
    "Закладки",
    "читать",
    "Комментарии",
    "Просмотры",
    "Рубрики",
    "Перейти к содержимому",
]


def catalog_dir(lang: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / lang / "LC_MESSAGES"


def _unquote(text: str) -> str:
    # PO strings use C escapes, which Python reads the same way.
    return ast.literal_eval(text.strip())


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as dicts: msgid, msgid_plural, msgstr or msgstr[N], flags, obsolete."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, key = {"flags": set(), "obsolete": False}, None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
                continue
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
                continue
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith('"'):
                entry[key] += _unquote(line)
                continue
            key, _, value = line.partition(" ")
            entry[key] = _unquote(value)
        if "msgid" in entry or entry["obsolete"]:
            entries.append(entry)
    return entries


def messages(lang: str) -> list[dict]:
    return [
        e for e in parse_po(catalog_dir(lang) / "django.po") if e.get("msgid") and not e["obsolete"]
    ]


def header(lang: str) -> dict:
    entry = next(e for e in parse_po(catalog_dir(lang) / "django.po") if e.get("msgid") == "")
    fields = dict(line.split(": ", 1) for line in entry["msgstr"].splitlines() if ": " in line)
    return {**fields, "flags": entry["flags"]}


def forms(entry: dict) -> list[str]:
    return [entry[key] for key in sorted(k for k in entry if k.startswith("msgstr["))]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# (a) complete and clean catalogs


def _msgids(path: Path) -> set[tuple[str, str]]:
    return {
        (e.get("msgctxt", ""), e["msgid"])
        for e in parse_po(path)
        if e.get("msgid") and not e["obsolete"]
    }


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
def test_the_catalogs_hold_every_string_of_the_code(tmp_path, settings, monkeypatch):
    # makemessages over the tree, into copies of the catalogs: a string added to the code
    # without its entry (and so without its English) fails here, not before an English reader.
    committed = {}
    for lang in LANGUAGES:
        committed[lang] = _msgids(catalog_dir(lang) / "django.po")
        copy = tmp_path / "locale" / lang / "LC_MESSAGES"
        copy.mkdir(parents=True)
        shutil.copy(catalog_dir(lang) / "django.po", copy)
    # The tree as `make messages` reads it, seen through links from a folder beside the
    # copies: makemessages writes to the catalogs nearest each file, so these, not the real ones.
    tree = tmp_path / "tree"
    tree.mkdir()
    skipped = {".venv", "bench", "locale", "media", "staticfiles", "cache", "test-artifacts"}
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name not in skipped and not entry.name.startswith("."):
            (tree / entry.name).symlink_to(entry)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tree)
    call_command(
        "makemessages",
        locale=LANGUAGES,
        no_obsolete=True,
        no_location=True,
        symlinks=True,
        verbosity=0,
    )
    for lang in LANGUAGES:
        found = _msgids(tmp_path / "locale" / lang / "LC_MESSAGES" / "django.po")
        assert found - committed[lang] == set(), f"{lang}: strings missing from the catalog"
        assert committed[lang] - found == set(), f"{lang}: entries no code uses any more"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_no_fuzzy_or_obsolete_entries(lang):
    entries = parse_po(catalog_dir(lang) / "django.po")
    assert [e.get("msgid") for e in entries if "fuzzy" in e["flags"]] == []
    assert [e for e in entries if e["obsolete"]] == []
    assert f"nplurals={NPLURALS[lang]};" in header(lang)["Plural-Forms"]


def test_every_english_entry_is_translated():
    entries = messages("en")
    assert len(entries) > 300
    singular = [e for e in entries if "msgid_plural" not in e]
    plural = [e for e in entries if "msgid_plural" in e]
    assert [e["msgid"] for e in singular if not e["msgstr"]] == []
    assert [e["msgid"] for e in plural if len(forms(e)) != 2 or not all(forms(e))] == []


def test_english_translations_contain_no_cyrillic():
    # Language names are written in their own language in the switcher.
    leftovers = [
        e["msgid"]
        for e in messages("en")
        if e["msgid"] != "Русский" and CYRILLIC.search(" ".join(forms(e) or [e["msgstr"]]))
    ]
    assert leftovers == []


def test_every_russian_plural_entry_has_three_forms():
    plurals = [e for e in messages("ru") if "msgid_plural" in e]
    assert len(plurals) >= 10
    incomplete = [e["msgid"] for e in plurals if len(forms(e)) != 3 or not all(forms(e))]
    assert incomplete == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_placeholders_and_tags(lang):
    broken = []
    for e in messages(lang):
        source = placeholders(e.get("msgid_plural", e["msgid"]))
        for text in forms(e) if "msgid_plural" in e else [e["msgstr"]]:
            if text and placeholders(text) != source:
                broken.append((e["msgid"], text))
    assert broken == []


# (b) the committed .mo files match the .po files


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalog_is_up_to_date(lang):
    with open(catalog_dir(lang) / "django.mo", "rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    samples = {0: 1, 1: 2, 2: 5}  # a number that picks each plural form, in both languages
    stale = []
    for e in messages(lang):
        if "msgid_plural" in e:
            for index, text in enumerate(forms(e)):
                got = compiled.ngettext(e["msgid"], e["msgid_plural"], samples[index])
                if got != text:
                    stale.append((e["msgid"], index, got, text))
        else:
            # pgettext: the same word in another case ("статьи", genitive) is another entry.
            got = (
                compiled.pgettext(e["msgctxt"], e["msgid"])
                if "msgctxt" in e
                else compiled.gettext(e["msgid"])
            )
            if got != (e["msgstr"] or e["msgid"]):
                stale.append((e["msgid"], got, e["msgstr"]))
    assert stale == [], "run: python manage.py compilemessages --ignore=.venv"


# (c) Russian plural forms through Django

FORM_FOR = {1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 22: 1, 25: 2, 101: 0}
RUSSIAN = [
    ("%(count)s минута читать", "%(count)s минуты читать", ["минута", "минуты", "минут"]),
    ("%(count)s жалоба", "%(count)s жалобы", ["жалоба", "жалобы", "жалоб"]),
    ("%(counter)s мнение", "%(counter)s мнения", ["мнение", "мнения", "мнений"]),
    (
        "%(counter)s комментарий",
        "%(counter)s комментария",
        ["комментарий", "комментария", "комментариев"],
    ),
    (
        "Слишком часто. Подождите %(count)s секунду и попробуйте снова.",
        "Слишком часто. Подождите %(count)s секунд и попробуйте снова.",
        ["секунду", "секунды", "секунд"],
    ),
]


@pytest.mark.parametrize("n", FORM_FOR)
@pytest.mark.parametrize(("singular", "plural", "words"), RUSSIAN)
def test_russian_plural_forms(singular, plural, words, n):
    name = re.search(r"%\((\w+)\)s", singular).group(1)
    with translation.override("ru"):
        text = translation.ngettext(singular, plural, n) % {name: n}
    assert f"{n} {words[FORM_FOR[n]]}" in text


@pytest.mark.parametrize("n", FORM_FOR)
def test_russian_plural_in_a_template(n):
    template = Template(
        "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} непрочитанное"
        "{% plural %}{{ counter }} непрочитанных{% endblocktranslate %}"
    )
    with translation.override("ru"):
        text = template.render(Context({"n": n}))
    assert text == f"{n} " + ["непрочитанное", "непрочитанных", "непрочитанных"][FORM_FOR[n]]


def test_english_plural_forms():
    singular, plural, _ = RUSSIAN[1]  # msgids in variables: makemessages must not extract tests
    with translation.override("en"):
        texts = [translation.ngettext(singular, plural, n) % {"count": n} for n in (1, 5)]
    assert texts == ["1 report", "5 reports"]


# (d) the English UI has no Russian chrome


@pytest.fixture
def english_article(make_article, make_user, rubric):
    rubric.name = "Sales Life"
    rubric.save()
    article = make_article(
        title="How to sell outsourcing",
        body="The first paragraph about sales.\n\n## A section\n\nMore text.",
        author=make_user(display_name="Anna Writer"),
        tags=["negotiations"],
    )
    rebuild_rankings()
    return article


def russian_left(html: str) -> list[str]:
    """Cyrillic text in the page, apart from the language's own name in the switcher."""
    return sorted(set(re.findall(r"[^<>\"]*[А-Яа-яЁё][^<>\"]*", html.replace("Русский", ""))))


def assert_english(html: str, *expected: str):
    for text in expected:
        assert text in html
    for word in RUSSIAN_UI_WORDS:
        assert word not in html
    assert russian_left(html) == []


def test_english_home_page(client, english_article):
    response = client.get("/en/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en"' in html and "How to sell outsourcing" in html
    assert_english(
        html, "Trending now", "Most discussed", "See all", "Log in", "Sign up", "1 min read"
    )


def test_english_article_page(client, english_article):
    with translation.override("en"):
        url = english_article.get_absolute_url()
    assert url.startswith("/en/")
    response = client.get(url)
    assert response.status_code == 200
    assert_english(
        response.content.decode(), "Opinions", "Bookmark", "0 opinions", "Log in to vote"
    )


@pytest.mark.parametrize(
    ("url", "expected"), [("/en/accounts/login/", "Sign In"), ("/en/accounts/signup/", "Sign Up")]
)
def test_english_account_pages(client, db, url, expected):
    response = client.get(url)
    assert response.status_code == 200
    assert_english(response.content.decode(), expected, "Log in", "Why sign up", "Password")


def test_russian_stays_the_default(client, english_article):
    html = client.get("/").content.decode()
    assert "Сейчас в тренде" in html and "Смотреть все" in html and "Войти" in html
    assert "Trending now" not in html
