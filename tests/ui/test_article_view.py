"""The article view's line wrapping."""

from __future__ import annotations

from rich.cells import cell_len

from reader.ui.widgets.article_view import wrap

ZH = ("\u518d\u5750\u516d\u4e2a\u5c0f\u65f6\u7684\u957f\u9014\u6c7d\u8f66\u3002\u5982\u4eca\uff0c\u6751\u53e3\u4e0d\u8fdc"
      "\u5904\u5c31\u662f\u9ad8\u94c1\u7ad9\u3002\u6ca1\u6709\u4eba\u80fd\u7ed9\u51fa\u7b54\u6848\u3002\u300c\u4f60\u597d"
      "\u300d\u4ed6\u8bf4\u3002")


def test_chinese_lines_neither_start_with_closing_marks_nor_end_with_opening_ones() -> None:
    """"\u3002" stood alone at the start of a line after "\u6ca1\u6709\u4eba\u80fd\u7ed9\u51fa\u7b54\u6848", "\uff0c" after "\u5982\u4eca"."""
    for width in range(8, 30):
        spans = wrap(ZH, width)
        lines = [ZH[a:b] for a, b in spans]
        assert "".join(lines) == ZH and all(a < b for a, b in spans)
        for line in lines:
            assert cell_len(line) <= width, (width, line)
            assert line[0] not in "\u3002\uff0c\u300d", (width, lines)
            assert line[-1] != "\u300c", (width, lines)


def test_english_wraps_at_spaces_within_the_width() -> None:
    text = "The council voted on Tuesday to replace the water mains under the old town."
    lines = [text[a:b] for a, b in wrap(text, 20)]
    assert "".join(lines) == text and all(len(line.rstrip()) <= 20 for line in lines)
    assert all(not line.startswith(" ") for line in lines)
