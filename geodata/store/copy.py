"""Copy a whole store between backends (GeoPackage ⇄ PostGIS) and verify the copy.

``python -m geodata copy SRC DST``: every layer, every audit row (with its
change id), every tour and every record's version; then counts, 亩 totals and
audit rows are compared between source and copy. The destination must be new:
a file that does not exist yet, or a database without zonemap tables.

Layers stream: each is read and written :data:`~geodata.store.contract.READ_CHUNK`
records at a time (a GeoPackage's Arrow batches, a PostGIS server-side cursor),
and the copy is counted and summed the same way, so a national store (a
million parcels) copies in bounded memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from domain.labels import label
from geodata.schema import LAYER_ORDER
from geodata.store import AUDIT_COLUMNS, StoreError, create_store, is_url, open_store
from geodata.store.contract import READ_CHUNK


@dataclass
class CopyReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def check(self, what: str, source: object, copy: object) -> None:
        same = math.isclose(source, copy, rel_tol=1e-12, abs_tol=1e-9) if isinstance(source, float) else source == copy
        self.ok &= same
        shown = [f"{v:,.2f}" if isinstance(v, float) else v for v in (source, copy)]
        self.lines.append(f"{'一致' if same else '不一致'}  {what}：源 {shown[0]}，副本 {shown[1]}")


@dataclass
class _Totals:
    """Records and 亩 of one layer, added up as its chunks pass by."""

    count: int = 0
    area_mu: float = 0.0
    has_area: bool = False

    def counting(self, chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for chunk in chunks:
            self.count += len(chunk)
            if "area_mu" in chunk:
                self.has_area = True
                self.area_mu += float(chunk["area_mu"].sum())
            yield chunk


def copy_store(source: str, target: str, chunk: int = READ_CHUNK) -> CopyReport:
    """Copy ``source`` to the new store ``target`` and compare them (see module doc)."""
    if not is_url(target) and Path(target).exists():
        raise StoreError(f"目标文件“{Path(target).name}”已存在：复制只写入新的文件或空数据库，不覆盖已有数据。")
    src = open_store(source)
    audit = pd.DataFrame(src.audit_rows(), columns=list(AUDIT_COLUMNS)).sort_values("change_id")
    tours = src.list_tours()
    names = [name for name in LAYER_ORDER if name in set(src.layer_names())]
    seen = {name: _Totals() for name in names}
    layers = {name: seen[name].counting(src.read_chunks(name, chunk)) for name in names}
    dst = create_store(target, layers, audit, tours)
    report = CopyReport()
    for name in names:
        copied = _Totals()
        for _ in copied.counting(dst.read_chunks(name, chunk)):
            pass
        report.check(f"{label(name)} 条数", seen[name].count, copied.count)
        if name in ("zones", "parcels") and seen[name].has_area:
            report.check(f"{label(name)} 面积合计（亩）", seen[name].area_mu, copied.area_mu)
    report.check("审计记录条数", len(audit), len(dst.audit_rows()))
    copied_tours = [t.tour for t in dst.list_tours()]
    report.check("观摩路线条数", len(tours), len(copied_tours))
    report.check("观摩路线内容相同", True, [t.tour for t in tours] == copied_tours)
    edited = audit.dropna(subset=["record_id", "version"])
    edited = edited[edited["layer"].isin(["zones", "parcels", "projects"])].drop_duplicates(["layer", "record_id"])
    mismatched = [
        f"{r.layer}:{r.record_id}"
        for r in edited.itertuples()
        if src.read_record(r.layer, r.record_id)[1] != dst.read_record(r.layer, r.record_id)[1]
    ]
    report.check("记录版本不一致的条数", 0, len(mismatched))
    src.close()
    dst.close()
    return report
