"""The Textual application: the archive screen, then the reading screen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen

from reader.core.config import Config
from reader.resources import styles
from reader.ui.keys import bindings_of, keys_of
from reader.ui.screens.archive import ArchiveScreen

if TYPE_CHECKING:
    from reader.core.store import Archive


BACKUP_DELAY = 2.0  # seconds after start


def settle(archive: Archive) -> None:
    """Ready a process that is about to run the app and little else: read
    the archive's list (the archive screen gets these rows from the archive's
    cache), then freeze what is loaded - modules, classes, the rows of every
    article. All of it lives as long as the app, and the collector no longer
    walks it at every collection: at 10,000 articles that walk costs the start
    and every screen a few milliseconds (tens, in all, to reach the list).
    Not for processes that open apps one after another (tests): what one app
    leaves behind would never be collected."""
    import gc

    archive.articles()
    gc.freeze()


def binding_ids() -> set[str]:
    """The id of every key binding of the app: what [keys] in config.toml remaps."""
    from reader.ui.screens.article import ArticleScreen
    from reader.ui.screens.dialogs import ConfirmScreen, PromptScreen
    from reader.ui.screens.help import HelpScreen
    from reader.ui.screens.links import LinksScreen
    from reader.ui.screens.note_editor import NoteEditor
    from reader.ui.screens.orphans import OrphanScreen
    from reader.ui.screens.tag_picker import TagPicker
    from reader.ui.widgets.notes_panel import NotesPanel

    owners = (ReaderApp, ArchiveScreen, ArticleScreen, ConfirmScreen, PromptScreen, HelpScreen, LinksScreen,
              NoteEditor, OrphanScreen, TagPicker, NotesPanel)
    return {b.id for owner in owners for b in owner.BINDINGS if isinstance(b, Binding) and b.id}


class ReaderApp(App[int]):
    TITLE = "reader"
    CSS_PATH = [str(p) for p in styles()]
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit")]

    def __init__(self, archive: Archive, *, notice: str | None = None, config: Config | None = None) -> None:
        super().__init__()
        self.archive = archive
        self.notice = notice
        self.config = config or Config.load(archive.data_dir)
        #: What in config.toml could not be used, said once the screen is up.
        self.config_problems: list[str] = []
        if self.config.theme:
            if self.config.theme in self.available_themes:
                self.theme = self.config.theme
            else:
                self.config_problems.append(
                    f"{self.config.path}: [ui] theme \u201c{self.config.theme}\u201d is not a theme; using the "
                    f"default (themes: {', '.join(sorted(self.available_themes))})")
        if self.config.bad_keys:
            self.config_problems.append(
                f"{self.config.path}: [keys] {', '.join(self.config.bad_keys)}: a key is written in quotes "
                "(\"C\", \"ctrl+u\"), so no key changed for " + ("it" if len(self.config.bad_keys) == 1 else "them"))
        if self.config.keys:
            unknown = sorted(set(self.config.keys) - binding_ids())
            if unknown:
                self.config_problems.append(
                    f"{self.config.path}: [keys] {', '.join(unknown)}: no binding has "
                    f"{'this id' if len(unknown) == 1 else 'these ids'}, so no key changed for "
                    f"{'it' if len(unknown) == 1 else 'them'} (? lists each screen's ids)")

    def on_mount(self) -> None:
        if self.config.keys:
            self.set_keymap(self.config.keys)
        self.push_screen(ArchiveScreen(self.archive))
        if self.notice:
            self.notify(Content(self.notice), timeout=6)
        for problem in self.config_problems:
            self.notify(Content(problem), severity="warning", timeout=10)
        # The day's backup, taken in the background once the screen is up, so
        # that no edit waits for it.
        self.set_timer(BACKUP_DELAY, self._backup)

    def _backup(self) -> None:
        self.run_worker(self._backup_in_thread, thread=True, group="backup", exit_on_error=False)

    def _backup_in_thread(self) -> None:
        self.archive.backup_if_due()
        error = getattr(self.archive, "backup_error", None)
        if error:
            self.call_from_thread(self.notify, Content(f"Backup failed: {error}"), severity="warning")

    async def action_quit(self) -> None:
        """Quit; but a note being written is not thrown away without asking."""
        from reader.ui.screens.dialogs import ConfirmScreen
        from reader.ui.screens.note_editor import NoteEditor

        if any(isinstance(s, ConfirmScreen) and s.id == "quit-confirm" for s in self.screen_stack):
            return
        if not any(isinstance(s, NoteEditor) and s.changed for s in self.screen_stack):
            self.exit()
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmScreen("Quit and throw away the note you are writing?", yes="Quit",
                                       no="Keep editing", id="quit-confirm"), answer)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (Ctrl+P) lists this screen's keys as commands."""
        yield from super().get_system_commands(screen)
        seen = set()
        for binding in bindings_of(screen):
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            keys = keys_of(screen, binding)
            key = self.get_key_display(Binding(keys[0], "")) if keys else ""

            def run(action: str = binding.action, target: Screen = screen) -> None:
                self.call_later(target.run_action, action)

            yield SystemCommand(binding.description, f"{key}  ({binding.id})", run)

    def export_articles(self, article_ids: list[str] | None) -> None:
        """Export notes of these articles (None: every annotated article) to
        the export folder, and say where. The files are written by a thread:
        thousands of them take seconds, and the screens keep answering."""
        if any(w.group == "export" and not w.is_finished for w in self.workers):
            self.notify("An export is already running", severity="warning", timeout=3)
            return
        if article_ids is None:
            self.notify("Exporting notes\u2026", timeout=2)
        self.run_worker(lambda: self._export_in_thread(article_ids), thread=True, group="export",
                        exit_on_error=False)

    def _export_in_thread(self, article_ids: list[str] | None) -> None:
        from reader.core.export import KEPT, ExportError, export_folder
        from reader.core.store import StoreError

        notify = self.call_from_thread
        folder = self.config.exports()
        try:
            results = export_folder(self.archive, article_ids, folder)
        except (ExportError, StoreError, OSError) as err:
            notify(self.notify, Content(f"Export failed: {err}"), severity="error")
            return
        if not results:
            notify(self.notify, "Nothing to export yet: no notes or article notes", severity="warning")
            return
        written = [w.path for w in results if not w.kept]
        kept = [w.path for w in results if w.kept]
        if written:
            where = written[0] if len(written) == 1 else folder
            notify(self.notify, Content(f"Exported {len(written)} file{'s' if len(written) != 1 else ''} to {where}"),
                   timeout=6)
        if kept:
            which = kept[0] if len(kept) == 1 else f"{len(kept)} files in {folder}"
            notify(self.notify, Content(f"{which}: {KEPT}"), severity="warning", timeout=10)
        copies = [c for w in results for c in w.copies]
        if copies:
            which = copies[0] if len(copies) == 1 else f"{len(copies)} files in {folder}"
            notify(self.notify, Content(f"{which}: a copy of an exported file, left as it is; "
                                        "the export keeps the original up to date"), severity="warning", timeout=10)
