"""The keys of a screen's bindings as the user's keymap has them (config.toml's
[keys] section), for the help screen, the command palette, the boxes a key
opens, and the hints that name a key ("Ctrl+Z to undo")."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen


def bindings_of(screen: Screen) -> list[Binding]:
    """The screen's own bindings, in the order they are declared."""
    return [item if isinstance(item, Binding) else Binding(*item) for item in type(screen).BINDINGS]


def keys_of(screen: Screen, binding: Binding) -> list[str]:
    """The keys that run `binding` on `screen`, remapped ones included."""
    keys = screen.app._keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [k.strip() for k in keys.split(",") if k.strip()]


def binding_keys(screen: Screen, binding_id: str) -> list[str]:
    """The keys of the binding with this id on `screen` ([] when none)."""
    for binding in bindings_of(screen):
        if binding.id == binding_id:
            return keys_of(screen, binding)
    return []


#: Keys a hint names in words.
_WORDS = {"escape": "Escape", "enter": "Enter", "space": "Space", "tab": "Tab", "backspace": "Backspace",
          "delete": "Delete", "home": "Home", "end": "End", "pageup": "PageUp", "pagedown": "PageDown"}


def key_name(key: str, app) -> str:  # noqa: ANN001 - App
    """How a hint names one key: "c", "Z", "Ctrl+Z", "Escape", "?", "↓"."""
    if key.startswith("ctrl+"):
        return "Ctrl+" + key[5:].upper()
    return _WORDS.get(key) or app.get_key_display(Binding(key, ""))


def key_hint(screen: Screen, binding_id: str) -> str:
    """The first key of a binding, named for a hint ("" when it has none)."""
    keys = binding_keys(screen, binding_id)
    return key_name(keys[0], screen.app) if keys else ""
