"""The archive screen: every saved article, filtered as you type."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from reader.ui.keys import bindings_of, keys_of
from reader.ui.screens.dialogs import ConfirmScreen, PromptScreen
from reader.ui.screens.help import HelpScreen, binding_rows
from reader.ui.store_errors import guarded, says_store_errors, tell
from reader.ui.widgets.archive_list import SORT_LABELS, SORTS, ArchiveHeader, ArchiveList
from reader.ui.widgets.inline_input import InlineInput, opens_on

if TYPE_CHECKING:
    from reader.core.store import Archive

RELOAD_SECONDS = 2.0
#: The archive setting that keeps the list's order between runs.
SORT_SETTING = "archive_sort"


def typed_paths(raw: str) -> list[Path]:
    """The files or folders a typed or pasted line names: a path as it is, or
    as a terminal gives a file dropped on it: quoted, its spaces escaped, or a
    file:// address; several dropped at once are several paths."""
    import shlex
    from urllib.parse import unquote, urlsplit

    def one(token: str) -> Path:
        if token.startswith("file://"):
            token = unquote(urlsplit(token).path)
        return Path(token).expanduser()

    raw = raw.strip()
    path = one(raw)
    if path.exists():
        return [path]
    try:
        tokens = shlex.split(raw)
    except ValueError:
        return [path]
    found = [one(t) for t in tokens]
    return found if found and all(p.exists() for p in found) else [path]


class ArchiveScreen(Screen[None]):
    BINDINGS = [
        Binding("j,down", "move(1)", "Down", show=False, id="archive.down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="archive.up"),
        Binding("g,home", "top", "Top", show=False, id="archive.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="archive.bottom"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="archive.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="archive.page_up"),
        Binding("enter", "open", "Open", id="archive.open"),
        Binding("slash", "filter", "Filter", id="archive.filter"),
        Binding("s", "sort", "Sort", id="archive.sort"),
        Binding("a", "add", "Add", id="archive.add"),
        Binding("P", "paste", "Paste an article", show=False, id="archive.paste"),
        Binding("m", "toggle_read", "Read/unread", id="archive.read"),
        Binding("x", "delete", "Delete", id="archive.delete"),
        Binding("X", "export", "Export all", id="archive.export"),
        Binding("F", "fetch", "Fetch pending", show=False, id="archive.fetch"),
        Binding("r", "reload", "Reload", show=False, id="archive.reload"),
        Binding("question_mark", "help", "Help", id="archive.help"),
        Binding("q", "quit", "Quit", id="archive.quit"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="archive.clear_filter"),
    ]

    def __init__(self, archive: Archive) -> None:
        super().__init__()
        self.archive = archive
        self._token: object = None

    def compose(self) -> ComposeResult:
        yield Static(id="archive-title")
        yield InlineInput(placeholder="filter: title, site, tags, notes (is:unread, is:read)", id="archive-filter",
                          on_submit=self._filter_done)
        yield ArchiveHeader(id="archive-header")
        yield ArchiveList(id="archive-list")
        yield Static(id="archive-status")
        yield Footer(compact=True)

    @property
    def list(self) -> ArchiveList:
        return self.query_one(ArchiveList)

    def on_mount(self) -> None:
        # The order last chosen, in this archive.
        if (key := self.archive.setting(SORT_SETTING)) in SORTS:
            self.list.sort_key = key
        self.filter_box.display = False
        self.list.focus()
        self.set_interval(RELOAD_SECONDS, self._reload_if_changed)

    def on_screen_resume(self) -> None:
        # First shown, or back from an article: the list as it is now.
        self.reload()

    # -- data -------------------------------------------------------------------

    def reload(self, keep_id: str | None = None) -> None:
        changed, self._token = self.archive.changed_since(self._token)
        self.list.set_rows(self.archive.articles(), keep_id=keep_id)
        self._update_status()

    def _reload_if_changed(self) -> None:
        changed, token = self.archive.changed_since(self._token)
        if changed:
            self.reload()

    def _update_status(self) -> None:
        lst = self.list
        total = len(lst.all_rows)
        shown = len(lst.rows)
        title = Content.assemble(("reader", "bold"), f"  {total} article{'s' if total != 1 else ''}")
        self.query_one("#archive-title", Static).update(title)
        parts = [f"sorted {SORT_LABELS[lst.sort_key]}"]
        if lst.unread != total:
            parts.append(f"{lst.unread} unread")
        if lst.query_text:
            more = "+" if lst.scanning else ""
            parts.insert(0, f"{shown}{more} of {total} match \u201c{lst.query_text}\u201d")
        pending = lst.status_counts["pending"]
        if pending:
            parts.append(f"{pending} not fetched yet (F to fetch)")
        failed = lst.status_counts["failed"]
        if failed:
            parts.append(f"{failed} could not be fetched")
        if not total:
            parts = ["The archive is empty. Press a to add a file or folder."]
        self.query_one("#archive-status", Static).update(Content(" \u00b7 ".join(parts)))

    def on_archive_list_moved(self, _: ArchiveList.Moved) -> None:
        if self.list.query_text:
            self._update_status()

    # -- actions ------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self.list.move(self.list.cursor + step)

    def action_top(self) -> None:
        self.list.move(0)

    def action_bottom(self) -> None:
        self.list.move(len(self.list.rows) - 1)

    def action_page(self, direction: int) -> None:
        self.list.move(self.list.cursor + direction * self.list.page())

    def action_open(self) -> None:
        row = self.list.current
        if row is not None:
            self._open(row.id, row.status)

    def on_archive_list_opened(self, event: ArchiveList.Opened) -> None:
        self._open(event.row.id, event.row.status)

    def _open(self, article_id: str, status: str) -> None:
        if status == "pending":
            self.notify(Content("Not fetched yet: press F (or run `reader fetch`) to download it."), severity="warning")
            return
        if status == "failed":
            reason = self.archive.fetch_state(article_id).get("error") or "unknown reason"
            self.notify(Content(f"Could not be fetched: {reason}"), severity="error")
            return
        from reader.core.store import StoreError
        from reader.ui.screens.article import ArticleScreen

        try:
            screen = ArticleScreen(self.archive, article_id)
        except StoreError as err:  # its notes file damaged, say (reader doctor tells more)
            tell(self.app, err, "Could not open it")
            return
        self.app.push_screen(screen)

    @property
    def filter_box(self) -> InlineInput:
        return self.query_one("#archive-filter", InlineInput)

    def on_key(self, event: events.Key) -> None:
        # Opening the filter here, not in the binding, keeps "/word" typed in
        # one go in order (see InlineInput).
        if self.filter_box.hand_over(event):
            return
        if opens_on(self, "archive.filter", event):
            event.stop()
            event.prevent_default()
            self.action_filter()

    def take_key_ahead(self, event: events.Key) -> None:
        """A key typed right after leaving an article, before this screen
        had the focus back (ArticleScreen.on_key hands it on): taken as if
        it had come here, in the order typed."""
        if self.filter_box.hand_over(event):
            return
        if opens_on(self, "archive.filter", event):
            self.action_filter()
            return
        for binding in bindings_of(self):
            if event.key in keys_of(self, binding):
                _, name, params = parse_action(binding.action)
                getattr(self, f"action_{name}")(*params)
                return

    def action_filter(self) -> None:
        self.filter_box.open()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "archive-filter":
            self.list.set_filter(event.value)
            self._update_status()

    def _filter_done(self, value: str) -> None:
        # Back to the list; an Enter typed ahead opens the article.
        self.list.focus()
        if not value:
            self.filter_box.display = False

    def action_clear_filter(self) -> None:
        box = self.filter_box
        if box.display:
            box.release()
            box.value = ""
            box.display = False
            self.list.set_filter("")
            self.list.focus()
            self._update_status()

    def action_sort(self) -> None:
        from reader.core.store import StoreError

        i = SORTS.index(self.list.sort_key)
        key = SORTS[(i + 1) % len(SORTS)]
        self.list.set_sort(key)
        self._update_status()
        try:
            # Kept for the next run; a busy archive only costs that.
            self.archive.set_setting(SORT_SETTING, key, timeout=0.5)
        except StoreError:
            pass

    def action_reload(self) -> None:
        self.reload()
        self.notify("Reloaded")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("Archive keys", binding_rows(self)))

    def action_quit(self) -> None:
        self.app.exit()

    def action_add(self) -> None:
        def got(path: str | None) -> None:
            if path and path.strip():
                self._add(path.strip())

        self.app.push_screen(
            PromptScreen("Add a file or folder (.html, .txt, .md), or an export from Pocket, Instapaper, "
                         "Omnivore or wallabag:", placeholder="~/Downloads/article.html"), got
        )

    def action_paste(self) -> None:
        """An article's text as copied from the browser, pasted into a box:
        stored like a saved .txt file (its junk folded), then opened. Text
        the archive could not take is open again in the box."""
        from reader.core.ingest import IngestError
        from reader.core.store import StoreError
        from reader.ui.screens.note_editor import edit_note

        def got(text: str) -> None:
            if text.strip():
                self._add_pasted(text)

        edit_note(self.app, "Paste an article's text, as copied from the browser", "", got,
                  refused=(IngestError, StoreError), hint="Ctrl+S add and open \u00b7 Escape cancel", what="Not added")

    def _add_pasted(self, text: str) -> None:
        from reader.core.ingest import ingest_bytes

        article = ingest_bytes(text.encode("utf-8", "surrogatepass"), "text", name="Pasted text")
        result = self.archive.save(article)
        self.reload(keep_id=result.id)
        folded = sum(1 for b in result.article.blocks if b.boilerplate)
        said = "Already in the archive" if result.status == "duplicate" else "Added"
        self.notify(Content(f"{said}: \u201c{result.article.title}\u201d ({folded} block{'s' if folded != 1 else ''} "
                            "folded)"), timeout=3)
        self._open(result.id, "ok")

    @work(thread=True, exclusive=True, group="add")
    def _add(self, raw: str) -> None:
        from reader.core.ingest import ingest_files, iter_files, skipped_note, unsupported_type
        from reader.core.store import ArchiveBusy, StoreError

        paths = typed_paths(raw)
        if not any(p.exists() for p in paths):
            self.app.call_from_thread(self.notify, Content(f"{raw}: no such file or folder"), severity="error")
            return
        if len(paths) == 1:
            from reader.core.imports import detect_service

            service = detect_service(paths[0])
            if service:
                self._import(service, paths[0])
                return
        skipped: list[Path] = []
        files = list(iter_files(paths, skipped))
        added = dupes = updated = changed = orphaned = elsewhere = 0
        same = ""  # the title of an article already here
        unread = [f for f, fmt in files if fmt is None]
        failed = len(unread)
        last = None
        notify = self.app.call_from_thread
        for f in unread[:3]:  # the first few by name; the count says the rest
            notify(self.notify, Content(f"{f.name}: {unsupported_type(f)}"), severity="warning")
        if len(files) > 20:
            notify(self.notify, Content(f"Adding {len(files)} files\u2026"))
        try:
            for f, article, why in ingest_files(f for f, fmt in files if fmt is not None):
                if article is not None:
                    try:
                        result = self.archive.save(article)
                    except (ArchiveBusy, StoreError):
                        raise
                    except Exception as err:  # noqa: BLE001 - report, keep going
                        article, why = None, str(err)
                if article is None:
                    failed += 1
                    if failed <= 3:  # the first few by name; the count says the rest
                        notify(self.notify, Content(f"{f.name}: {why}"), severity="warning")
                    continue
                last = result.id
                if result.status == "duplicate":
                    dupes += 1
                    same = result.article.title
                elif result.status == "updated":
                    updated += 1
                    changed += result.changed
                    orphaned += result.orphaned
                    elsewhere += result.elsewhere
                else:
                    added += 1
        except Exception as err:  # noqa: BLE001 - the archive refused: stop, say so, keep what was added
            notify(self.notify, Content(f"Adding stopped: {err}"), severity="error")
        parts = [f"Added {added}"]
        if updated:
            parts.append(f"{updated} updated (a new version of an article already here)")
        if dupes == 1 and not (added or updated or failed):
            parts = [f"Already in the archive: \u201c{same}\u201d"]
        elif dupes:
            parts.append(f"{dupes} already there")
        if failed:
            parts.append(f"{failed} failed")
        if skipped:
            parts.append(skipped_note(skipped))
        if changed:
            parts.append(f"{changed} note{'s' if changed != 1 else ''} now on text that changed (p shows what it read)")
        if elsewhere:
            parts.append(f"{elsewhere} note{'s' if elsewhere != 1 else ''} now on the same words in another place "
                         "(p lists them)")
        if orphaned:
            parts.append(f"{orphaned} note{'s' if orphaned != 1 else ''} orphaned: the text is gone (R reviews them)")
        self.app.call_from_thread(self.reload, last)
        self.app.call_from_thread(self.notify, Content(", ".join(parts)))

    def _import(self, service: str, path: Path) -> None:
        """`_add` of an export from Pocket, Instapaper, Omnivore or wallabag (in its worker)."""
        from reader.core.imports import run_import

        notify = self.app.call_from_thread
        notify(self.notify, Content(f"Importing {path.name} ({service.capitalize()} export)\u2026"), timeout=2)
        try:
            report = run_import(self.archive, service, path)
        except Exception as err:  # noqa: BLE001 - a bad export or a busy archive: say so, keep the app
            notify(self.notify, Content(f"Not imported: {err}"), severity="error")
            notify(self.reload, None)  # what came in before it stopped
            return
        said = report.summary() + (". F fetches the links that came without their text" if report.pending else "")
        notify(self.reload, None)
        notify(self.notify, Content(said), severity="warning" if report.failed or report.warnings else "information",
               timeout=8)

    @says_store_errors
    def action_toggle_read(self) -> None:
        row = self.list.current
        if row is None:
            return
        read = not row.read
        self.archive.set_read(row.id, read)
        self.reload(keep_id=row.id)
        self.notify(Content(f"Marked \u201c{row.title}\u201d {'read' if read else 'unread'}"), timeout=2)

    def action_delete(self) -> None:
        row = self.list.current
        if row is None:
            return
        n = row.annotation_count
        made = [f"its {n} annotation{'s' if n != 1 else ''}"] if n else []
        if row.note:
            made.append("its note")
        notes = f" {' and '.join(made).capitalize()} will be deleted with it." if made else ""
        question = Content.assemble("Delete \u201c", (row.title, "bold"), f"\u201d?{notes}")

        @partial(guarded, self.app)
        def answer(yes: bool | None) -> None:
            if yes:
                # The cursor goes to the next row, or the previous one if this
                # was the last; when the filter showed no other, to the article
                # beside it in the whole list (where it is once the filter clears).
                after = None
                for rows in (self.list.rows, self.list.all_rows):
                    i = next((k for k, r in enumerate(rows) if r.id == row.id), None)
                    if i is not None:
                        after = rows[i + 1].id if i + 1 < len(rows) else rows[i - 1].id if i > 0 else None
                    if after:
                        break
                count = self.archive.delete(row.id)
                self.reload(keep_id=after)
                extra = f" and {count} annotation{'s' if count != 1 else ''}" if count else ""
                self.notify(Content(f"Deleted \u201c{row.title}\u201d{extra}"))

        self.app.push_screen(ConfirmScreen(question, yes="Delete", no="Keep"), answer)

    def action_fetch(self) -> None:
        rows = [r for r in self.list.all_rows if r.status == "pending"]
        if not rows:
            self.notify("Nothing to fetch: no pending entries", timeout=2)
            return
        self.notify(Content(f"Fetching {len(rows)} page{'s' if len(rows) != 1 else ''}\u2026"), timeout=3)
        self._fetch(rows)

    @work(thread=True, exclusive=True, group="fetch")
    def _fetch(self, rows: list) -> None:  # noqa: ANN001 - ArticleInfo rows
        from reader.core.imports.pending import fetch_pending

        try:
            report = fetch_pending(self.archive, rows)
        except Exception as err:  # noqa: BLE001 - shown, never a crash
            self.app.call_from_thread(self.notify, Content(f"Fetch stopped: {err}"), severity="error")
            return
        self.app.call_from_thread(self.reload)
        summary = "; ".join(line.strip() for line in report.lines() if not line.startswith("  "))
        self.app.call_from_thread(self.notify, Content(summary), timeout=6)

    def action_export(self) -> None:
        self.app.export_articles(None)  # type: ignore[attr-defined]
