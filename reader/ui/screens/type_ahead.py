"""Keys typed ahead of a dialog: a fast typist's `n` and the note's first
words, or `t` and a tag, arrive in one burst. The dialog is pushed at the
first key, but the keys after it reach the screen behind until the dialog is
mounted and focused; that screen hands them on (`type_ahead`), and they wait
here until the dialog can take them, in order."""

from __future__ import annotations

from typing import Any

from textual import events


#: The key `take_key` is given for a paste (its text as the character).
PASTE = "paste"


class TypeAhead:
    """Mixed into a dialog screen, which implements `take_key` and calls
    `ready_for_keys` at the end of its on_mount."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ahead: list[tuple[str, str | None]] = []
        self._ready = False

    def type_ahead(self, key: str, character: str | None) -> None:
        """A key typed before the dialog had the focus."""
        if self._ready:
            self.take_key(key, character)
        else:
            self._ahead.append((key, character))

    def on_paste(self, event: events.Paste) -> None:
        # A paste reaches the screen itself only when it arrived before any
        # of its boxes had the focus (a box takes a paste and stops it).
        event.stop()
        self.type_ahead(PASTE, event.text)

    def ready_for_keys(self) -> None:
        """The dialog can take keys: those typed ahead go in first."""
        self._ready = True
        ahead, self._ahead = self._ahead, []
        for key, character in ahead:
            self.take_key(key, character)

    def take_key(self, key: str, character: str | None) -> None:  # pragma: no cover - each dialog has its own
        raise NotImplementedError
