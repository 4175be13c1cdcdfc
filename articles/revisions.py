"""Revisions of articles, kept by django-reversion: what an editor saved, who and when, and a
readable comparison of two of them.

Only `articles.services.save_article` and `publish` record revisions (inside
`reversion.create_revision`): counters change by F() updates and the bench generator writes in
bulk, so neither records anything. A revision's comment names the fields that changed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import reversion
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from reversion.models import Version

from .models import Article

# What a revision keeps: what editors write and decide, not counters or derived HTML.
REVISED_FIELDS = [
    "title",
    "slug",
    "author",
    "rubric",
    "series",
    "series_number",
    "lead",
    "body",
    "cover",
    "cover_alt",
    "status",
    "published_at",
    "discussion_closed",
]
# What readers read: a change to one of them after publication shows "обновлено" on the page,
# and a restore brings them back.
CONTENT_FIELDS = ["title", "lead", "body"]
CONTEXT_LINES = 2

reversion.register(Article, fields=REVISED_FIELDS)


def revisions_of(article: Article):
    """The article's revisions, newest first, with who saved each."""
    return (
        Version.objects.get_for_object(article)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def field_values(article: Article) -> dict:
    """The revised fields of an article as a revision stores them (keys are attnames)."""
    return {
        Article._meta.get_field(name).attname: getattr(
            article, Article._meta.get_field(name).attname
        )
        for name in REVISED_FIELDS
    }


def changed_labels(before: dict, after: dict) -> list[str]:
    """The verbose names of the fields whose values differ, in the form's order."""
    labels = []
    for name in REVISED_FIELDS:
        field = Article._meta.get_field(name)
        if before.get(field.attname) != after.get(field.attname):
            labels.append(str(field.verbose_name))
    return labels


@dataclass(frozen=True)
class FieldDiff:
    label: str
    changed: bool
    html: SafeString


def compare(older: Version, newer: Version) -> list[FieldDiff]:
    """The title, lead and body of two revisions, line by line, changed words marked."""
    diffs = []
    for name in CONTENT_FIELDS:
        old = str(older.field_dict.get(name) or "")
        new = str(newer.field_dict.get(name) or "")
        label = str(Article._meta.get_field(name).verbose_name)
        diffs.append(FieldDiff(label, old != new, diff_html(old, new)))
    return diffs


def diff_html(old: str, new: str) -> SafeString:
    """Table rows of a line diff: removed lines, added lines, a little context; every piece of
    text escaped (format_html), no inline style or script."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    rows = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        if rows:
            rows.append(format_html('<tr class="diff-gap"><td colspan="2">…</td></tr>'))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [_row("diff-same", " ", escape_line) for escape_line in old_lines[i1:i2]]
                continue
            removed, added = old_lines[i1:i2], new_lines[j1:j2]
            if tag == "replace" and len(removed) == len(added):
                for before, after in zip(removed, added, strict=True):
                    old_marked, new_marked = _word_diff(before, after)
                    rows.append(_row("diff-del", "−", old_marked))
                    rows.append(_row("diff-add", "+", new_marked))
                continue
            rows += [_row("diff-del", "−", line) for line in removed]
            rows += [_row("diff-add", "+", line) for line in added]
    if not rows:
        return format_html('<tr class="diff-same"><td colspan="2">{}</td></tr>', _("без изменений"))
    return mark_safe("".join(rows))


def _row(css: str, sign: str, text) -> SafeString:
    return format_html(
        '<tr class="{}"><td class="diff-sign">{}</td><td class="diff-text">{}</td></tr>',
        css,
        sign,
        text,
    )


def _word_diff(before: str, after: str) -> tuple[SafeString, SafeString]:
    """The two lines with the words that differ inside <del> and <ins>."""
    old_words, new_words = before.split(" "), after.split(" ")
    old_parts, new_parts = [], []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_text, new_text = " ".join(old_words[i1:i2]), " ".join(new_words[j1:j2])
        if tag == "equal":
            old_parts.append((old_text, ""))
            new_parts.append((new_text, ""))
            continue
        if old_text:
            old_parts.append((old_text, "del"))
        if new_text:
            new_parts.append((new_text, "ins"))
    return _join(old_parts), _join(new_parts)


def _join(parts: list[tuple[str, str]]) -> SafeString:
    return format_html_join(
        " ",
        "{}",
        ((format_html("<{0}>{1}</{0}>", tag, text) if tag else text,) for text, tag in parts),
    )


def state_before_save(article: Article) -> dict | None:
    """The stored state of an article about to be saved (None for a new one). An article never
    revised before (the demo's, those older than revisions) first gets a revision of that state,
    so its first edit can be compared and undone."""
    if article.pk is None:
        return None
    stored = Article.objects.filter(pk=article.pk).first()
    if stored is None:
        return None
    if not revisions_of(stored).exists():
        with reversion.create_revision(atomic=False):
            reversion.add_to_revision(stored)
            reversion.set_comment(_("Версия до первой правки в редакции"))
            reversion.set_date_created(stored.updated_at)
    return field_values(stored)


def describe_revision(*, before: dict | None, article: Article, editor, comment: str = "") -> None:
    """Who saved the revision being recorded, and what changed (or what the editor said)."""
    if editor is not None and editor.is_authenticated:
        reversion.set_user(editor)
    if not comment:
        if before is None:
            comment = _("Статья создана")
        else:
            labels = changed_labels(before, field_values(article))
            comment = _("Изменено: %(fields)s") % {"fields": ", ".join(labels)} if labels else ""
            comment = comment or _("Сохранена без изменений")
    reversion.set_comment(comment)


def content_changed(before: dict | None, article: Article) -> bool:
    """Whether the title, lead or body differ from the stored ones."""
    return before is not None and any(
        before[name] != getattr(article, name) for name in CONTENT_FIELDS
    )


def restore_revision(*, article: Article, version: Version, editor) -> list[str]:
    """Bring back a revision's title, lead and text (publication, address and the rest stay as
    they are) through save_article, which keeps it as a new revision; returns the labels of what
    changed. PermissionDenied unless the editor may change articles."""
    from . import services  # services records revisions through this module

    if not (editor.is_active and editor.is_staff and editor.has_perm("articles.change_article")):
        raise PermissionDenied(_("Восстанавливать версии могут только редакторы."))
    if version.object_id != str(article.pk):
        raise PermissionDenied(_("Это версия другой статьи."))
    stored = version.field_dict
    changed = [
        str(Article._meta.get_field(name).verbose_name)
        for name in CONTENT_FIELDS
        if getattr(article, name) != stored.get(name, "")
    ]
    for name in CONTENT_FIELDS:
        setattr(article, name, stored.get(name, ""))
    when = timezone.localtime(version.revision.date_created).strftime("%d.%m.%Y %H:%M")
    services.save_article(
        article=article,
        editor=editor,
        comment=_("Восстановлена версия от %(when)s") % {"when": when},
    )
    return changed
