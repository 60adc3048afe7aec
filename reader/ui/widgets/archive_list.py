"""The archive as a list: one row per article, drawn only where visible, so
10,000 rows cost what 30 do. Filtering and sorting work on the in-memory
summaries, never on article bodies."""

from __future__ import annotations

import re
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from reader.core.models import ArticleInfo
from reader.ui.widgets.line_cache import CachedLinesView

SORTS = ("saved", "title", "site", "annotated")
#: Seconds of filtering per turn of the event loop: a key press costs this
#: much matching at most, whatever the size of the archive.
SCAN_BUDGET = 0.001
SORT_LABELS = {
    "saved": "newest first",
    "title": "by title",
    "site": "by site",
    "annotated": "most annotated",
}


def sort_rows(rows: list[ArticleInfo], key: str) -> list[ArticleInfo]:
    if key == "title":
        return sorted(rows, key=lambda r: (r.title.casefold(), r.id))
    if key == "site":
        return sorted(rows, key=lambda r: ((r.site or "\uffff").casefold(), r.title.casefold(), r.id))
    if key == "annotated":
        return sorted(rows, key=lambda r: (-r.annotation_count, r.saved, r.id), reverse=False)
    return sorted(rows, key=ArticleInfo.newest_first_key, reverse=True)


#: Filter words that pick rows by their state rather than their text.
STATE_WORDS = {"is:read": True, "is:unread": False}


def _states(query: str) -> set[str]:
    return {w for w in query.casefold().split() if w in STATE_WORDS}


def haystack(row: ArticleInfo) -> str:
    """What the filter searches: title, site, tags and note text. Tags are
    written as the list shows them, "#claim", so a filter word "#claim"
    matches a tag (and "#topic" every "#topic/..." tag) while "claim" still
    matches them too. A "#" that starts a word in the other text is left
    out, so that "#claim" matches tags only (and "c#" still a title's "C#")."""
    tags = " ".join("#" + t for t in (*row.tags, *row.annotation_tags))
    text = _WORD_HASH.sub(" ", "\n".join((row.title, row.site or "", row.notes_text, row.note)))
    return (tags + "\n" + text).casefold()


_WORD_HASH = re.compile(r"(?<!\S)#")


def columns(width: int) -> tuple[int, int, int, int, int]:
    """Widths of title, site, saved, notes, tags for a row `width` cells wide."""
    site, saved, notes = 20, 10, 5
    # Tags from 100 cells on, wider (to 50) in a wide terminal.
    tags = min(50, 22 + max(0, width - 130) // 2) if width >= 100 else 0
    if width < 70:
        site = 0
    title = max(10, width - site - saved - notes - tags - 2 * 4)
    return title, site, saved, notes, tags


def _cell(text: str, width: int) -> str:
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "\u2026"
    return set_cell_size(text, width)


def row_cells(row: ArticleInfo, width: int) -> list[str]:
    tw, sw, dw, nw, gw = columns(width)
    if row.status in ("pending", "failed"):
        # The state stays in sight, however long the title.
        mark, state = ("\u22ef ", "  (not fetched yet)") if row.status == "pending" else ("\u2717 ", "  (fetch failed)")
        room = tw - cell_len(mark) - cell_len(state)
        title = mark + (_cell(row.title, room).rstrip() if cell_len(row.title) > room > 0 else row.title) + state
    else:
        title = row.title
    # The marks' tags, then the article's own.
    tags = " ".join("#" + t for t in dict.fromkeys((*row.annotation_tags, *row.tags)))
    cells = [_cell(title, tw)]
    if sw:
        cells.append(_cell(row.site or "", sw))
    cells.append(_cell(row.saved[:10], dw))
    cells.append(_cell(str(row.annotation_count) if row.annotation_count else "", nw).rjust(nw) if nw else "")
    if gw:
        cells.append(_cell(tags, gw))
    return cells


class ArchiveHeader(Widget):
    """The column titles above the list."""

    DEFAULT_CSS = "ArchiveHeader { height: 1; }"

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        tw, sw, dw, nw, gw = columns(width - 2)
        names = [_cell("Title", tw)]
        if sw:
            names.append(_cell("Site", sw))
        names.append(_cell("Saved", dw))
        names.append(_cell("Notes", nw))
        if gw:
            names.append(_cell("Tags", gw))
        text = "  " + "  ".join(names)
        return Strip([Segment(text, self.rich_style)]).extend_cell_length(width, self.rich_style).crop(0, width)


class ArchiveList(CachedLinesView, can_focus=True):
    COMPONENT_CLASSES = {"archive-list--cursor", "archive-list--pending", "archive-list--read"}

    class Opened(Message):
        def __init__(self, row: ArticleInfo) -> None:
            super().__init__()
            self.row = row

    class Moved(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.all_rows: list[ArticleInfo] = []
        self.rows: list[ArticleInfo] = []
        self.cursor = 0
        self.sort_key = "saved"
        self.query_text = ""
        self._haystacks: dict[str, tuple[ArticleInfo, str]] = {}
        self.scanning = False
        self.status_counts: Counter[str] = Counter()
        self.unread = 0
        self._scan_gen = 0
        self._scan: Iterator[ArticleInfo | None] = iter(())
        self._text: tuple[list[ArticleInfo], str, list[int], list[str]] | None = None
        self._keep: str | None = None

    # -- data ---------------------------------------------------------------------

    def _kept_id(self) -> str | None:
        """The article the cursor is on: the one a filter still being matched
        (or one that matched nothing) is looking for, else the row under the
        cursor."""
        if (self.scanning or not self.rows) and self._keep:
            return self._keep
        return self.current.id if self.current else None

    def set_rows(self, rows: list[ArticleInfo], *, keep_id: str | None = None) -> None:
        keep = keep_id or self._kept_id()
        self.all_rows = sort_rows(rows, self.sort_key)
        counts: Counter[str] = Counter()
        unread = 0
        for r in rows:
            status = r.status
            if status != "ok":
                counts[status] += 1
            if not r.read:
                unread += 1
        self.status_counts, self.unread = counts, unread
        self._apply(keep)

    def set_sort(self, key: str) -> None:
        keep = self._kept_id()
        self.sort_key = key
        self.all_rows = sort_rows(self.all_rows, key)
        self._apply(keep)

    def set_filter(self, text: str) -> None:
        """Show the rows matching `text`, the cursor staying on its article
        if that is still listed (else on the first row)."""
        self.query_text = text
        self._apply(self._kept_id())

    def _hay(self, row: ArticleInfo) -> str:
        cached = self._haystacks.get(row.id)
        if cached is not None and cached[0] is row:
            return cached[1]
        h = haystack(row)
        self._haystacks[row.id] = (row, h)
        return h

    def _search_text(self) -> tuple[str, list[int], list[str]]:
        """What the filter searches, as one string: every row's haystack in
        list order, each after a NUL; with where each row starts, and the
        haystacks. Made again only when the rows or their order change."""
        if self._text is None or self._text[0] is not self.all_rows:
            hays = [self._hay(r) for r in self.all_rows]
            starts, at = [], 0
            for h in hays:
                starts.append(at)
                at += len(h) + 1
            self._text = (self.all_rows, "".join("\x00" + h for h in hays), starts, hays)
        _, text, starts, hays = self._text
        return text, starts, hays

    def _matching(self, words: list[str], wanted: set[bool]) -> Iterator[ArticleInfo | None]:
        """The rows that hold every word (and are in a wanted state), in list
        order; None in between, as a chance to stop. The longest word is
        looked for in the whole archive's text at once (str.find skips the
        rows without it at C speed); each row found is then checked for the
        rest, and the search goes on from the next row."""
        rows = self.all_rows
        if not words:
            for row in rows:
                yield row if bool(row.read) in wanted else None
            return
        text, starts, hays = self._search_text()
        driver = max(words, key=len)
        rest = [w for w in words if w != driver]
        n, pos = len(rows), 0
        while True:
            pos = text.find(driver, pos)
            if pos < 0:
                return
            i = bisect_right(starts, pos) - 1
            row = rows[i]
            ok = (not wanted or bool(row.read) in wanted) and all(w in hays[i] for w in rest)
            yield row if ok else None
            if i + 1 >= n:
                return
            pos = starts[i + 1]

    def _apply(self, keep_id: str | None) -> None:
        """Show the rows matching the filter.

        Matching runs in slices of SCAN_BUDGET between key presses, and the
        first slice ends once a screenful is found: the first screenful shows
        at once, the rest of a large archive follows, and a key typed
        meanwhile starts over."""
        self._scan_gen += 1
        states = _states(self.query_text)
        wanted = {STATE_WORDS[w] for w in states}
        words = [w for w in self.query_text.casefold().replace("\x00", " ").split() if w not in states]
        self.cursor = 0
        self._keep = keep_id
        if not words and not wanted:
            self.rows = list(self.all_rows)
            self.scanning = False
            self._locate_keep()
            self._show()
            return
        self.rows = []
        self.scanning = True
        self._scan = self._matching(words, wanted)
        self._scan_step(self._scan_gen, first=True)

    def _scan_step(self, gen: int, first: bool = False) -> None:
        if gen != self._scan_gen:
            return  # a newer query took over
        found = self.rows
        screen = max(1, self.size.height) if first else 0
        deadline = time.perf_counter() + SCAN_BUDGET
        finished = True
        for n, row in enumerate(self._scan, 1):
            if row is not None:
                found.append(row)
                if len(found) == screen:
                    finished = False
                    break
            if not n & 15 and time.perf_counter() > deadline:
                finished = False
                break
        if finished:
            self.scanning = False
            self._locate_keep()
        self._show()
        if not finished:
            self.call_later(self._scan_step, gen)

    def _locate_keep(self) -> None:
        if self._keep:
            for i, r in enumerate(self.rows):
                if r.id == self._keep:
                    self.cursor = i
                    break

    def _show(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(self.rows))
        self.refresh()
        self._scroll_to_cursor()
        self.post_message(self.Moved())

    @property
    def current(self) -> ArticleInfo | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    # -- movement -----------------------------------------------------------------

    def move(self, index: int) -> None:
        if not self.rows:
            return
        index = max(0, min(index, len(self.rows) - 1))
        old = self.cursor
        self.cursor = index
        self._keep = None  # moved by hand: a filter still matching leaves it here
        for i in (old, index):
            self._cache.pop(i, None)
            self.refresh_line(i)
        self._scroll_to_cursor()
        self.post_message(self.Moved())

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height or self.size.height or 1
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def page(self) -> int:
        return max(1, (self.scrollable_content_region.height or self.size.height) - 1)

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(self.rows))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.rows):
            if index == self.cursor and event.chain >= 2:
                self.post_message(self.Opened(self.rows[index]))
            self.move(index)

    # -- drawing ------------------------------------------------------------------

    def line_count(self) -> int:
        return len(self.rows)

    def _draw(self, index: int, width: int) -> Strip:
        row = self.rows[index]
        style = self.rich_style
        if row.status in ("pending", "failed"):
            style += self.get_component_rich_style("archive-list--pending")
        elif row.read:
            style += self.get_component_rich_style("archive-list--read")
        if index == self.cursor:
            style += self.get_component_rich_style("archive-list--cursor")
        cells = row_cells(row, width - 2)
        marker = "\u25b6 " if index == self.cursor else "  "
        text = marker + "  ".join(cells)
        return Strip([Segment(text, style)]).extend_cell_length(width, style).crop(0, width)
