"""Choose tags: type to narrow the list, Enter to apply, Space to toggle a
tag and keep choosing. A name that is not in the list becomes a new tag."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from reader.core.tags import normalise_tag
from reader.ui.screens.type_ahead import PASTE, TypeAhead


def rank(tags: list[str], query: str) -> list[str]:
    """Tags matching `query`: prefixes first, then a part that starts with it,
    then any substring; the order within each group kept."""
    q = normalise_tag(query)
    if not q:
        return list(tags)
    first = [t for t in tags if t.startswith(q)]
    parts = [t for t in tags if t not in first and any(p.startswith(q) for p in t.replace("/", "-").split("-"))]
    rest = [t for t in tags if t not in first and t not in parts and q in t]
    return first + parts + rest


class TagPicker(TypeAhead, ModalScreen[list[str] | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="tags.cancel"),
        Binding("down", "move(1)", "Down", show=False, id="tags.down"),
        Binding("up", "move(-1)", "Up", show=False, id="tags.up"),
    ]

    def __init__(self, all_tags: list[str], chosen: list[str], *, title: str = "Tags") -> None:
        super().__init__()
        self.all_tags = list(dict.fromkeys([*all_tags, *chosen]))
        self.chosen = list(chosen)
        self.heading = title
        #: What the list is narrowed to.
        self._query: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tag-picker"):
            yield Label(Content(self.heading), classes="dialog-question")
            yield Label(self._chosen_line(), id="tags-chosen")
            yield Input(placeholder="type a tag, e.g. question or topic/sub", id="tags-input")
            yield OptionList(id="tags-list")
            yield Label(Content("Enter apply \u00b7 Space toggle and go on \u00b7 Escape cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()
        self.ready_for_keys()

    def take_key(self, key: str, character: str | None) -> None:
        """A key typed ahead of the box, taken as the box would take it."""
        box = self.query_one(Input)
        if key == "enter":
            self._submit(box)
        elif key == "escape":
            self.action_cancel()
        elif key == "backspace":
            box.action_delete_left()
        elif key == PASTE and character:
            # Lines are words too; a word the paste ended is ended.
            box.insert_text_at_cursor(" ".join(character.split()) + (" " if character[-1].isspace() else ""))
            self._take_words(box)
        elif character and character.isprintable():
            box.insert_text_at_cursor(character)
            self._take_words(box)

    def _chosen_line(self) -> Content:
        if not self.chosen:
            return Content("no tags yet")
        return Content("  ".join("#" + t for t in self.chosen))

    def _fill(self, query: str) -> None:
        self._query = query
        options = self.query_one(OptionList)
        matches = rank(self.all_tags, query)
        new = normalise_tag(query)
        items = []
        for t in matches:
            mark = "\u2713 " if t in self.chosen else "  "
            items.append(Option(Content(mark + "#" + t), id="tag:" + t))
        if new and new not in self.all_tags:
            # After the existing matches: "quest" + Enter picks "question".
            items.append(Option(Content(f"+ new tag #{new}"), id="new:" + new))
        options.clear_options()
        options.add_options(items)
        if items:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        # Tags hold no spaces: a space ends a word, which ticks its best match.
        # The box is read as it is now, not as the message saw it: keys typed
        # fast (or a paste) are all in the box before the first Changed
        # arrives, and each later Changed still holds the words already taken.
        self._take_words(event.input)

    def _take_words(self, box: Input) -> None:
        """Tick a tag for every word in the box that a space has ended, and
        leave the word still being typed in the box, the list narrowed to it."""
        value = box.value
        if " " not in value:
            if value != self._query:
                self._fill(value)
            return
        *words, rest = value.split(" ")
        for word in words:
            if not normalise_tag(word):
                continue  # a second space, or "#": no tag at all
            # The word the list shows uses its highlighted row (moved to with
            # the arrows, perhaps); a word typed ahead uses its best match.
            tag = self._highlighted_tag() if word == self._query else self._best(word)
            if tag:
                self._toggle(tag)
        self._fill(rest)
        box.value = rest
        box.cursor_position = len(rest)

    def _best(self, word: str) -> str | None:
        matches = rank(self.all_tags, word)
        return matches[0] if matches else normalise_tag(word) or None

    def _highlighted_tag(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        oid = options.get_option_at_index(options.highlighted).id or ""
        return oid.split(":", 1)[1] if ":" in oid else None

    def _toggle(self, tag: str) -> None:
        if tag in self.chosen:
            self.chosen.remove(tag)
        else:
            self.chosen.append(tag)
            if tag not in self.all_tags:
                self.all_tags.append(tag)
        self.query_one("#tags-chosen", Label).update(self._chosen_line())

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit(event.input)

    def _submit(self, box: Input) -> None:
        if self.is_attached and self.app.screen is not self:
            return  # already dismissed (an Enter typed ahead, then the box's own)
        self._take_words(box)
        tag = self._highlighted_tag() if normalise_tag(box.value) else None
        if tag:
            self._toggle(tag)
        self.dismiss(self.chosen)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        oid = event.option.id or ""
        if ":" in oid:
            self._toggle(oid.split(":", 1)[1])
        self.dismiss(self.chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
