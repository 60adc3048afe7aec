"""The notes panel: the article's annotations in text order - tags, the
quote shortened, the note - then the orphaned ones. Enter jumps to one."""

from __future__ import annotations

from textual.binding import Binding
from textual.color import Color
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from reader.core.models import Annotation
from reader.ui.keys import key_hint
from reader.ui.palette import tag_color

QUOTE_CHARS = 90


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def annotation_prompt(ann: Annotation, colors: dict[str, Color] | None = None, plain: Color | None = None) -> Content:
    """Tags (each in its highlight colour), the quote shortened, the note."""
    parts: list[Content | tuple[str, str] | str] = []
    for i, tag in enumerate(ann.tags):
        color = tag_color(colors or {}, plain, [tag]) if plain is not None else None
        if i:
            parts.append("  ")
        parts.append(("#" + tag, f"bold {color.hex}" if color else "bold $accent"))
    if not ann.tags:
        parts.append(("highlight", "bold $text-muted"))
    parts += ["\n", "\u201c" + shorten(ann.exact) + "\u201d"]
    if ann.was and not ann.orphaned:
        parts += ["\n", ("the text changed; it read \u201c" + shorten(ann.was) + "\u201d", "$warning")]
    if ann.note:
        parts += ["\n", (shorten(ann.note, 200), "italic $text-muted")]
    return Content.assemble(*parts)


class NotesPanel(OptionList):
    #: j and k move in the list, as they do in the archive's (the arrows too).
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="panel.down"),
        Binding("k", "cursor_up", "Up", show=False, id="panel.up"),
    ]

    class Jump(Message):
        def __init__(self, annotation: Annotation) -> None:
            super().__init__()
            self.annotation = annotation

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.annotations: list[Annotation] = []
        self.border_title = "Notes"
        self.tag_colors: dict[str, Color] = {}
        self.plain_color: Color | None = None

    def show(self, annotations: list[Annotation], article_note: str = "") -> None:
        self.annotations = annotations
        placed = [a for a in annotations if not a.orphaned]
        orphans = [a for a in annotations if a.orphaned]
        keep = self.highlighted
        # The mark highlighted stays so when rows above it come or go (the
        # article's note written); a mark gone leaves the place it had.
        keep_id = self.get_option_at_index(keep).id if keep is not None and keep < self.option_count else None
        self.clear_options()
        items: list[Option | None] = []
        if article_note:
            items.append(Option(Content.assemble(("Article note", "bold"), "\n", shorten(article_note, 200)),
                                id="article-note", disabled=True))
            items.append(None)
        if not placed and not orphans:
            keys = [(key_hint(self.screen, f"article.{name}"), word) for name, word in (
                ("claim", "claim"), ("evidence", "evidence"), ("question", "question"), ("tags", "tags"), ("note", "note"))]
            hint = ", ".join(f"{key} {word}" for key, word in keys if key)
            items.append(Option(Content(f"No annotations yet: {hint}." if hint else "No annotations yet."),
                                disabled=True))
        for a in placed:
            items.append(Option(annotation_prompt(a, self.tag_colors, self.plain_color), id="ann:" + a.id))
        if orphans:
            items.append(None)
            items.append(Option(Content.assemble((f"Orphaned ({len(orphans)})", "bold $warning"), "\n",
                                                 (f"text no longer found; {key_hint(self.screen, 'article.review_orphans')}"
                                                  " to review", "$text-muted")),
                                disabled=True))
            for a in orphans:
                items.append(Option(annotation_prompt(a, self.tag_colors, self.plain_color), id="ann:" + a.id))
        self.add_options(items)
        self.border_title = f"Notes ({len(annotations)})"
        if keep_id is not None and self._has(keep_id):
            self.highlighted = self.get_option_index(keep_id)
        elif keep is not None and self.option_count:
            self.highlighted = min(keep, self.option_count - 1)
        elif annotations:
            self.highlight_annotation(annotations[0].id)

    def _has(self, option_id: str) -> bool:
        try:
            self.get_option_index(option_id)
        except OptionDoesNotExist:
            return False
        return True

    def highlight_annotation(self, ann_id: str | None) -> None:
        if ann_id is not None and self._has("ann:" + ann_id):
            self.highlighted = self.get_option_index("ann:" + ann_id)

    def highlighted_annotation(self) -> Annotation | None:
        if self.highlighted is None:
            return None
        oid = self.get_option_at_index(self.highlighted).id or ""
        if not oid.startswith("ann:"):
            return None
        return next((a for a in self.annotations if a.id == oid[4:]), None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        oid = event.option.id or ""
        if oid.startswith("ann:"):
            ann_id = oid[4:]
            for a in self.annotations:
                if a.id == ann_id:
                    self.post_message(self.Jump(a))
                    break
