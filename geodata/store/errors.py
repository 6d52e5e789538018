"""What a store raises; every message is a Chinese sentence a user can read."""

from __future__ import annotations


class StoreError(Exception):
    """A store could not be opened, read or written; the message is Chinese."""


class ImportRefused(StoreError):
    """An import was not written (errors, not signed in, or the data changed since the check)."""


class ScopeError(StoreError):
    """A write touched records outside the actor's scope; nothing was written (the refusal is audited)."""

    def __init__(self, message: str, user: str = "", records: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.user = user
        self.records = list(records or [])
