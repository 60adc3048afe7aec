"""The help screen: every key of the screen it was opened from, as the
user's keymap has them."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from reader.ui.keys import bindings_of, keys_of


def key_label(keys: list[str], app) -> str:  # noqa: ANN001 - App
    """['j', 'down'] -> 'j / ↓' as the app's driver would show them."""
    return " / ".join(app.get_key_display(Binding(key, "")) for key in keys)


def binding_rows(screen: Screen) -> list[tuple[str, str, str]]:
    """(keys, description, binding id) for each documented binding."""
    return [(key_label(keys_of(screen, b), screen.app), b.tooltip or b.description, b.id or "")
            for b in bindings_of(screen) if b.description]


#: The help dialog's widest, and what its border and padding take of it.
_WIDTH = 100
_FRAME = 8


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", id="help.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="help.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="help.up"),
        Binding("space,pagedown", "page(1)", "Page down", show=False, id="help.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="help.page_up"),
    ]

    def __init__(self, title: str, rows: list[tuple[str, str, str]], intro: str = "") -> None:
        super().__init__()
        self.heading = title
        self.rows = rows
        self.intro = intro

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _, _ in self.rows), default=4) + 2
        dwidth = max((len(d) for _, d, _ in self.rows), default=10) + 2
        iwidth = max((len(i) for _, _, i in self.rows), default=0)
        # The binding ids (for config.toml) only where they fit on the line:
        # wrapped under each key they would halve what a small terminal shows.
        room = min(_WIDTH, self.app.size.width) - _FRAME
        ids = width + dwidth + iwidth <= room
        lines = [
            Content.assemble((k.ljust(width), "bold $accent"), d.ljust(dwidth) if ids else d,
                             (i if ids else "", "$text-muted"))
            for k, d, i in self.rows
        ]
        body = Content("\n").join(lines)
        with Vertical(classes="dialog help"):
            yield Label(Content(self.heading), classes="dialog-question")
            if self.intro:
                yield Static(Content(self.intro), classes="help-intro")
            with VerticalScroll():
                yield Static(body, id="help-keys")
            yield Label(
                Content(f"Keys can be changed in config.toml in the data folder, {self._data_dir()} ([keys] "
                        "binding-id = \"key\"" + ("" if ids else "; the ids show on a wider terminal")
                        + "). Escape closes."),
                classes="dialog-hint",
            )

    def _data_dir(self) -> str:
        """The data folder, as the user would type it (~ for their home)."""
        folder = getattr(getattr(self.app, "archive", None), "data_dir", None)
        if folder is None:
            return "(see reader doctor)"
        home = str(Path.home())
        text = str(folder)
        return "~" + text[len(home):] if text == home or text.startswith(home + os.sep) else text

    def action_dismiss_help(self) -> None:
        self.dismiss(None)

    def action_scroll(self, lines: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_page(self, direction: int) -> None:
        box = self.query_one(VerticalScroll)
        box.scroll_relative(y=direction * max(1, box.size.height - 1), animate=False)
