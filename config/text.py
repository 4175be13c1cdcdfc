"""Text that must stay on one line: names and titles end up in mail headers and page titles."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def _breaks_lines(char: str) -> bool:
    # Cc: control characters (\n, \r, \t, \x0b...); Zl, Zp: the Unicode line and paragraph
    # separators, which mail software may also treat as line breaks.
    return unicodedata.category(char) in {"Cc", "Zl", "Zp"}


def one_line(text: str) -> str:
    """The text on one line: runs of control characters and blanks become single spaces."""
    return " ".join("".join(" " if _breaks_lines(char) else char for char in text).split())


def validate_one_line(value: str) -> None:
    """Refuses line breaks, tabs and other control characters."""
    if any(_breaks_lines(char) for char in value):
        raise ValidationError(
            _("Без переносов строк, табуляций и управляющих символов."), code="control_characters"
        )
