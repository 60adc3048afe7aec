"""Where the data lives and what the user set in config.toml.

Data dir: `--data-dir`, else $READER_DATA_DIR, else the platform's user data
folder for "reader" (~/.local/share/reader on Linux).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ENV_DATA_DIR = "READER_DATA_DIR"
CONFIG_NAME = "config.toml"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("reader", appauthor=False))


class ConfigError(Exception):
    pass


@dataclass
class Config:
    path: Path
    #: binding id -> keys ("ctrl+s,f2"), from [keys].
    keys: dict[str, str] = field(default_factory=dict)
    #: [keys] ids given something other than text ("C" in quotes).
    bad_keys: list[str] = field(default_factory=list)
    export_dir: Path | None = None
    theme: str | None = None

    @classmethod
    def load(cls, data: Path) -> Config:
        path = data / CONFIG_NAME
        cfg = cls(path=path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cfg
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise ConfigError(f"{path}: {err}; fix or remove it") from None
        keys = raw.get("keys", {})
        if isinstance(keys, dict):
            # `article.claim = "C"` unquoted is TOML for a table "article"
            # holding "claim": the id all the same.
            pairs = list(_flat(keys))
            cfg.keys = {k: v for k, v in pairs if isinstance(v, str)}
            cfg.bad_keys = [k for k, v in pairs if not isinstance(v, str)]
        export = raw.get("export", {})
        if isinstance(export, dict) and isinstance(export.get("dir"), str):
            p = Path(export["dir"]).expanduser()
            cfg.export_dir = p if p.is_absolute() else data / p
        ui = raw.get("ui", {})
        if isinstance(ui, dict) and isinstance(ui.get("theme"), str):
            cfg.theme = ui["theme"]
        return cfg

    def exports(self) -> Path:
        return self.export_dir or self.path.parent / "exports"


def _flat(table: dict, prefix: str = "") -> Iterator[tuple[str, object]]:
    """A TOML table's values by their dotted names."""
    for k, v in table.items():
        if isinstance(v, dict):
            yield from _flat(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v
