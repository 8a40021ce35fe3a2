"""How prompts and file names split into words (torch-free: the web app checks words with it)."""

from __future__ import annotations

import re

_WORD_SEPARATORS = re.compile(r"[\s\-_./]+")


def split_words(text: str) -> list[str]:
    """Lower-cased words of a prompt or file name, split on whitespace, '-', '_', '.' and '/'."""
    return [word for word in _WORD_SEPARATORS.split(text.lower()) if word]
