"""The reading screen: the article with its boilerplate folded, a sentence
cursor, and keys to mark claims, evidence and questions and to write notes.

Every change is saved through the store the moment it is made; Ctrl+Z undoes
this screen's changes one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual import events
from textual.widgets import Footer, Static

from reader.core.anchor import trim_span
from reader.core.fold import labels_in_archive
from reader.core.models import Annotation, Article
from reader.core.reading import FOLD, Reading
from reader.core.sanitize import clean_text
from reader.core.store import StoreError
from reader.ui.keys import key_hint
from reader.ui.palette import tag_palette
from reader.ui.screens.dialogs import ConfirmScreen
from reader.ui.screens.help import HelpScreen, binding_rows
from reader.ui.screens.note_editor import edit_note
from reader.ui.screens.tag_picker import TagPicker
from reader.ui.screens.type_ahead import PASTE, TypeAhead
from reader.ui.store_errors import guarded, says_store_errors, tell
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.inline_input import InlineInput, opens_on
from reader.ui.widgets.notes_panel import NotesPanel, shorten

if TYPE_CHECKING:
    from reader.core.store import Archive


@dataclass
class Change:
    """One undoable change: what to put back."""

    kind: str  # "added", "deleted", "edited", "article_note", "rule" ((site, text, action) replaced, rules made)
    before: Any
    after: Any = None
    #: Where the cursor was (an offset in the text), to go back to on undo.
    at: int | None = None


class ArticleScreen(Screen[None]):
    BINDINGS = [
        Binding("j,down", "cursor(1)", "Next sentence", show=False, id="article.next_sentence"),
        Binding("k,up", "cursor(-1)", "Previous sentence", show=False, id="article.previous_sentence"),
        Binding("J", "block(1)", "Next block", show=False, id="article.next_block"),
        Binding("K", "block(-1)", "Previous block", show=False, id="article.previous_block"),
        Binding("g,home", "top", "Top", show=False, id="article.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="article.bottom"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="article.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="article.page_up"),
        Binding("slash", "find", "Find", id="article.find"),
        Binding("v", "select", "Select", id="article.select"),
        Binding("w", "word(1)", "Selection: extend by word", show=False, id="article.word_forward"),
        Binding("b", "word(-1)", "Selection: back by word", show=False, id="article.word_back"),
        Binding("o", "other_end", "Selection: move its other end", show=False, id="article.other_end"),
        Binding("c", "tag('claim')", "Claim", id="article.claim"),
        Binding("e", "tag('evidence')", "Evidence", id="article.evidence"),
        Binding("Q", "tag('question')", "Question", show=False, id="article.question"),
        Binding("t", "tags", "Tags", id="article.tags"),
        Binding("n", "note", "Note", id="article.note"),
        Binding("N", "article_note", "Article note", show=False, id="article.article_note"),
        Binding("right_square_bracket", "annotation(1)", "Next note", show=False, id="article.next_annotation"),
        Binding("left_square_bracket", "annotation(-1)", "Previous note", show=False, id="article.previous_annotation"),
        Binding("x", "delete", "Delete note", show=False, id="article.delete"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="article.undo"),
        Binding("z", "fold", "Fold", id="article.fold"),
        Binding("Z", "fold_all", "All folds", show=False, id="article.fold_all"),
        Binding("p", "panel", "Notes panel", id="article.panel"),
        Binding("b", "mark_block", "Mark block boilerplate / content", show=False, id="article.mark_block"),
        Binding("l", "links", "Links", show=False, id="article.links"),
        Binding("y", "copy", "Copy", show=False, id="article.copy"),
        Binding("X", "export", "Export", show=False, id="article.export"),
        Binding("m", "toggle_read", "Mark read / unread", show=False, id="article.read"),
        Binding("R", "review_orphans", "Review orphans", show=False, id="article.review_orphans"),
        Binding("question_mark", "help", "Help", id="article.help"),
        Binding("q", "back", "Back", id="article.back"),
        Binding("escape", "escape", "Cancel / back", show=False, id="article.escape"),
    ]

    def __init__(self, archive: Archive, article_id: str) -> None:
        super().__init__()
        self.archive = archive
        self.article: Article = archive.get(article_id)
        self.annotations: list[Annotation] = archive.annotations(article_id)
        self.reading = Reading(self.article, labels_in_archive(self.article, archive))
        self.undo: list[Change] = []
        self.last_query = ""
        #: Set on the way back to the archive (see on_key).
        self.leaving = False

    # -- layout -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(Content(self.article.title), id="article-header")
        # The site, author and date on a line of their own, cut short with an
        # ellipsis on a narrow screen rather than lost under a long title.
        meta = " \u00b7 ".join(x for x in (self.article.site, self.article.author, self.article.published) if x)
        if meta:
            yield Static(Content(meta), id="article-meta")
        with Horizontal(id="article-body"):
            yield ArticleView(self.reading, self.annotations, id="article-view")
            yield NotesPanel(id="notes-panel")
        yield InlineInput(placeholder="find in the article", id="find", on_submit=self._find)
        yield Static(id="article-status")
        yield Footer(compact=True)

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    @property
    def panel(self) -> NotesPanel:
        return self.query_one(NotesPanel)

    def on_mount(self) -> None:
        self.find_box.display = False
        self.panel.display = False
        self._apply_palette()
        # The cursor starts on the story's first sentence, not on the fold
        # line above it: v, c or n at once take that sentence.
        self.view.cursor = next((i for i, stop in enumerate(self.reading.stops) if not stop.is_marker), 0)
        self.view.focus()
        self._refresh_panel()
        self._update_status()

    def _apply_palette(self) -> None:
        # Colours for the tags on this article; a tag's colour does not depend
        # on the others, so new ones are added as they are used.
        palette, plain = tag_palette(self.app, [t for a in self.annotations for t in a.tags])
        self.view.tag_colors = palette
        self.view.plain_color = plain
        self.panel.tag_colors = palette
        self.panel.plain_color = plain

    # -- status -----------------------------------------------------------------

    def _key(self, binding_id: str) -> str:
        """The key a hint names for a binding, as the user's keymap has it."""
        return key_hint(self, binding_id)

    def _update_status(self) -> None:
        view = self.view
        stops = self.reading.stops
        parts = []
        if stops:
            parts.append(f"{view.cursor + 1}/{len(stops)}")
        placed = sum(1 for a in self.annotations if not a.orphaned)
        orphans = len(self.annotations) - placed
        parts.append(f"{placed} note{'s' if placed != 1 else ''}")
        if orphans:
            parts.append(f"{orphans} orphaned ({self._key('article.review_orphans')} to review)")
        status = self.query_one("#article-status", Static)
        if view.selection is not None:
            s, e = sorted(view.selection)
            n = self.reading.words_between(s, e)
            words = f"{n} word{'s' if n != 1 else ''}"
            mark = "/".join(self._key(f"article.{name}") for name in ("claim", "evidence", "tags", "note"))
            hint = (f"selecting {words} \u2014 {mark} to mark, {self._key('article.other_end')} the other end, "
                    f"{self._key('article.escape')} to cancel")
            # In a narrow terminal, the keys that mark before the rest.
            width = status.content_size.width or self.app.size.width - 2
            if len(" \u00b7 ".join([*parts, hint])) > width:
                hint = f"{words}: {mark} to mark"
            parts.append(hint)
        else:
            here = self._annotations_here()
            if here:
                a = here[0]
                # Every tag in sight on one line: a long one shortened.
                label = " ".join("#" + shorten(t, 24) for t in a.tags) or "highlight"
                parts.append(label + (f": {shorten(a.note, 60)}" if a.note else ""))
        status.update(Content(" \u00b7 ".join(parts)))

    def on_resize(self, _: events.Resize) -> None:
        if self.is_mounted:  # (on_mount writes the first status)
            self._update_status()  # its hint is as long as the width allows

    def on_article_view_margined(self, event: ArticleView.Margined) -> None:
        # The title and its site, author and date start where the text does
        # (the text's own column starts after its 2-cell gutter).
        for widget in self.query("#article-header, #article-meta"):
            widget.styles.padding = (0, 2, 0, max(2, event.margin))

    def on_article_view_cursor_moved(self, _: ArticleView.CursorMoved) -> None:
        if self._open_folds_in_selection():
            return  # the view is laid out again, and says where its cursor went
        self._update_status()
        here = self._annotations_here()
        if here and self.panel.display:
            self.panel.highlight_annotation(here[0].id)

    def _open_folds_in_selection(self) -> bool:
        """A selection grown over a folded run shows it: a mark's quote holds
        every word between its ends, and the reader sees each of them before
        marking. Returns whether a run was opened."""
        view, reading = self.view, self.reading
        if view.selection is None:
            return False
        lo, hi = sorted(view.selection)
        closed = []
        for r in range(len(reading.runs)):
            start, end = reading.run_span(r)
            if r not in reading.expanded and start < hi and end > lo:
                closed.append(r)
        if not closed:
            return False
        reading.expanded.update(closed)
        reading.rebuild()
        head = view.selection[1]
        view.rebuild(keep_offset=head - 1 if head > lo else head)
        shown = sum(reading.runs[r].count for r in closed)
        self.notify(f"The selection runs over folded text: {shown} block{'s' if shown != 1 else ''} shown",
                    timeout=3)
        return True

    # -- what an action applies to -------------------------------------------------

    def _cursor_span(self) -> tuple[int, int] | None:
        stops = self.reading.stops
        if not stops:
            return None
        stop = stops[self.view.cursor]
        if stop.is_marker:
            return None
        return stop.start, stop.end

    def _target_span(self) -> tuple[int, int] | None:
        """The selection, else the sentence under the cursor."""
        sel = self.view.selection
        if sel is not None:
            s, e = sorted(sel)
            if e > s:
                return trim_span(self.article.text, s, e)
        return self._cursor_span()

    def _annotations_here(self) -> list[Annotation]:
        span = self._target_span()
        if span is None:
            return []
        return Reading.annotations_at(self.annotations, *span)

    def _exact(self, span: tuple[int, int]) -> Annotation | None:
        for a in self.annotations:
            if not a.orphaned and (a.start, a.end) == span:
                return a
        return None

    def _under_cursor(self) -> Annotation | None:
        """The annotation an edit applies to: the selection's own, else the
        tightest one under the cursor."""
        span = self._target_span()
        if span is None:
            return None
        if self.view.selection is not None:
            return self._exact(span)
        here = Reading.annotations_at(self.annotations, *span)
        return here[0] if here else None

    def _panel_choice(self) -> Annotation | None:
        """The note highlighted in the notes panel, while the panel has the
        focus and no text is selected (a selection shown is what is marked)."""
        panel = self.panel
        if not (panel.display and panel.has_focus) or self.view.selection is not None:
            return None
        return panel.highlighted_annotation()

    def _mark_target(self) -> tuple[tuple[int, int] | None, Annotation | None]:
        """What t, n and x act on: (span, mark). The note highlighted in the
        notes panel while it has the focus (no span if it is orphaned), else
        the selection or the sentence under the cursor and the mark there."""
        chosen = self._panel_choice()
        if chosen is not None:
            return (None if chosen.orphaned else (chosen.start, chosen.end)), chosen
        return self._target_span(), self._under_cursor()

    @staticmethod
    def _span_of(ann: Annotation) -> tuple[int, int] | None:
        return None if ann.orphaned else (ann.start, ann.end)

    # -- saving ----------------------------------------------------------------------

    def _reload_annotations(self, changed: list[tuple[int, int]] = ()) -> None:  # type: ignore[assignment]
        self.annotations = self.archive.annotations(self.article.id)
        self._apply_palette()
        self.view.set_annotations(self.annotations, list(changed))
        self._refresh_panel()
        self._update_status()

    def _refresh_panel(self) -> None:
        self.panel.show(self.annotations, self.article.note)

    def _create(self, span: tuple[int, int], tags: list[str], note: str = "") -> Annotation | None:
        """A new mark on `span` of the text shown. Another program may have
        imported a new version of the article meanwhile: the mark goes onto
        its words there (or is kept as an orphan, R reviews it), and the new
        version is shown. None when the article was deleted meanwhile."""
        from reader.core.store import NotFound

        try:
            ann = self.archive.add_annotation(self.article.id, span[0], span[1], tags=tags, note=note,
                                              text=self.article.text)
            changed = self.archive.info(self.article.id).content_hash != self.article.content_hash
        except NotFound:
            self._article_gone()
            return None
        except StoreError as err:
            ann = self._made_anyway(span, tags, note)
            if ann is None:
                raise
            self._saved_in_part(err)
            changed = False
        self.undo.append(Change("added", ann))
        if changed:
            self._reload_article()
            where = ("its text is not in it: kept as an orphaned note "
                     f"({self._key('article.review_orphans')} to review)" if ann.orphaned else "marked on the same words")
            self.notify(f"A new version of this article was imported meanwhile, shown now; {where}",
                        severity="warning", timeout=8)
        return ann

    def _made_anyway(self, span: tuple[int, int], tags: list[str], note: str) -> Annotation | None:
        """The mark a write the archive reported as failed made all the same
        (its file written, the list of articles not), or None."""
        known = {a.id for a in self.annotations}
        for a in self.archive.annotations(self.article.id):
            if (a.id not in known and (a.start, a.end) == span and a.note == clean_text(note)
                    and set(a.tags) == set(tags)):
                return a
        return None

    def _saved_in_part(self, err: StoreError) -> None:
        """Say that a change the archive reported as failed was made."""
        self.notify(Content(f"Saved, though the archive said: {err}"), severity="warning", timeout=10)

    def _reload_article(self) -> None:
        """Show the article as the archive has it now (a new version)."""
        self.article = self.archive.get(self.article.id)
        self._refold()
        self._reload_annotations()

    def _article_gone(self) -> None:
        """The article was deleted by another program while open here."""
        self.notify("This article was deleted elsewhere meanwhile", severity="warning")
        self.action_back()

    def _current(self, ann: Annotation) -> Annotation | None:
        """The mark as the archive has it now: another process (`reader note`,
        `reader import-notes`) may have changed it since this screen read it,
        or deleted it (None)."""
        from reader.core.store import NotFound

        try:
            return self.archive.annotation(ann.id)
        except NotFound:
            return None

    def _gone(self, span: tuple[int, int] | None) -> None:
        """Say that the mark acted on was deleted by another program since
        this screen read it (and show the marks as they are)."""
        self._reload_annotations([span] if span else [])
        self.notify("This mark was deleted elsewhere meanwhile (reader note, import-notes): nothing changed",
                    severity="warning")

    def _edit(self, ann: Annotation, **changes: Any) -> Annotation | None:
        """Change `ann` as read by this screen: the tags added and removed here,
        and a new note, go onto the mark as it is now, so what another process
        changed meanwhile stays. None, and nothing written, when another
        process deleted it meanwhile (it is not brought back)."""
        from reader.core.store import now_iso

        after: Annotation | None = None
        try:
            with self.archive.transaction():
                current = self._current(ann)
                if current is None:
                    return None
                if "tags" in changes:
                    wanted = list(changes["tags"])
                    removed = {t for t in ann.tags if t not in wanted}
                    kept = [t for t in current.tags if t not in removed]
                    changes["tags"] = kept + [t for t in wanted if t not in ann.tags and t not in kept]
                before = replace(current, tags=list(current.tags))
                after = replace(current, **changes)
                after.updated = now_iso()
                self.archive.put_annotation(after)
        except StoreError as err:
            # Made all the same (its file written, the list of articles not)?
            now = self._current(ann) if after is not None else None
            if now is None or now.note != after.note or set(now.tags) != set(after.tags):
                raise
            self._saved_in_part(err)
        self.undo.append(Change("edited", before, after))
        return after

    def _remove(self, ann: Annotation) -> bool:
        """Delete the mark; False (and said so) when another program deleted it first."""
        from reader.core.store import NotFound

        try:
            # Undo brings back the mark as it was when deleted (another
            # program may have changed it since this screen read it).
            gone = self.archive.delete_annotation(ann.id)
        except NotFound:
            self._gone(self._span_of(ann))
            return False
        except StoreError as err:
            if self._current(ann) is not None:
                raise
            gone = ann  # deleted all the same: undo brings it back
            self._saved_in_part(err)
        self.undo.append(Change("deleted", gone))
        return True

    def _changed_meanwhile(self) -> None:
        """Say that a note saved here had been changed by another program
        while it was being written: that version is one undo away."""
        self.notify(f"That note had been changed elsewhere while you wrote; {self._key('article.undo')} brings "
                    "that version back", severity="warning", timeout=8)

    def _no_sentence(self) -> None:
        """Say why a key that acts on a sentence did nothing: the cursor is on
        a fold marker."""
        self.notify("Move the cursor to a sentence first", severity="warning", timeout=2)

    def _finish_mark(self, span: tuple[int, int] | None, message: str) -> None:
        changed = [span] if span else []
        if self.view.selection is not None:
            changed.append(tuple(sorted(self.view.selection)))  # type: ignore[arg-type]
            self.view.set_selection(None)
        self._reload_annotations(changed)
        self.notify(Content(message), timeout=2)

    # -- actions: movement -------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self.view.move_cursor(self.view.cursor + step, extend=self.view.selection is not None)

    def action_block(self, step: int) -> None:
        self.view.move_cursor(self.reading.next_block(self.view.cursor, step), extend=self.view.selection is not None)

    def action_top(self) -> None:
        self.view.move_cursor(0, extend=self.view.selection is not None)

    def action_bottom(self) -> None:
        self.view.move_cursor(len(self.reading.stops) - 1, extend=self.view.selection is not None)

    def action_page(self, direction: int) -> None:
        view = self.view
        lines = view.lines_of_stop(view.cursor)
        y = (lines.start if lines else 0) + direction * view.page_height()
        target = view.stop_at_line(max(0, y))
        if target == view.cursor:
            target += direction
        view.move_cursor(target, extend=view.selection is not None)

    # -- actions: find -------------------------------------------------------------------

    @property
    def find_box(self) -> InlineInput:
        return self.query_one("#find", InlineInput)

    def on_paste(self, event: events.Paste) -> None:
        # A paste that follows `t` or `n` closely reaches this screen before
        # the dialog has opened: it is handed on, as keys are (see on_key).
        dialog = self.app.screen
        if isinstance(dialog, TypeAhead):
            event.stop()
            dialog.type_ahead(PASTE, event.text)

    def on_key(self, event: events.Key) -> None:
        # Opening the find box here, not in the binding, keeps "/word" typed
        # in one go in order (see InlineInput). The tag picker and the note
        # editor the same way: keys typed ahead of them ("topen question",
        # "nsee the report") reach this screen, which hands them on.
        dialog = self.app.screen
        if isinstance(dialog, TypeAhead):
            event.stop()
            event.prevent_default()
            dialog.type_ahead(event.key, event.character)
            return
        if self.leaving:
            # Keys typed right after leaving ("q/ukraine" in one go) reach
            # this screen until the archive has the focus back: they are the
            # archive's (the find box opened here went with the screen).
            event.stop()
            event.prevent_default()
            take = getattr(dialog, "take_key_ahead", None)
            if dialog is not self and take is not None:
                take(event)
            return
        if self.find_box.hand_over(event):
            return
        # (Back, here too: a binding runs only once the keys typed after it
        # have reached this handler, and they would find the screen still open.)
        opening = {"article.find": self.action_find, "article.tags": self.action_tags,
                   "article.note": self.action_note, "article.article_note": self.action_article_note,
                   "article.back": self.action_back}
        if opens_on(self, "article.escape", event) and not (
                self.find_box.display or self.view.selection is not None or self.panel.display):
            opening = {"article.escape": self.action_back}  # Escape as back: as q
        for binding_id, action in opening.items():
            if opens_on(self, binding_id, event):
                event.stop()
                event.prevent_default()
                action()
                return

    def action_find(self) -> None:
        box = self.find_box
        box.value = self.last_query
        box.open()

    def _find(self, query: str) -> None:
        self.find_box.display = False
        self.view.focus()
        if not query.strip():
            return
        again = query == self.last_query
        self.last_query = query
        found = self.reading.find(query, self.view.cursor, include_start=not again)
        # A match in folded text counts too: whichever comes first after the
        # cursor (going round to the top) is the one found.
        stops = self.reading.stops
        here = stops[self.view.cursor].start if stops else 0
        size = len(self.article.text) + 1
        folded = self.reading.find_folded(query, here)
        if folded is not None and found is not None:
            shown_after = (stops[found].start - here) % size or (size if again else 0)
            if (folded - here) % size >= shown_after:
                folded = None
        if folded is not None:
            run = self.reading.run_of_block[self.article.block_at(folded)]
            self.reading.toggle_fold(run)
            self.view.rebuild(keep_offset=folded)
            self.view.move_cursor(self.reading.stop_at(folded), extend=self.view.selection is not None)
            what = self.reading.runs[run].describe()
            self.notify(Content(f"Found in folded text ({what.replace(' folded:', ':')}), now shown; "
                                f"{self._key('article.fold')} folds it again"),
                        timeout=3)
        elif found is None:
            self.notify(Content(f"Not found: {query}"), severity="warning", timeout=2)
        else:
            cursor = self.view.cursor
            self.view.move_cursor(found, extend=self.view.selection is not None)
            if found < cursor:
                self.notify(Content(f"Found from the top: {query}"), timeout=2)
            elif again and found == cursor:
                self.notify(Content(f"The only match: {query}"), timeout=2)

    # -- actions: selection ----------------------------------------------------------------

    def action_select(self) -> None:
        if self.view.selection is not None:
            self.view.set_selection(None)
        else:
            span = self._cursor_span()
            if span is None:
                self._no_sentence()
                return
            self.view.set_selection(span)
        self._update_status()

    def action_word(self, direction: int) -> None:
        view = self.view
        if view.selection is None and direction < 0:
            raise SkipAction()  # b without a selection marks the block
        if view.selection is None:
            span = self._cursor_span()
            if span is None:
                self._no_sentence()
                return
            # Start a selection at the sentence's first word.
            start = span[0]
            view.set_selection((start, self.reading.word_step(start, 1)))
            return
        lo, hi = view.anchor_span or sorted(view.selection)
        head = view.selection[1]
        # The anchor span (the sentence or word the selection started on)
        # stays selected. After it the head stops on word ends, before it on
        # word starts; going back over the anchor's end jumps to the word
        # before the anchor, going on over its start comes back to the anchor.
        if head >= hi:
            new_head = self.reading.word_step(head, direction, edge="end")
            if new_head < hi:
                new_head = self.reading.word_step(lo, -1, edge="start") if head <= hi else hi
        else:
            new_head = self.reading.word_step(head, direction, edge="start")
            if new_head >= lo:
                new_head = hi
        view.extend_selection(new_head)

    def action_other_end(self) -> None:
        """w and b move the selection's other end from now on: the word at
        the end they moved becomes its anchor, and `w` from the start
        narrows the selection to a phrase inside a sentence."""
        view = self.view
        if view.selection is None:
            self.notify(f"Select first ({self._key('article.select')}), then {self._key('article.other_end')} "
                        "moves the selection's other end", timeout=2)
            return
        lo, hi = sorted(view.selection)
        if view.selection[1] >= hi:
            anchor = (max(lo, self.reading.word_step(hi, -1, edge="start")), hi)
            head = lo
        else:
            anchor = (lo, min(hi, self.reading.word_step(lo, 1, edge="end")))
            head = hi
        view.anchor_span = anchor
        view.extend_selection(head)

    def action_escape(self) -> None:
        find = self.find_box
        if find.display and find.has_focus_within:
            # Typing a search: the box closes, a selection (which a find
            # may have been meant to grow) stays.
            self._close_find()
            return
        if self.view.selection is not None:
            self.view.set_selection(None)
            self._update_status()
            return
        if find.display:
            self._close_find()
            return
        if self.panel.display:
            self.action_panel()  # close the panel (focused or not), back to the text
            return
        self.action_back()

    def _close_find(self) -> None:
        self.find_box.release()
        self.find_box.display = False
        self.view.focus()

    def action_back(self) -> None:
        self.leaving = True
        self.app.pop_screen()

    # -- actions: marking ------------------------------------------------------------------

    @says_store_errors
    def action_tag(self, tag: str) -> None:
        existing = self._panel_choice()
        span = self._span_of(existing) if existing else self._target_span()
        if span is None and existing is None:
            self._no_sentence()
            return
        if existing is None:
            existing = self._exact(span)  # type: ignore[arg-type]
            shown = self._under_cursor() if existing is None and self.view.selection is None else None
            if shown is not None and tag in shown.tags:
                # "Again to unmark": the mark the status line names here (a
                # phrase within the sentence) loses the tag.
                existing, span = shown, (shown.start, shown.end)
        if existing is None:
            if self._create(span, [tag]) is not None:  # type: ignore[arg-type]
                self._finish_mark(span, f"Marked as {tag}")
            return
        if tag in existing.tags:
            tags = [t for t in existing.tags if t != tag]
            if not tags and not existing.note:
                if self._remove(existing):
                    self._finish_mark(span, f"Removed the {tag} mark")
                return
            if self._edit(existing, tags=tags) is None:
                self._gone(span)
                return
            self._finish_mark(span, f"Removed #{tag}")
        else:
            if self._edit(existing, tags=[*existing.tags, tag]) is None:
                self._gone(span)
                return
            self._finish_mark(span, f"Marked as {tag}")

    def action_tags(self) -> None:
        span, existing = self._mark_target()
        if span is None and existing is None:
            self._no_sentence()
            return
        if existing is not None:
            existing = self._current(existing)
            if existing is None:
                self._gone(span)
                return
        chosen = list(existing.tags) if existing else []

        @partial(guarded, self.app)
        def done(tags: list[str] | None) -> None:
            if tags is None:
                return
            if existing is None:
                if tags and self._create(span, tags) is not None:  # type: ignore[arg-type]
                    self._finish_mark(span, "Tagged " + " ".join("#" + t for t in tags))
                return
            if self._edit(existing, tags=tags) is None:
                self._gone(self._span_of(existing))
                return
            self._finish_mark(self._span_of(existing), "Tags: " + (" ".join("#" + t for t in tags) or "none"))

        self.app.push_screen(TagPicker(self.archive.tags(), chosen, title="Tags for this mark"), done)

    def action_note(self) -> None:
        span, existing = self._mark_target()
        if span is None and existing is None:
            self._no_sentence()
            return
        if existing is not None:
            existing = self._current(existing)
            if existing is None:
                self._gone(span)
                return
            quote = existing.exact if existing.orphaned else self.article.text[existing.start : existing.end]
        else:
            quote = self.article.text[span[0] : span[1]]  # type: ignore[index]

        def save(text: str) -> None:
            if existing is None:
                if self._create(span, [], note=text) is not None:  # type: ignore[arg-type]
                    self._finish_mark(span, "Note saved")
            elif text != existing.note:
                now = self._current(existing)
                if now is None or self._edit(existing, note=text) is None:
                    self._gone(self._span_of(existing))
                    return
                self._finish_mark(self._span_of(existing), "Note saved")
                if now.note != existing.note:
                    self._changed_meanwhile()

        edit_note(self.app, "Note", existing.note if existing else "", save, quote=quote)

    def action_article_note(self) -> None:
        from reader.core.store import NotFound

        try:  # another process may have changed it since this screen read it
            self.article.note = self.archive.article_note(self.article.id)
        except NotFound:
            pass
        old = self.article.note

        def save(text: str) -> None:
            if text == old:
                return
            try:
                now = self.archive.article_note(self.article.id)
            except NotFound:
                now = old
            try:
                self.archive.set_article_note(self.article.id, text)
            except StoreError as err:
                if self.archive.article_note(self.article.id) != clean_text(text):
                    raise
                self._saved_in_part(err)
            self.article.note = text
            # Undo puts back the note as it was just before (another
            # program's, if one wrote it while this one was being written).
            self.undo.append(Change("article_note", now, text))
            self._refresh_panel()
            self.notify("Article note saved", timeout=2)
            if now != old:
                self._changed_meanwhile()

        edit_note(self.app, f"Note on \u201c{shorten(self.article.title, 60)}\u201d", old, save)

    def action_delete(self) -> None:
        span, ann = self._mark_target()
        if ann is None:
            self.notify("No note under the cursor", severity="warning", timeout=2)
            return
        ann = self._current(ann)  # the question names the note as it is now
        if ann is None:
            self._gone(span)
            return
        label = " ".join("#" + t for t in ann.tags) or "highlight"
        question = Content.assemble("Delete this ", (label, "bold"), "?\n\u201c", shorten(ann.exact, 120), "\u201d",
                                    *(("\nNote: ", shorten(ann.note, 120)) if ann.note else ()))

        @partial(guarded, self.app)
        def answer(yes: bool | None) -> None:
            if yes and self._remove(ann):
                self._finish_mark(self._span_of(ann), f"Deleted ({self._key('article.undo')} to undo)")

        self.app.push_screen(ConfirmScreen(question, yes="Delete", no="Keep"), answer)

    def action_undo(self) -> None:
        if not self.undo:
            self.notify("Nothing to undo", timeout=2)
            return

        change = self.undo.pop()
        try:
            span, message = self._undo(change)
        except StoreError as err:
            self.undo.append(change)  # still there to undo
            tell(self.app, err, "Not undone")
            return
        self._reload_annotations([span] if span else [])
        self.notify(message, timeout=2)

    def _undo(self, change: Change) -> tuple[tuple[int, int] | None, str]:
        """Put back what `change` changed; the span to redraw and what to say.
        A mark another program changed since is not undone over that change."""
        span: tuple[int, int] | None = None
        if change.kind == "added":
            current = self._current(change.before)
            span = (change.before.start, change.before.end)
            if current is None:
                return span, "Nothing to undo: the mark was deleted elsewhere meanwhile"
            if current.note != change.before.note or set(current.tags) != set(change.before.tags):
                return span, ("Not undone: the mark was changed elsewhere since "
                              f"({self._key('article.delete')} deletes it)")
            self.archive.delete_annotation(change.before.id)
            return span, "Undone: mark removed"
        if change.kind == "deleted":
            restored = self.archive.restore_annotation(change.before)
            return self._span_of(restored), "Undone: mark restored"
        if change.kind == "edited":
            before, after = change.before, change.after
            back, kept = replace(before, tags=list(before.tags)), []
            if after is not None:
                current = self._current(before)
                if current is None:
                    return None, "Not undone: the mark was deleted elsewhere meanwhile"
                if current.note != after.note:
                    back.note = current.note
                    kept.append("note")
                if set(current.tags) != set(after.tags):
                    # Only this screen's change of the tags is taken back.
                    added = [t for t in after.tags if t not in before.tags]
                    removed = [t for t in before.tags if t not in after.tags]
                    back.tags = [t for t in current.tags if t not in added] + [
                        t for t in removed if t not in current.tags]
                    kept.append("tags")
            restored = self.archive.restore_annotation(back)
            if kept:
                return self._span_of(restored), ("Undone, but for the " + " and ".join(kept)
                                                 + " changed elsewhere since (kept)")
            return self._span_of(restored), ("Undone: orphaned again" if before.orphaned
                                             else "Undone: previous tags and note back")
        if change.kind == "article_note":
            self.archive.set_article_note(self.article.id, change.before)
            self.article.note = change.before
            return None, "Undone: article note restored"
        if change.kind == "rule":
            from reader.core.store import NotFound

            added, replaced = change.before, change.after
            for rule in added:
                try:
                    self.archive.remove_fold_rule(rule.id)
                except NotFound:
                    pass  # removed meanwhile (`reader fold-rule remove`)
            for rule in replaced:
                self.archive.restore_fold_rule(rule)
            self._refold(offset=change.at)  # the cursor back where the rule was made
            return None, ("Undone: fold rule removed" if len(added) == 1
                          else f"Undone: {len(added)} fold rules removed")
        raise AssertionError(change.kind)  # pragma: no cover

    def action_annotation(self, direction: int) -> None:
        placed = [a for a in self.annotations if not a.orphaned]
        if not placed:
            self.notify("No notes in this article yet", timeout=2)
            return
        # By the sentence each mark starts in: a mark that starts inside the
        # cursor's sentence is where the cursor is already.
        cursor = self.view.cursor
        at = self.reading.stop_at
        if direction > 0:
            after = [a for a in placed if at(a.start) > cursor]
            target = after[0] if after else placed[0]
            wrapped = not after and len(placed) > 1
        else:
            before = [a for a in placed if at(a.start) < cursor]
            target = before[-1] if before else placed[-1]
            wrapped = not before and len(placed) > 1
        self._jump_to(target)
        if wrapped:
            self.notify("Back to the first note" if direction > 0 else "On to the last note", timeout=2)

    def _jump_to(self, ann: Annotation) -> None:
        if ann.orphaned:
            self.notify(f"This note's text is no longer in the article ({self._key('article.review_orphans')} "
                        "to review)", severity="warning")
            return
        run = self.reading.run_of_block.get(self.article.block_at(ann.start))
        if run is not None and run not in self.reading.expanded:
            self.reading.toggle_fold(run)
            self.view.rebuild(keep_offset=ann.start)
        self.view.move_cursor(self.reading.stop_at(ann.start))

    def on_notes_panel_jump(self, event: NotesPanel.Jump) -> None:
        self._jump_to(event.annotation)
        self.view.focus()

    def action_panel(self) -> None:
        panel = self.panel
        panel.display = not panel.display
        if panel.display:
            self._refresh_panel()
            here = self._annotations_here()
            if here:
                panel.highlight_annotation(here[0].id)
            panel.focus()
        else:
            self.view.focus()
        self.view.call_after_refresh(self.view.relayout)

    # -- actions: folds -------------------------------------------------------------------------

    def action_fold(self) -> None:
        run = self.reading.run_at_stop(self.view.cursor)
        if run is None:
            self.notify(f"No folded text here ({self._key('article.fold_all')} shows every fold)", timeout=2)
            return
        offset = self.reading.run_span(run)[0]
        self.reading.toggle_fold(run)
        self.view.rebuild(keep_offset=offset)
        if run not in self.reading.expanded:
            self.view.move_cursor(self.reading.marker_stop(run))

    def action_fold_all(self) -> None:
        stops = self.reading.stops
        offset = stops[self.view.cursor].start if stops else 0
        opened = self.reading.toggle_all()
        self.view.rebuild(keep_offset=offset)
        self.notify("All folds open" if opened else "Boilerplate folded", timeout=2)

    def _refold(self, folded: tuple[int, ...] = (), offset: int | None = None) -> None:
        """Labels read again (a rule changed). A run stays open when it holds
        blocks of a run that was open, unless it holds a block just folded
        (`folded`): runs are matched by their blocks, since a new fold above
        shifts their numbers. The cursor stays where it is, or goes to `offset`."""
        old = self.reading
        was_open = {b for r in old.expanded for b in range(old.runs[r].start, old.runs[r].end)}
        stops = old.stops
        if offset is None:
            offset = stops[self.view.cursor].start if stops else 0
        self.reading = Reading(self.article, labels_in_archive(self.article, self.archive))
        self.reading.expanded = {
            i for i, run in enumerate(self.reading.runs)
            if any(b in was_open for b in range(run.start, run.end))
            and not any(run.start <= b < run.end for b in folded)
        }
        self.reading.rebuild()
        self.view.reading = self.reading
        self.view.rebuild(keep_offset=offset)

    @says_store_errors
    def action_mark_block(self) -> None:
        """Fold the block under the cursor on every article of this site, or
        show it if it is folded."""
        stop_index = self.view.cursor
        el = self.reading.elements[self.reading.stops[stop_index].element] if self.reading.stops else None
        if el is None:
            return
        if el.kind == FOLD:
            run = self.reading.runs[el.index]
            blocks = list(range(run.start, run.end))
            action = "show"
        else:
            blocks = [el.index]
            action = "show" if self.reading.labels[el.index].boilerplate else "fold"
        site = self.article.site or ""
        prior = {r.key: r for r in self.archive.fold_rules(site)}
        added: dict[str, Any] = {}
        for b in blocks:
            rule = self.archive.add_fold_rule(site, self.article.blocks[b].text, action)
            added[rule.key] = rule  # two blocks of one text make one rule
        if added:
            # Undo takes back every rule this added, and puts back those it replaced.
            replaced = [prior[k] for k in added if k in prior]
            self.undo.append(Change("rule", list(added.values()), replaced, at=self.reading.stops[stop_index].start))
        self._refold(tuple(blocks) if action == "fold" else ())
        where = site or "articles without a site"
        verb = "Folded" if action == "fold" else "Shown"
        self.notify(Content(f"{verb} on {where} from now on ({self._key('article.undo')} to undo)"), timeout=3)

    # -- actions: other ---------------------------------------------------------------------------

    def action_links(self) -> None:
        from reader.ui.screens.links import LinksScreen

        stop = self.reading.stops[self.view.cursor] if self.reading.stops else None
        links = []
        for block in self.article.blocks:
            for link in block.links:
                links.append((block.text[link.start : link.end], link.href, block.start + link.start))
        if not links:
            self.notify("This article has no links", timeout=2)
            return
        here = stop.start if stop else 0
        self.app.push_screen(LinksScreen(links, here))

    def action_copy(self) -> None:
        span = self._target_span()
        if span is None:
            self._no_sentence()
            return
        self.app.copy_to_clipboard(self.article.text[span[0] : span[1]])
        self.notify("Copied", timeout=1.5)

    def action_export(self) -> None:
        self.app.export_articles([self.article.id])  # type: ignore[attr-defined]

    @says_store_errors
    def action_toggle_read(self) -> None:
        from reader.core.store import NotFound

        try:
            read = not self.archive.info(self.article.id).read
            self.archive.set_read(self.article.id, read)
        except NotFound:
            self._article_gone()
            return
        self.notify("Marked read" if read else "Marked unread", timeout=1.5)

    def action_review_orphans(self) -> None:
        from reader.core.store import NotFound

        # Re-attaching reads offsets in the text shown: it must be the
        # archive's (another program may have imported a new version).
        try:
            stale = self.archive.info(self.article.id).content_hash != self.article.content_hash
        except NotFound:
            self._article_gone()
            return
        if stale:
            self._reload_article()
            self.notify(f"A new version of this article was imported meanwhile, shown now "
                        f"({self._key('article.review_orphans')} again to review)", severity="warning")
            return
        orphans = [a for a in self.annotations if a.orphaned]
        if not orphans:
            self.notify("No orphaned notes in this article", timeout=2)
            return
        from reader.ui.screens.orphans import OrphanScreen

        def done(changes: list[tuple[str, Annotation]] | None) -> None:
            # Re-attaching and deleting there are undone here, one by one.
            self.undo.extend(Change(kind, before, after) for kind, before, after in changes or [])
            self._reload_annotations()

        sel = self.view.selection
        # "Attach to my selection" means one made (v), not the sentence under the cursor.
        mine = trim_span(self.article.text, *sorted(sel)) if sel is not None and sel[0] != sel[1] else None
        self.app.push_screen(OrphanScreen(self.archive, self.article, orphans, mine), done)

    def action_help(self) -> None:
        k = self._key
        intro = (
            f"Move by sentence ({k('article.next_sentence')}/{k('article.previous_sentence')}) or block "
            f"({k('article.next_block')}/{k('article.previous_block')}); {k('article.select')} starts a selection, "
            f"{k('article.next_sentence')}/{k('article.previous_sentence')}/{k('article.word_forward')}/"
            f"{k('article.word_back')} grow it. {k('article.claim')} claim, {k('article.evidence')} evidence, "
            f"{k('article.tags')} tags, {k('article.note')} note: with no selection they take the sentence "
            "under the cursor."
        )
        self.app.push_screen(HelpScreen("Reading keys", binding_rows(self), intro))
