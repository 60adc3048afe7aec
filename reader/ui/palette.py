"""Highlight colours for tags, taken from the app's theme: claims in the
warning colour, evidence in the success colour, questions in the error
colour, and the user's own tags spread over the rest.

A highlight is its colour mixed into the text's background (MIX of it), with
black or white text, whichever reads better. Evidence is mixed in more
strongly: at the common strength the theme's green turns into the same dark
teal as the sentence cursor (the primary colour at 40%) on most dark themes,
and in 256 colours the two were one colour."""

from __future__ import annotations

from textual.app import App
from textual.color import Color

from reader.core.tags import CLAIM, EVIDENCE, QUESTION


def _color(app: App, name: str, fallback: str) -> Color:
    try:
        return Color.parse(app.theme_variables.get(name, fallback))
    except Exception:  # noqa: BLE001 - a theme without that colour
        return Color.parse(fallback)


#: How much of a tag's colour goes into its highlight's background.
MIX = 0.45
#: Stronger mixes for some tags (by the tag's root).
TAG_MIX = {EVIDENCE: 0.6}

BLACK = Color(0, 0, 0)
WHITE = Color(255, 255, 255)


def highlight_mix(tags: list[str]) -> float:
    return TAG_MIX.get(tags[0].split("/")[0], MIX) if tags else MIX


def _luminance(c: Color) -> float:
    def channel(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def contrast(a: Color, b: Color) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable_text(background: Color) -> Color:
    """Black or white, whichever contrasts more with `background`."""
    return BLACK if contrast(BLACK, background) > contrast(WHITE, background) else WHITE


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
