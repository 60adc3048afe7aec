"""Make untrusted text safe to keep and to draw on a terminal.

Every article, title, note and tag passes through `clean_text` on its way in:
terminal escape sequences (CSI, OSC, DCS...) are removed whole, and every other
control character except newline and tab is dropped, and so are the explicit
bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069):
an unclosed override in a title or a note turns the rest of a line around in
anything that renders it (an exported note in a vault), so that text reads
other than it is. The marks that cannot reach past themselves (LRM, RLM, ALM)
stay, with the joiners right-to-left and emoji text needs.
"""

from __future__ import annotations

import re
import unicodedata

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings
# (ESC ] ... BEL or ST), and two-character escapes. A string is removed whole
# only with its terminator (and at most 4 KB of it): an unterminated one loses
# its introducer and what followed stays, as plain text. The 8-bit forms lose
# the C1 character only: text decoded the wrong way (UTF-8 read as Latin-1)
# is full of them (” becomes "â\x80\x9d"), and reading one as the start of a
# string would swallow the story up to the next.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?                          # CSI
  | \x1b[\]PX^_][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)     # OSC, DCS, SOS, PM, APC
  | \x9b[0-?]*[ -/]*[@-~]?                            # 8-bit CSI
  | \x1b[ -/]*[0-~]?                                  # other escapes
    """,
    re.VERBOSE,
)

# C0 controls but \t and \n, DEL, C1 controls, the byte-order mark, and the
# explicit bidirectional formatting characters.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """`text` without escape sequences or control characters; \\r\\n becomes
    \\n; in its composed form (NFC: an "\u00e9" written as "e" and an accent is one
    character, as typed, so a search or a quote typed finds it)."""
    if not text:
        return ""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if text.isprintable():
        return text  # no control character, no escape, no carriage return: nothing to do
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x1b" in text or "\x9b" in text:
        text = _ESCAPES.sub("", text)
    return _CONTROLS.sub("", text)


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_line(text: str) -> str:
    """`clean_text`, then every run of whitespace (newlines included) as one space."""
    if text and text.isprintable() and "  " not in text and (text.isascii() or unicodedata.is_normalized("NFC", text)):
        # Nothing to clean, and the only whitespace a printable text can
        # hold is the plain space: single ones, but for those at either end.
        return text.strip()
    return _SPACES.sub(" ", clean_text(text).replace("\n", " ")).strip()


def squash_spaces(text: str) -> str:
    """Runs of horizontal whitespace as one space, each line stripped."""
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))



def dash_runs(pattern: re.Pattern[str], text: str) -> str:
    """`text` with each run of characters `pattern` matches made one '-',
    but for the combining marks that stand on the letter before the run:
    the vowel signs of a Hindi, Thai or Arabic word are part of the word
    ("\u0e02\u0e48\u0e32\u0e27" and "\u0e02\u0e49\u0e32\u0e27", news and rice, are two words; `\\w` matches
    neither sign). A mark on nothing kept (an emoji's variation selector) and
    the invisible ones (a grapheme joiner) go with the run."""

    def dash(m: re.Match[str]) -> str:
        run = m.group()
        if run.isascii():
            return "-"
        at = m.start()
        kept = 0
        if at and m.string[at - 1].isalnum():
            while kept < len(run) and _is_shown_mark(run[kept]):
                kept += 1
        return run[:kept] + ("-" if kept < len(run) else "")

    return pattern.sub(dash, text)


def _is_shown_mark(c: str) -> bool:
    """A combining mark that shows (not a variation selector or a joiner)."""
    o = ord(c)
    if o == 0x034F or 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF or 0x180B <= o <= 0x180D:
        return False
    return unicodedata.category(c)[0] == "M"
