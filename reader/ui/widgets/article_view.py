"""The article, drawn line by line with a sentence cursor, a selection,
annotation highlights and fold markers.

A Line-API widget: only the lines on screen are drawn, each drawn line is
cached, and a cursor move redraws just the lines it leaves and enters, so its
cost does not grow with the article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.selection import Selection
from textual.strip import Strip

from reader.core.models import Annotation
from reader.core.reading import FOLD, Reading
from reader.core.render import FOLDED_MARK, OPEN_MARK, list_marker
from reader.ui.palette import highlight_mix, readable_text, tag_color
from reader.ui.widgets.line_cache import CachedLinesView

MEASURE = 86  # the widest a line of text gets, in cells


@dataclass(slots=True)
class Line:
    element: int  # -1 for a blank line
    start: int  # canonical offsets of the text on this line
    end: int
    prefix: str = ""
    marker: str | None = None  # a fold marker's text


#: A word and the spaces after it (str.isspace's spaces, as \s is).
_WORD = re.compile(r"(\S*)\s*")


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of `text` into (start, end) spans at most `width`
    cells wide; newlines break lines; words longer than a line are split."""
    width = max(4, width)
    out: list[tuple[int, int]] = []
    pos = 0
    ascii_only = text.isascii()
    for para in text.split("\n"):
        if ascii_only and len(para) <= width:
            out.append((pos, pos + len(para)))  # fits on one line
        else:
            _wrap_line(text, pos, pos + len(para), width, out, ascii_only)
        pos += len(para) + 1
    return out


def _wrap_line(text: str, lo: int, hi: int, width: int, out: list[tuple[int, int]], ascii_only: bool) -> None:
    if lo == hi:
        out.append((lo, hi))
        return
    line_start = lo
    line_w = 0
    for m in _WORD.finditer(text, lo, hi):
        # The next word (i:j) with its trailing spaces (j:k).
        i, j, k = m.start(), m.end(1), m.end()
        if k == i:
            break
        word_w = (j - i) if ascii_only else cell_len(text[i:j])
        if line_w and line_w + word_w > width:
            out.append((line_start, i))
            line_start, line_w = i, 0
        if word_w > width:
            # Split a long word (or a run of CJK text) by cells.
            w = line_w
            s = i
            for c in range(i, j):
                cw = 1 if ascii_only else cell_len(text[c])
                if w + cw > width and c > s:
                    b = c if ascii_only else _line_break_before(text, s, c)
                    out.append((line_start, b))
                    line_start, s = b, b
                    w = 0 if b == c else cell_len(text[b:c])
                w += cw
            line_w = w
        else:
            line_w += word_w
        line_w += k - j
    out.append((line_start, hi))


#: What no line starts with (closing punctuation: "\uff0c\u3002\u300d"...) and
#: what none ends with (opening brackets), in Chinese and Japanese text.
_NO_LINE_START = frozenset("\u3001\u3002\uff0c\uff0e\uff01\uff1f\uff1a\uff1b\uff09\u300d\u300f\u3011\u3015"
                           "\u3009\u300b\u3017\u3019\u201d\u2019\u2026\u2025\u30fb\u30fc\u3005,.!?:;)]}")
_NO_LINE_END = frozenset("\uff08\u300c\u300e\u3010\u3014\u3008\u300a\u3016\u3018\u201c\u2018([{")


def _line_break_before(text: str, start: int, c: int) -> int:
    """Where a run of text without spaces breaks when text[c] does not fit:
    at `c`, or up to two characters earlier so that no line starts with a
    closing mark or ends with an opening one (never at `start` or before)."""
    b = c
    while b - 1 > start and c - b < 2 and (text[b] in _NO_LINE_START or text[b - 1] in _NO_LINE_END):
        b -= 1
    return b if text[b] not in _NO_LINE_START and text[b - 1] not in _NO_LINE_END else c


def _changed(old: range, new: range) -> list[range]:
    """The lines to draw again when a selection drawn on `old` lines moves
    to `new` ones: where the two differ, and the lines at their ends (a
    selection may start or end inside a line)."""
    if not old or not new or old.stop <= new.start or new.stop <= old.start:
        return [old, new]
    lo = range(min(old.start, new.start), max(old.start, new.start) + 1)
    hi = range(min(old.stop, new.stop) - 1, max(old.stop, new.stop))
    return [lo, hi]


class ArticleView(CachedLinesView, can_focus=True):
    COMPONENT_CLASSES = {
        "article-view--heading",
        "article-view--quote",
        "article-view--code",
        "article-view--caption",
        "article-view--image",
        "article-view--fold",
        "article-view--folded",
        "article-view--cursor",
        "article-view--gutter",
        "article-view--selection",
        "article-view--link",
    }

    class CursorMoved(Message):
        def __init__(self, view: ArticleView) -> None:
            super().__init__()
            self.view = view

    class Margined(Message):
        """The text's left margin changed (the view's width did): the title
        above lines up with it."""

        def __init__(self, margin: int) -> None:
            super().__init__()
            self.margin = margin

    def __init__(self, reading: Reading, annotations: list[Annotation], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.reading = reading
        self.annotations = annotations
        self.cursor = 0
        #: (anchor, head) offsets while selecting; None otherwise.
        self.selection: tuple[int, int] | None = None
        #: The span the selection started on (a sentence, a word): it stays
        #: selected whichever way the head goes.
        self.anchor_span: tuple[int, int] | None = None
        self.tag_colors: dict[str, Color] = {}
        self.plain_color: Color = Color(128, 128, 128)
        self.lines: list[Line] = []
        self._element_lines: list[int] = []
        self._layout_width = -1
        self._measure = -1
        self._margin = 0

    # -- layout ----------------------------------------------------------------

    def on_resize(self) -> None:
        self.relayout(rewrap=False)

    def relayout(self, *, keep_cursor: bool = True, rewrap: bool = True) -> None:
        """Lay the lines out for the view's width. Unless `rewrap`, lines
        already wrapped to the same measure are kept: a resize that leaves
        the measure as it was (a taller or shorter view, the find box, the
        notes panel beside a wide view) only moves the margin."""
        width = self.scrollable_content_region.width or self.size.width or 80
        measure = min(MEASURE, max(10, width - 4))
        margin = max(1, (width - measure) // 2)
        if margin != self._margin:
            self.post_message(self.Margined(margin))
        self._margin = margin
        self._layout_width = width
        if rewrap or measure != self._measure:
            self.lines = self._build_lines(measure)
            self._measure = measure
        self._cache.clear()
        self.virtual_size = Size(width, len(self.lines))
        if keep_cursor:
            self.scroll_to_cursor(animate=False)
        self.refresh()

    def _build_lines(self, measure: int) -> list[Line]:
        reading = self.reading
        article = reading.article
        lines: list[Line] = []
        starts: list[int] = []
        for e, el in enumerate(reading.elements):
            if lines:
                lines.append(Line(-1, 0, 0))
            starts.append(len(lines))
            if el.kind == FOLD:
                run = reading.runs[el.index]
                closed = el.index not in reading.expanded
                label = f"{OPEN_MARK if not closed else FOLDED_MARK} {run.describe()}"
                held = self._marks_in_run(el.index) if closed else 0
                if held:
                    # A mark inside folded text is not lost from sight.
                    label += f" \u00b7 {held} mark{'s' if held != 1 else ''} inside"
                for k, (s, t) in enumerate(wrap(label, measure - 2)):
                    lines.append(Line(e, -1, -1, marker=("" if k == 0 else "  ") + label[s:t]))
                continue
            block = article.blocks[el.index]
            gutter = "\u2502 " if el.folded else ""
            if block.kind == "list_item":
                indent = "  " * max(0, block.level - 1)
                marker = list_marker(block)
                first, rest = gutter + indent + marker, gutter + indent + " " * len(marker)
            elif block.kind == "quote":
                first = rest = gutter + "\u258e "
            elif block.kind == "image":
                first = rest = gutter + "[image: "
            else:
                first = rest = gutter
            width = max(10, measure - cell_len(first))
            for k, (s, t) in enumerate(wrap(block.text, width)):
                lines.append(Line(e, block.start + s, block.start + t, first if k == 0 else rest))
        self._element_lines = starts
        return lines

    # -- geometry of stops ----------------------------------------------------------

    def lines_of_stop(self, stop_index: int) -> range:
        if not self.reading.stops or not self._element_lines:
            return range(0)
        stop = self.reading.stops[stop_index]
        first = self._element_lines[stop.element]
        if stop.is_marker:
            return range(first, first + 1)
        lo = hi = None
        i = first
        while i < len(self.lines) and self.lines[i].element == stop.element:
            line = self.lines[i]
            if line.start < stop.end and line.end > stop.start or (line.start == line.end == stop.start):
                if lo is None:
                    lo = i
                hi = i
            elif lo is not None:
                break
            i += 1
        if lo is None:
            return range(first, first + 1)
        return range(lo, hi + 1)

    def line_of_offset(self, offset: int) -> int:
        stop = self.reading.stop_at(offset)
        for i in self.lines_of_stop(stop):
            line = self.lines[i]
            if line.start <= offset <= line.end:
                return i
        r = self.lines_of_stop(stop)
        return r.start if r else 0

    def scroll_to_cursor(self, *, animate: bool = False) -> None:
        lines = self.lines_of_stop(self.cursor)
        if not lines:
            return
        height = self.scrollable_content_region.height or self.size.height or 1
        top = self.scroll_offset.y
        margin = min(3, height // 4)
        if lines.start < top + margin:
            self.scroll_to(y=max(0, lines.start - margin), animate=animate, immediate=True)
        elif lines.stop > top + height - margin:
            y = min(lines.stop - height + margin, lines.start - margin)
            self.scroll_to(y=max(0, y), animate=animate, immediate=True)

    # -- state changes ------------------------------------------------------------------

    def _invalidate(self, *spans: range) -> None:
        """Draw the lines of `spans` again. Only lines drawn before (cached)
        and lines on screen are touched, so a selection over a whole long
        article costs no more than a short one."""
        cache = self._cache
        top = self.scroll_offset.y
        shown = range(top, top + max(1, self.size.height))
        for span in spans:
            if not span:
                continue
            if len(span) > len(cache):
                for i in [i for i in cache if i in span]:
                    del cache[i]
            else:
                for i in span:
                    cache.pop(i, None)
            for i in range(max(span.start, shown.start), min(span.stop, shown.stop)):
                self.refresh_line(i)

    def _selection_span(self) -> tuple[int, int] | None:
        if self.selection is None:
            return None
        a, b = self.selection
        return (a, b) if a <= b else (b, a)

    def _lines_of_span(self, span: tuple[int, int] | None) -> range:
        if span is None:
            return range(0)
        lo = self.line_of_offset(span[0])
        hi = self.line_of_offset(max(span[0], span[1] - 1))
        return range(lo, hi + 1)

    def move_cursor(self, index: int, *, extend: bool = False) -> None:
        stops = self.reading.stops
        if not stops:
            return
        index = max(0, min(index, len(stops) - 1))
        old_lines = self.lines_of_stop(self.cursor)
        old_sel = self._lines_of_span(self._selection_span())
        if extend and self.selection is not None and self.anchor_span is not None:
            stop = stops[index]
            head = stop.end if stop.start >= self.anchor_span[0] else stop.start
            self.selection = self._spanning(head)
        self.cursor = index
        new_sel = self._lines_of_span(self._selection_span())
        self._invalidate(old_lines, self.lines_of_stop(index), *_changed(old_sel, new_sel))
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(self))

    def _spanning(self, head: int) -> tuple[int, int]:
        """The selection from the anchor span to `head`, the anchor span
        always in it: (the anchor's far end, head)."""
        lo, hi = self.anchor_span  # type: ignore[misc]
        if head >= lo:
            return (lo, max(head, hi))
        return (hi, head)

    def extend_selection(self, head: int) -> None:
        """Move the selection's head to `head`, keeping the anchor span."""
        if self.selection is None or self.anchor_span is None:
            return
        self.set_selection(self._spanning(head), keep_anchor=True)

    def set_selection(self, selection: tuple[int, int] | None, *, keep_anchor: bool = False) -> None:
        """Select `selection` (anchor, head); it becomes the anchor span
        unless `keep_anchor`."""
        old = self._lines_of_span(self._selection_span())
        self.selection = selection
        if selection is None:
            self.anchor_span = None
        elif not keep_anchor or self.anchor_span is None:
            self.anchor_span = (min(selection), max(selection))
        new = self._lines_of_span(self._selection_span())
        self._invalidate(*_changed(old, new))
        if selection is not None:
            self.cursor = self.reading.stop_at(max(0, selection[1] - 1) if selection[1] > selection[0] else selection[1])
        self.post_message(self.CursorMoved(self))

    def _marks_in_run(self, run_index: int) -> int:
        lo, hi = self.reading.run_span(run_index)
        return sum(1 for a in self.annotations if not a.orphaned and a.start < hi and a.end > lo)

    def set_annotations(self, annotations: list[Annotation], changed: list[tuple[int, int]] = ()) -> None:  # type: ignore[assignment]
        old = Counter((a.start, a.end) for a in self.annotations if not a.orphaned)
        new = Counter((a.start, a.end) for a in annotations if not a.orphaned)
        self.annotations = annotations
        if self._in_closed_run((old - new) + (new - old)):
            # A mark came or went inside a closed run: its fold line counts them.
            self.relayout()
        elif changed:
            self._invalidate(*(self._lines_of_span(span) for span in changed))
        else:
            self._cache.clear()
            self.refresh()

    def _in_closed_run(self, spans: Iterable[tuple[int, int]]) -> bool:
        """Whether any of `spans` touches a block of a run that is folded."""
        reading = self.reading
        article = reading.article
        for start, end in spans:
            for b in range(article.block_at(start), article.block_at(max(start, end - 1)) + 1):
                run = reading.run_of_block.get(b)
                if run is not None and run not in reading.expanded:
                    return True
        return False

    def rebuild(self, keep_offset: int | None = None) -> None:
        """Lay out again after the reading changed (a fold toggled)."""
        self.relayout(keep_cursor=False)
        if keep_offset is not None:
            self.cursor = self.reading.stop_at(keep_offset)
        self.cursor = max(0, min(self.cursor, len(self.reading.stops) - 1))
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(self))

    def page_height(self) -> int:
        return max(1, (self.scrollable_content_region.height or self.size.height) - 2)

    def stop_at_line(self, y: int) -> int:
        """The first stop drawn at or after line `y`."""
        y = max(0, min(y, len(self.lines) - 1))
        for i in range(y, len(self.lines)):
            line = self.lines[i]
            if line.element < 0:
                continue
            if line.marker is not None:
                el = self.reading.elements[line.element]
                return self.reading.marker_stop(el.index)
            return self.reading.stop_at(line.start)
        return len(self.reading.stops) - 1

    # -- drawing ------------------------------------------------------------------------

    def line_count(self) -> int:
        return len(self.lines)

    def _draw(self, index: int, width: int) -> Strip:
        base = self.rich_style
        line = self.lines[index]
        reading = self.reading
        in_cursor = index in self.lines_of_stop(self.cursor)
        gutter_style = self.get_component_rich_style("article-view--gutter")
        margin = " " * max(0, self._margin - 2)
        segments: list[Segment] = [Segment(margin, base)]
        segments.append(Segment("\u258c ", base + gutter_style) if in_cursor else Segment("  ", base))
        if line.element < 0:
            pass
        elif line.marker is not None:
            style = base + self.get_component_rich_style("article-view--fold")
            if in_cursor:
                style += self.get_component_rich_style("article-view--cursor")
            segments.append(Segment(line.marker, style))
        else:
            el = reading.elements[line.element]
            block = reading.article.blocks[el.index]
            style = base + self._kind_style(block.kind)
            if el.folded:
                style += self.get_component_rich_style("article-view--folded")
            if line.prefix:
                segments.append(Segment(line.prefix, style))
            segments.extend(self._text_segments(line, block, style))
            if block.kind == "image" and line.end == block.end:
                segments.append(Segment("]", style))
        strip = Strip(segments).extend_cell_length(width, base).crop(0, width)
        return strip.apply_offsets(0, index)

    def _kind_style(self, kind: str) -> Style:
        name = {
            "heading": "article-view--heading",
            "quote": "article-view--quote",
            "code": "article-view--code",
            "table": "article-view--code",
            "caption": "article-view--caption",
            "image": "article-view--image",
        }.get(kind)
        return self.get_component_rich_style(name) if name else Style()

    def _text_segments(self, line: Line, block, style: Style) -> list[Segment]:  # noqa: ANN001
        text = self.reading.article.text
        lo, hi = line.start, line.end
        if hi <= lo:
            return []
        # Cut points: every span that changes the style on this line.
        spans: list[tuple[int, int, str, object]] = []
        for link in block.links:
            s, e = block.start + link.start, block.start + link.end
            if s < hi and e > lo:
                spans.append((s, e, "link", None))
        for ann in self.annotations:
            if ann.orphaned or ann.start >= hi or ann.end <= lo:
                continue
            spans.append((ann.start, ann.end, "ann", ann))
        stop = self.reading.stops[self.cursor] if self.reading.stops else None
        if stop is not None and not stop.is_marker and stop.start < hi and stop.end > lo:
            spans.append((stop.start, stop.end, "cursor", None))
        sel = self._selection_span()
        if sel is not None and sel[0] < hi and sel[1] > lo:
            spans.append((sel[0], sel[1], "sel", None))
        if not spans:
            return [Segment(text[lo:hi], style)]
        cuts = {lo, hi}
        for s, e, _, _ in spans:
            cuts.add(max(lo, s))
            cuts.add(min(hi, e))
        points = sorted(c for c in cuts if lo <= c <= hi)
        link_style = self.get_component_rich_style("article-view--link")
        cursor_style = self.get_component_rich_style("article-view--cursor")
        sel_style = self.get_component_rich_style("article-view--selection")
        out: list[Segment] = []
        for a, b in zip(points, points[1:]):
            if a == b:
                continue
            seg_style = style
            anns = []
            kinds = set()
            for s, e, kind, obj in spans:
                if s <= a and e >= b:
                    kinds.add(kind)
                    if kind == "ann":
                        anns.append(obj)
            if "link" in kinds:
                seg_style += link_style
            if anns:
                seg_style += self._annotation_style(anns)
            if "cursor" in kinds:
                seg_style += cursor_style
            if "sel" in kinds:
                seg_style += sel_style
            out.append(Segment(text[a:b], seg_style))
        return out

    def _annotation_style(self, anns: list[Annotation]) -> Style:
        background = self.styles.background if self.styles.background.a else Color(0, 0, 0)
        colors = [tag_color(self.tag_colors, self.plain_color, ann.tags) for ann in anns]
        mixed = colors[0]
        for c in colors[1:]:
            mixed = mixed.blend(c, 0.5)
        bg = background.blend(mixed, sum(highlight_mix(ann.tags) for ann in anns) / len(anns))
        fg = readable_text(bg)
        return Style(bgcolor=bg.rich_color, color=fg.rich_color, underline=len(anns) > 1)

    # -- mouse selection ------------------------------------------------------------------

    def _offset_at(self, x: int, y: int) -> int | None:
        if not self.lines:
            return None
        y = max(0, min(y, len(self.lines) - 1))
        line = self.lines[y]
        if line.element < 0 or line.marker is not None:
            return None
        col = x - max(0, self._margin - 2) - 2 - len(line.prefix)
        return line.start + max(0, min(col, line.end - line.start))

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        span = self._mouse_span(selection)
        if span is None:
            return None
        return self.reading.article.text[span[0] : span[1]], "\n"

    def _mouse_span(self, selection: Selection) -> tuple[int, int] | None:
        start = selection.start
        end = selection.end
        a = self._offset_at(start.x, start.y) if start is not None else 0
        b = self._offset_at(end.x, end.y) if end is not None else len(self.reading.article.text)
        if a is None or b is None:
            return None
        a, b = min(a, b), max(a, b)
        return (a, b) if b > a else None

    def selection_updated(self, selection: Selection | None) -> None:
        if selection is None:
            return
        span = self._mouse_span(selection)
        if span is not None:
            self.set_selection(span)
