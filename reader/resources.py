"""Files that ship with reader: styles and the sample articles.

Installed from a wheel they sit inside the package (reader/styles); in a
source checkout, at the top of the project (styles/).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"reader's {name}/ folder is missing from the installation")


def styles() -> list[Path]:
    return sorted(resource_dir("styles").glob("*.tcss"))


def sample_articles() -> Path:
    return resource_dir("sample_articles")
