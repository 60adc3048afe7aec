"""A one-line box shown on demand (find, filter) that keeps up with fast
typing.

Textual runs key bindings after a key has travelled up from the focused
widget, and moves the focus after the keys already on their way. So "/word"
typed in one burst would send "word" to the text behind the box, and
"...Enter e" would type the "e" into a box that is closing. Here everything
that changes where keys go happens in order, as each key arrives:

- the screen opens the box from its own key handler (`opens_on`), and hands
  the box the keys that reach the screen before the box has the focus
  (`hand_over`);
- the box takes Enter itself and calls `on_submit` at once (not through a
  message, which would arrive after the keys typed ahead), then passes keys
  typed ahead on to the screen's keys;
- what the box holds when it opens is selected then, not when the focus
  arrives, so the keys typed ahead of the focus replace it and are not
  themselves selected (and replaced) by the focus.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.screen import Screen
from textual.widgets import Input

from reader.ui.keys import binding_keys


class InlineInput(Input):
    def __init__(self, *args, on_submit: Callable[[str], None], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, select_on_focus=False, **kwargs)
        self.on_submit = on_submit
        self.releasing = False

    def release(self) -> None:
        """Done with: keys from now on belong to the screen."""
        self.releasing = True

    def open(self) -> None:
        self.releasing = False
        self.display = True
        self.select_all()
        self.focus()

    @property
    def taking_keys(self) -> bool:
        return self.display and not self.releasing

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.taking_keys:
            return False  # Backspace, arrows... fall through to the screen's keys
        return super().check_action(action, parameters)

    async def _on_key(self, event: events.Key) -> None:
        if not self.taking_keys:
            # Typed ahead of the focus leaving: the screen's, not ours.
            event.stop()
            event.prevent_default()
            self.screen.post_message(events.Key(event.key, event.character))
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.release()
            self.on_submit(self.value)
            return
        await super()._on_key(event)

    def hand_over(self, event: events.Key) -> bool:
        """Give the box a key typed ahead of its focus; True if it took it."""
        if not self.taking_keys or self.has_focus:
            return False
        event.stop()
        event.prevent_default()
        self.post_message(events.Key(event.key, event.character))
        return True


def opens_on(screen: Screen, binding_id: str, event: events.Key) -> bool:
    """Whether `event` is one of the keys of `binding_id` on `screen` (as the
    user's keymap has them)."""
    return event.key in binding_keys(screen, binding_id)
