"""Highlight colours for tags, taken from the app's theme: claims in the
warning colour, evidence in the success colour, questions in the error
colour, and the user's own tags spread over the rest."""

from __future__ import annotations

from textual.app import App
from textual.color import Color

from reader.core.tags import CLAIM, EVIDENCE, QUESTION


def _color(app: App, name: str, fallback: str) -> Color:
    try:
        return Color.parse(app.theme_variables.get(name, fallback))
    except Exception:  # noqa: BLE001 - a theme without that colour
        return Color.parse(fallback)


def tag_palette(app: App, tags: list[str]) -> tuple[dict[str, Color], Color]:
    """(colour of each top-level tag, colour of a plain highlight)."""
    palette = {
        CLAIM: _color(app, "warning", "#ffa62b"),
        EVIDENCE: _color(app, "success", "#4ebf71"),
        QUESTION: _color(app, "error", "#ba3c5b"),
    }
    extra = [
        _color(app, "primary", "#0178d4").lighten(0.1),
        _color(app, "secondary", "#004578").lighten(0.15),
        _color(app, "success", "#4ebf71").darken(0.2),
        _color(app, "error", "#ba3c5b").lighten(0.2),
        _color(app, "warning", "#ffa62b").darken(0.25),
    ]
    for tag in tags:
        root = tag.split("/")[0]
        if root not in palette:
            palette[root] = extra[sum(root.encode()) % len(extra)]
    return palette, _color(app, "primary", "#0178d4")


def tag_color(palette: dict[str, Color], plain: Color, tags: list[str]) -> Color:
    return palette.get(tags[0].split("/")[0], plain) if tags else plain
