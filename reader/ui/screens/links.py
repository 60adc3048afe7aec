"""The article's links with their addresses. Enter opens a web link in the
browser; `javascript:`, `data:` and other links are shown, never opened."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from reader.core.ingest.html import is_safe_href
from reader.ui.widgets.notes_panel import shorten


class LinksScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,l", "close", "Close", id="links.close"),
        Binding("y", "copy", "Copy address", id="links.copy"),
    ]

    def __init__(self, links: list[tuple[str, str, int]], here: int) -> None:
        super().__init__()
        self.links = sorted(links, key=lambda x: x[2])
        self.here = here

    def compose(self) -> ComposeResult:
        options = []
        for i, (text, href, _) in enumerate(self.links):
            style = "$text-muted" if not is_safe_href(href) else "underline"
            options.append(Option(Content.assemble(shorten(text, 70) or "(no text)", "\n", (shorten(href, 200), style)),
                                  id=str(i)))
        with Vertical(classes="dialog links"):
            yield Label(Content(f"Links ({len(self.links)})"), classes="dialog-question")
            yield OptionList(*options, id="links-list")
            yield Label(Content("Enter open in browser \u00b7 y copy address \u00b7 Escape close"), classes="dialog-hint")

    def on_mount(self) -> None:
        lst = self.query_one(OptionList)
        start = next((i for i, link in enumerate(self.links) if link[2] >= self.here), 0)
        lst.highlighted = start
        lst.focus()

    def _current(self) -> tuple[str, str, int] | None:
        lst = self.query_one(OptionList)
        if lst.highlighted is None:
            return None
        return self.links[lst.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        _, href, _ = self.links[int(event.option.id or 0)]
        if is_safe_href(href):
            self.app.open_url(href)
            self.notify(Content(f"Opening {shorten(href, 80)}"), timeout=2)
        else:
            self.notify(Content("Not opened: only http, https and mailto links open"), severity="warning")

    def action_copy(self) -> None:
        link = self._current()
        if link:
            self.app.copy_to_clipboard(link[1])
            self.notify("Address copied", timeout=1.5)

    def action_close(self) -> None:
        self.dismiss(None)
