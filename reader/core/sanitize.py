"""Make untrusted text safe to keep and to draw on a terminal.

Every article, title, note and tag passes through `clean_text` on its way in:
terminal escape sequences (CSI, OSC, DCS...) are removed whole, and every other
control character except newline and tab is dropped.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings
# (ESC ] ... BEL or ST), and two-character escapes. The 8-bit forms (0x9b CSI,
# 0x9d OSC...) are covered by the C1 range below once the sequence is cut.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?            # CSI
  | \x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC, DCS, SOS, PM, APC
  | \x9b[0-?]*[ -/]*[@-~]?              # 8-bit CSI
  | [\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # 8-bit strings
  | \x1b[ -/]*[0-~]?                    # other escapes
    """,
    re.VERBOSE,
)

# C0 controls but \t and \n, DEL, C1 controls, and the byte-order mark.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")


def clean_text(text: str) -> str:
    """`text` without escape sequences or control characters; \\r\\n becomes \\n."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x1b" in text or "\x9b" in text or "\x9d" in text or "\x90" in text:
        text = _ESCAPES.sub("", text)
    return _CONTROLS.sub("", text)


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_line(text: str) -> str:
    """`clean_text`, then every run of whitespace (newlines included) as one space."""
    return _SPACES.sub(" ", clean_text(text).replace("\n", " ")).strip()


def squash_spaces(text: str) -> str:
    """Runs of horizontal whitespace as one space, each line stripped."""
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
