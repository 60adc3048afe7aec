"""Write or change a note: a modal TextArea. Ctrl+S saves; Escape asks
before throwing a change away."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from reader.core.store import StoreError
from reader.ui.screens.dialogs import ConfirmScreen
from reader.ui.screens.type_ahead import PASTE, TypeAhead


class _NoteArea(TextArea):
    def on_paste(self, event: events.Paste) -> None:
        # TextArea takes the paste (its own handler) and lets it bubble on;
        # the screen takes only a paste that came before the area had the focus.
        event.stop()


class NoteEditor(TypeAhead, ModalScreen[str | None]):
    """Dismisses the new text on save, None when cancelled."""

    # Not priority bindings: keys reach the TextArea first and in order, so
    # Ctrl+S right after fast typing (or a paste) saves every character.
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="note.save"),
        Binding("escape", "cancel", "Cancel", id="note.cancel"),
    ]

    def __init__(self, title: str, text: str = "", *, quote: str | None = None, original: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__()
        self.hint = hint or "Ctrl+S save \u00b7 Escape cancel"
        self.heading = title
        self.start = text
        #: What the note held (Escape asks before throwing a change of it away).
        self.original = text if original is None else original
        self.quote = quote

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog note-editor"):
            yield Label(Content(self.heading), classes="dialog-question")
            if self.quote:
                q = " ".join(self.quote.split())
                if len(q) > 240:
                    q = q[:237] + "..."
                # In a box of its own that scrolls: a long quote on a small
                # terminal leaves the note its lines.
                with VerticalScroll(classes="note-quote", can_focus=False):
                    yield Label(Content("\u201c" + q + "\u201d"))
            yield _NoteArea(self.start, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Label(Content(self.hint), classes="dialog-hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        self.ready_for_keys()

    def take_key(self, key: str, character: str | None) -> None:
        """A key typed ahead of the text area, taken as the area would take it."""
        area = self.query_one(TextArea)
        if key == "ctrl+s":
            self.action_save()
        elif key == "escape":
            self.action_cancel()
        elif key == "enter":
            area.insert("\n")
        elif key == "backspace":
            area.action_delete_left()
        elif key == PASTE and character:
            area.insert(character)
        elif character and character.isprintable():
            area.insert(character)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @property
    def changed(self) -> bool:
        """Whether the text differs from what the note held."""
        return self.text != self.original

    def action_save(self) -> None:
        self.dismiss(self.text.strip("\n"))

    def action_cancel(self) -> None:
        if not self.changed:
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard the changes to this note?", yes="Discard", no="Keep editing"), answer)


def edit_note(app: App, title: str, note: str, save: Callable[[str], object], *, quote: str | None = None,
              refused: tuple[type[Exception], ...] = (StoreError,), hint: str | None = None,
              what: str = "Not saved") -> None:
    """Open the editor on `note`; `save` gets the text on Ctrl+S. When it
    raises one of `refused` (the archive could not write: the disk is full,
    another program holds it), that is said and the editor opens again on
    the text typed: a note is never lost to a failed save."""

    def done(text: str | None) -> None:
        if text is None:
            return
        try:
            save(text)
        except refused as err:
            app.notify(Content(f"{what}: {err}. Your text is open again (Ctrl+S to try again)"),
                       severity="error", timeout=10)
            app.push_screen(NoteEditor(title, text, quote=quote, original=note, hint=hint), done)

    app.push_screen(NoteEditor(title, note, quote=quote, hint=hint), done)
