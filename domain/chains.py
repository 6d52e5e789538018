"""Shanxi's industrial-chain taxonomy, kept as data in ``chains.csv`` beside this module.

The 16 key industrial chains (重点产业链: the first 10 of 2022 and the 6 added in 2023) and the
14 strategic emerging industries of 晋政发〔2021〕17号 (光伏 and 碳基新材料 are in both lists and
appear once, as key chains, with the batch noting it). Columns: name, kind (key_chain or
strategic_emerging), batch, ordinal (position in its list) and source (the citation users see;
docs/sources.md). The sample data's ``chains`` table is this file.

A data file's own ``chains`` table may be older or shorter (a database made when fewer chains were
listed); the chain filter must still offer every chain that zones, parcels or projects name, so
:func:`ordered` places names the table lacks by this taxonomy, and names in neither at the end.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

TAXONOMY_FILE = Path(__file__).with_name("chains.csv")
KINDS = ("key_chain", "strategic_emerging")  # the order lists are shown in


@cache
def taxonomy() -> tuple[dict, ...]:
    """The rows of chains.csv (ordinal as int), in the file's order."""
    with TAXONOMY_FILE.open(encoding="utf-8", newline="") as f:
        return tuple(row | {"ordinal": int(row["ordinal"])} for row in csv.DictReader(f))


def ordered(names: Iterable[str], table: Iterable[Mapping] = ()) -> list[str]:
    """``names`` (once each) in taxonomy order: by kind and ordinal from the data's ``table`` rows, else from
    the built-in taxonomy; names in neither follow, sorted."""
    rank: dict[str, tuple] = {}
    for source, rows in enumerate((table, taxonomy())):
        for r in rows:
            kind = KINDS.index(r["kind"]) if r["kind"] in KINDS else len(KINDS)
            rank.setdefault(r["name"], (0, kind, int(r["ordinal"]), source))
    unique = {str(n) for n in names if n}
    return sorted(unique, key=lambda n: (*rank.get(n, (1, 0, 0, 0)), n))
