"""Copy a whole store between backends (GeoPackage ⇄ PostGIS) and verify the copy.

``python -m geodata copy SRC DST``: every layer, every audit row (with its
change id), every tour and every record's version; then counts, 亩 totals and
audit rows are compared between source and copy. The destination must be new:
a file that does not exist yet, or a database without zonemap tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from domain.labels import label
from geodata.store import AUDIT_COLUMNS, StoreError, create_store, is_url, open_store


@dataclass
class CopyReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def check(self, what: str, source: object, copy: object) -> None:
        same = math.isclose(source, copy, rel_tol=1e-12, abs_tol=1e-9) if isinstance(source, float) else source == copy
        self.ok &= same
        shown = [f"{v:,.2f}" if isinstance(v, float) else v for v in (source, copy)]
        self.lines.append(f"{'一致' if same else '不一致'}  {what}：源 {shown[0]}，副本 {shown[1]}")


def copy_store(source: str, target: str) -> CopyReport:
    """Copy ``source`` to the new store ``target`` and compare them (see module doc)."""
    if not is_url(target) and Path(target).exists():
        raise StoreError(f"目标文件“{Path(target).name}”已存在：复制只写入新的文件或空数据库，不覆盖已有数据。")
    src = open_store(source)
    frames = src.read_all()
    audit = pd.DataFrame(src.audit_rows(), columns=list(AUDIT_COLUMNS)).sort_values("change_id")
    tours = src.list_tours()
    dst = create_store(target, frames, audit, tours)
    report = CopyReport()
    copied = dst.read_all()
    for name, frame in frames.items():
        report.check(f"{label(name)} 条数", len(frame), len(copied.get(name, ())))
    for name in ("zones", "parcels"):
        if name in frames and "area_mu" in frames[name]:
            report.check(f"{label(name)} 面积合计（亩）", float(frames[name]["area_mu"].sum()),
                         float(copied[name]["area_mu"].sum()))  # fmt: skip
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
