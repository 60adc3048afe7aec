"""When the archive refuses a change made on a screen (the disk is full,
another program holds the archive longer than the wait, a notes file is
damaged): the screen says so and goes on; a note being written stays in its
editor (`edit_note`). Left to Textual, the error would end the app. (Each
file is written whole or not at all, but a change of several files may stop
after its first: the reading screen reads a mark back before it says a
change failed, see ArticleScreen._made_anyway.)"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from textual.app import App
from textual.content import Content

from reader.core.store import StoreError

F = TypeVar("F", bound=Callable[..., Any])


def tell(app: App, err: StoreError, what: str = "Not saved") -> None:
    app.notify(Content(f"{what}: {err}"), severity="error", timeout=10)


def guarded(app: App, callback: F) -> F:
    """The callback, a StoreError it meets said, not raised."""

    @wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except StoreError as err:
            tell(app, err)
            return None

    return run  # type: ignore[return-value]


def says_store_errors(method: F) -> F:
    """`guarded` for a screen's action (a method: its app is self.app)."""

    @wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        return guarded(self.app, method)(self, *args, **kwargs)

    return run  # type: ignore[return-value]
