"""Review orphaned notes: the text they marked is no longer in the article.

For each orphan the screen shows the old quote in its old context beside the
closest passage of the current text; the note can be re-attached to that
passage, to the selection made before opening this screen, or deleted.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from reader.core.models import Annotation, Article
from reader.ui.screens.dialogs import ConfirmScreen
from reader.ui.store_errors import guarded, says_store_errors
from reader.ui.widgets.notes_panel import annotation_prompt, shorten

if TYPE_CHECKING:
    from reader.core.store import Archive


class OrphanScreen(ModalScreen[list[tuple[str, Annotation]]]):
    """Dismisses the changes made, for the reading screen's undo: ("edited",
    the orphan as it was) for a re-attach, ("deleted", the orphan) for a delete."""

    BINDINGS = [
        Binding("g", "attach_guess", "Attach to best match", id="orphans.attach_guess"),
        Binding("a", "attach_selection", "Attach to my selection", id="orphans.attach_selection"),
        Binding("x", "delete", "Delete", id="orphans.delete"),
        Binding("escape,q", "close", "Close", id="orphans.close"),
    ]

    def __init__(self, archive: Archive, article: Article, orphans: list[Annotation],
                 selection: tuple[int, int] | None) -> None:
        super().__init__()
        self.archive = archive
        self.article = article
        self.orphans = list(orphans)
        self.selection = selection
        self._contexts: dict[str, object] = {}
        #: What was changed here, for the reading screen's undo: (kind, before, after).
        self.changes: list[tuple[str, Annotation, Annotation | None]] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog orphans"):
            yield Label(Content("Orphaned notes: their text is no longer in the article"), classes="dialog-question")
            with Horizontal():
                yield OptionList(id="orphan-list")
                with VerticalScroll(id="orphan-detail"):
                    yield Static(id="orphan-was")
                    yield Static(id="orphan-now")
            sel = "a attach to the selection you made \u00b7 " if self.selection else ""
            yield Label(Content(f"g attach to the best match \u00b7 {sel}x delete \u00b7 Escape close"),
                        classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()

    def _fill(self) -> None:
        lst = self.query_one(OptionList)
        lst.clear_options()
        lst.add_options([Option(annotation_prompt(a), id=a.id) for a in self.orphans])
        if self.orphans:
            lst.highlighted = 0
            self._show(self.orphans[0])
        else:
            self.dismiss(self.changes)

    def _current(self) -> Annotation | None:
        lst = self.query_one(OptionList)
        if lst.highlighted is None or not self.orphans:
            return None
        return self.orphans[min(lst.highlighted, len(self.orphans) - 1)]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        ann = self._current()
        if ann is not None:
            self._show(ann)

    def _orphan_context(self, ann: Annotation):  # noqa: ANN202 - store.OrphanContext
        if ann.id not in self._contexts:
            self._contexts[ann.id] = self.archive.orphan_context(ann.id, chars=160, suggestions=3)
        return self._contexts[ann.id]

    def _guess(self, ann: Annotation) -> tuple[int, int] | None:
        best = self._orphan_context(ann).suggestions
        return (best[0].start, best[0].end) if best else None

    def _show(self, ann: Annotation) -> None:
        ctx = self._orphan_context(ann)
        when = f" (text replaced {ctx.replaced[:10]})" if ctx.replaced else ""
        was = Content.assemble(
            (f"Was{when}\n", "bold"),
            ("\u2026" + ctx.before[-160:], "$text-muted"),
            (ann.exact, "bold $warning"),
            (ctx.after[:160] + "\u2026", "$text-muted"),
        )
        self.query_one("#orphan-was", Static).update(was)
        text = self.article.text
        if not ctx.suggestions:
            now = Content.assemble(("Now\n", "bold"), ("no close match in the current text", "$text-muted"))
        else:
            parts: list = [("Closest now (g attaches to the first)\n", "bold")]
            for i, m in enumerate(ctx.suggestions):
                parts += [
                    f"{i + 1}. ",
                    ("\u2026" + text[max(0, m.start - 60) : m.start], "$text-muted"),
                    (text[m.start : m.end], "bold $success" if i == 0 else "bold"),
                    (text[m.end : m.end + 60] + "\u2026", "$text-muted"),
                    (f"  ({m.score:.0%} alike)\n\n", "$text-muted"),
                ]
            now = Content.assemble(*parts)
        self.query_one("#orphan-now", Static).update(now)

    @says_store_errors
    def _reattach(self, ann: Annotation, span: tuple[int, int]) -> None:
        # Undo puts the mark back as stored just before (an orphan), but
        # for a note or tags changed elsewhere since.
        before = self.archive.annotation(ann.id)
        after = self.archive.reattach(ann.id, span[0], span[1])
        self.changes.append(("edited", before, after))
        self.orphans = [a for a in self.orphans if a.id != ann.id]
        self.notify(Content(f"Re-attached to \u201c{shorten(self.article.text[span[0]:span[1]], 60)}\u201d"),
                    timeout=2)
        self._fill()

    def action_attach_guess(self) -> None:
        ann = self._current()
        if ann is None:
            return
        guess = self._guess(ann)
        if guess is None:
            self.notify("No close match: select the text on the reading screen, then R and a", severity="warning")
            return
        self._reattach(ann, guess)

    def action_attach_selection(self) -> None:
        ann = self._current()
        if ann is None:
            return
        if not self.selection or self.selection[1] <= self.selection[0]:
            self.notify("Select the new text first (v on the reading screen), then R and a", severity="warning")
            return
        self._reattach(ann, self.selection)

    def action_delete(self) -> None:
        ann = self._current()
        if ann is None:
            return

        @partial(guarded, self.app)
        def answer(yes: bool | None) -> None:
            if yes:
                gone = self.archive.delete_annotation(ann.id)
                self.changes.append(("deleted", gone, None))
                self.orphans = [a for a in self.orphans if a.id != ann.id]
                self._fill()

        self.app.push_screen(ConfirmScreen(Content.assemble("Delete this orphaned note?\n\u201c",
                                                            shorten(ann.exact, 100), "\u201d"),
                                           yes="Delete", no="Keep"), answer)

    def action_close(self) -> None:
        self.dismiss(self.changes)
