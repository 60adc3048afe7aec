"""An article as plain text: how each kind of block reads."""

from __future__ import annotations

from reader.core.models import Block
from reader.core.render import block_display, list_marker


def test_list_items_show_their_number_or_a_bullet() -> None:
    assert block_display(Block("list_item", "Brown the meat.", level=1, number=3)) == "3. Brown the meat."
    assert block_display(Block("list_item", "Serve hot.", level=1)) == "\u2022 Serve hot."
    # A nested item is indented, and its later lines under its text.
    assert block_display(Block("list_item", "One\ntwo", level=2, number=10)) == "  10. One\n      two"
    # A browser copy's line keeps its own number: no bullet before it.
    assert list_marker(Block("list_item", "2. Stir.", level=1)) == ""
    assert block_display(Block("list_item", "1. Stir the pot.", level=1, number=1)) == "1. Stir the pot."
    assert list_marker(Block("list_item", "2024 was a year.", level=1)) == "\u2022 "
