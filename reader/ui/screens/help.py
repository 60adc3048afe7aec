"""The help screen: every key of the screen it was opened from, as the
user's keymap has them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static


def key_label(keys: str, app) -> str:  # noqa: ANN001 - App
    """'j,down' -> 'j / ↓' as the app's driver would show them."""
    shown = []
    for key in keys.split(","):
        key = key.strip()
        if key:
            shown.append(app.get_key_display(Binding(key, "")))
    return " / ".join(shown)


def binding_rows(screen: Screen) -> list[tuple[str, str, str]]:
    """(keys, description, binding id) for each documented binding."""
    keymap = screen.app._keymap  # binding id -> keys, from the user's config
    rows = []
    for item in type(screen).BINDINGS:
        b = item if isinstance(item, Binding) else Binding(*item)
        if not b.description:
            continue
        keys = keymap.get(b.id, b.key) if b.id else b.key
        rows.append((key_label(keys, screen.app), b.tooltip or b.description, b.id or ""))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss_help", "Close", id="help.close")]

    def __init__(self, title: str, rows: list[tuple[str, str, str]], intro: str = "") -> None:
        super().__init__()
        self.heading = title
        self.rows = rows
        self.intro = intro

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _, _ in self.rows), default=4) + 2
        dwidth = max((len(d) for _, d, _ in self.rows), default=10) + 2
        lines = [
            Content.assemble((k.ljust(width), "bold $accent"), d.ljust(dwidth), (i, "$text-muted"))
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
                Content("Keys can be changed in config.toml in the data folder ([keys] binding-id = \"key\"). Escape closes."),
                classes="dialog-hint",
            )

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
