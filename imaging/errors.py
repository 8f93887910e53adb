"""Errors the imaging services raise that callers map to their own answers (the API: not found)."""

from __future__ import annotations


class UnknownDeclaration(KeyError):
    """No declaration with the entry number a page or scan was sent for."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
