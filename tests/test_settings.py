"""One table of settings, all documented: every variable the code reads is in geodata.settings.SETTINGS, every one
of those is a row of the README's table, and only geodata.settings reads the environment for them."""

from __future__ import annotations

import re

import pytest

from geodata import settings
from testing.harness import REPO

SOURCES = ("access", "domain", "geodata", "layers", "ogc", "pages", "reports", "ui", "web", "scripts")
NAME = re.compile(r"\b(?:ZONEMAP_[A-Z0-9_]*[A-Z0-9]|TIANDITU_TOKEN)\b")


def _code_files():
    for folder in SOURCES:
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix in (".py", ".sh") and "__pycache__" not in path.parts:
                yield path
    yield REPO / "app.py"
    yield REPO / "Makefile"


def _readme_rows() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_every_setting_the_code_names_is_in_the_table():
    named = {m for path in _code_files() for m in NAME.findall(path.read_text(encoding="utf-8"))}
    named -= {"ZONEMAP_MAX", "ZONEMAP_IMPORT"}  # prefixes in prose (ZONEMAP_MAX_*), not settings
    assert named - set(settings.SETTINGS) == set()


def test_every_setting_is_a_row_of_the_readmes_table():
    assert set(settings.SETTINGS) - _readme_rows() == set()


def test_only_the_settings_module_reads_them_from_the_environment():
    reads = re.compile(r"environ(?:\.get)?\(?\[?\s*[\"'](?:ZONEMAP_|TIANDITU)")
    readers = [
        p.relative_to(REPO).as_posix() for p in _code_files() if p.suffix == ".py" and reads.search(p.read_text())
    ]
    assert readers == []  # geodata/settings.py reads them through a name, never a literal


def test_an_unknown_setting_is_a_programming_error_not_an_empty_value():
    with pytest.raises(KeyError):
        settings.raw("ZONEMAP_NOT_A_SETTING")
    assert settings.raw("ZONEMAP_DATA", env={"ZONEMAP_DATA": "  /data/x.gpkg "}) == "/data/x.gpkg"
