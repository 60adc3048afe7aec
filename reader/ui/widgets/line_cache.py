"""A Line-API view that draws each line once and keeps it until told."""

from __future__ import annotations

from textual.scroll_view import ScrollView
from textual.strip import Strip


class CachedLinesView(ScrollView, inherit_bindings=False):
    """Subclasses say how many lines there are (`line_count`) and draw one
    (`_draw`); a drawn line is kept in `_cache` until it is dropped from it.

    The scroll bindings a ScrollView has (arrows, page up/down, home, end)
    are left out: the screen's bindings for these keys move its cursor, and
    the view follows the cursor."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cache: dict[int, Strip] = {}

    def line_count(self) -> int:
        raise NotImplementedError

    def _draw(self, index: int, width: int) -> Strip:
        raise NotImplementedError

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        if index >= self.line_count():
            return Strip.blank(width, self.rich_style)
        strip = self._cache.get(index)
        if strip is None:
            strip = self._cache[index] = self._draw(index, width)
        return strip
