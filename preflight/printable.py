"""Text from data, made safe for a terminal or a CI log.

Column, class, file and folder names come from the data, and data may be hostile: an ESC
sequence in a column name can retitle, clear or rewrite a terminal, a CR can overwrite the
line a reader trusts. Every character that is not printable is shown escaped, as repr()
shows it (\\x1b, \\r, \\n, \\u202e); everything else is left as it is.
"""
from __future__ import annotations


def printable(text: str, keep: str = "") -> str:
    """text with every non-printable character (str.isprintable) escaped as repr() escapes it;
    the characters in `keep` are left alone (a writer that escapes them its own way)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in keep else repr(ch)[1:-1] for ch in text)
