"""Matching an imported file's records to what the store holds, before anything is written.

A land office's own file seldom carries our 地块编号: importing its parcels
must not add them a second time beside the ones already in zonemap. Each
incoming parcel is matched, in this order, against the stored parcels:

1. **编号** — the file's 地块编号 is a stored one (as before): an update.
2. **宗地代码**, then **电子监管号** — the same code as a stored parcel: an update
   of that parcel (the file's record takes its 地块编号).
3. **图形** — within the same zone, a stored *surveyed* shape that overlaps the
   incoming one by at least :data:`OVERLAP_SHARE` (90 %) of *both* areas
   (intersection / each area, computed in lon/lat: a ratio, so the degree's
   scale cancels at a parcel's size): an update.
4. **示意图形** — within the same zone, a stored *schematic* shape
   (``outline_source = schematic``: invented outline, real figure) whose 亩 is
   within :data:`SCHEMATIC_AREA_SHARE` (0.5 %) of the file's 登记面积 (or of the
   computed 亩 when the file has none): a 疑似重复 — the user decides, so a
   surveyed shape can replace a schematic one in one step.
5. **名称** — within the same zone, the same name: a 疑似重复.

Steps 3–5 are for records whose 地块编号 the file does not give (it was made
up from the zone and the shape): a file that writes our 地块编号 is trusted, and
one of its numbers that the store does not hold is a new parcel. A stored parcel
whose 宗地代码 or 电子监管号 differs from the incoming one's is never a candidate.

A stored parcel is matched once (the first incoming record wins); an id match
always wins over the rest. 疑似重复 records are decided by the user, row by row
(:data:`DECISIONS`): 合并 (update the stored parcel with the file's record),
新增 (add it as a new parcel) or 跳过 (leave it out). The default is 跳过:
nothing is added twice unless someone says so. The decisions are kept in the
import's summary (the audit).

Only parcels are matched beyond their id; zones and projects keep matching by id.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import shapely

from domain.values import is_blank
from geodata.schema import SCHEMAS

OVERLAP_SHARE = 0.90  # a shape match: the overlap covers this share of both the incoming and the stored area
SCHEMATIC_AREA_SHARE = 0.005  # a schematic match: stored 亩 within this share of the file's registered area
UPDATE, SUSPECT = "update", "suspect"
MERGE, NEW, SKIP = "merge", "new", "skip"
DECISIONS = {MERGE: "合并", NEW: "新增", SKIP: "跳过"}  # what the user may choose for a 疑似重复
DEFAULT_DECISION = SKIP
HOW_LABELS = {
    "id": "地块编号相同",
    "parcel_code": "宗地代码相同",
    "supervision_no": "电子监管号相同",
    "shape": "图形重合",
    "schematic": "同一开发区、登记面积相同（已有地块为示意图形）",
    "name": "同一开发区、名称相同",
}
MATCH_COLUMNS = ["行", "文件中的编号", "已有地块", "已有名称", "对应依据", "处理"]


@dataclass(frozen=True)
class Match:
    """One incoming record (``row``, 1-based) that corresponds to a stored one (``stored_id``)."""

    row: int
    incoming_id: str | None
    stored_id: str
    how: str  # a key of HOW_LABELS
    kind: str  # UPDATE or SUSPECT
    overlap: float | None = None  # shape matches: the smaller of the two overlap shares
    decision: str | None = None  # SUSPECT only: MERGE, NEW or SKIP

    @property
    def how_label(self) -> str:
        text = HOW_LABELS[self.how]
        return f"{text}（重合 {self.overlap:.1%}）" if self.overlap is not None else text


def _text_key(value: object) -> str:
    """How codes and names are compared: NFKC, no spaces, upper case ("" for blank)."""
    if is_blank(value):
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()


def overlap_share(a, b) -> float:
    """The smaller of intersection/area(a) and intersection/area(b); 0 for a missing or empty shape."""
    if a is None or b is None or a.is_empty or b.is_empty:
        return 0.0
    area_a, area_b = shapely.area(a), shapely.area(b)
    if area_a <= 0 or area_b <= 0:
        return 0.0
    try:
        inter = shapely.area(shapely.intersection(a, b))
    except shapely.errors.GEOSException:
        inter = shapely.area(shapely.intersection(shapely.make_valid(a), shapely.make_valid(b)))
    return float(min(inter / area_a, inter / area_b))


def match_records(
    frame: pd.DataFrame,
    stored: pd.DataFrame | None,
    layer: str,
    registered: list[float] | None = None,
    decisions: Mapping[int, str] | None = None,
    generated: set[str] | None = None,
) -> list[Match]:
    """Every incoming record of ``frame`` that corresponds to a record of ``stored`` (see module doc).

    ``registered``: the file's own area per row in 亩 (NaN/None where it has none).
    ``decisions``: the user's choice per 疑似重复 row (1-based; row 0: every row not named);
    missing → :data:`DEFAULT_DECISION`.
    ``generated``: the ids made up for records the file gives none (None: every id is made up);
    only those records are matched by shape, area or name.
    """
    key = SCHEMAS[layer].key
    if stored is None or not len(stored) or key not in frame:
        return []
    decisions = decisions or {}
    stored_ids = stored[key].astype(str).tolist()
    known = set(stored_ids)
    incoming = [None if is_blank(v) else str(v) for v in frame[key].tolist()]
    matches: list[Match] = []
    taken = {i for i in incoming if i in known}
    for row, rid in enumerate(incoming, start=1):
        if rid in known:
            matches.append(Match(row, rid, rid, "id", UPDATE))
    if layer != "parcels":
        return matches
    done = {m.row for m in matches}
    for how in ("parcel_code", "supervision_no"):
        if how not in frame or how not in stored:
            continue
        index: dict[str, str] = {}
        for sid, value in zip(stored_ids, stored[how].tolist(), strict=True):
            index.setdefault(_text_key(value), sid)
        index.pop("", None)
        for row, value in enumerate(frame[how].tolist(), start=1):
            sid = index.get(_text_key(value))
            if row in done or sid is None or sid in taken:
                continue
            matches.append(Match(row, incoming[row - 1], sid, how, UPDATE))
            done.add(row)
            taken.add(sid)
    if generated is not None:
        done |= {row for row, rid in enumerate(incoming, start=1) if rid not in generated}
    matches += _by_zone(frame, stored, incoming, registered, done, taken, decisions)
    return sorted(matches, key=lambda m: m.row)


def _by_zone(frame, stored, incoming, registered, done: set[int], taken: set[str], decisions) -> list[Match]:
    """Steps 3–5 of the module doc: shape, schematic area, name — each within the record's zone.

    Indexed (an R-tree for shapes, sorted 亩 per zone for schematic outlines, (zone, name) for names),
    so a file of many records against a large store is not a product of the two.
    """
    stored = stored.reset_index(drop=True)
    ids = stored["parcel_id"].astype(str).tolist()
    zones = stored["zone_id"].astype(str).tolist()
    schematic = [v == "schematic" for v in stored.get("outline_source", pd.Series([None] * len(stored))).tolist()]
    areas = pd.to_numeric(stored["area_mu"], errors="coerce").tolist()
    geoms = stored.geometry.values if "geometry" in stored else [None] * len(stored)
    tree = shapely.STRtree([g if g is not None else shapely.Point() for g in geoms])
    by_area: dict[str, list[tuple[float, int]]] = {}
    by_name: dict[tuple[str, str], list[int]] = {}
    for j, (z, name) in enumerate(zip(zones, stored["name"].tolist(), strict=True)):
        if schematic[j] and not is_blank(areas[j]):
            by_area.setdefault(z, []).append((float(areas[j]), j))
        if key := _text_key(name):
            by_name.setdefault((z, key), []).append(j)
    for values in by_area.values():
        values.sort()
    frame_zones = frame["zone_id"].tolist() if "zone_id" in frame else [None] * len(frame)
    frame_names = frame["name"].tolist() if "name" in frame else [None] * len(frame)
    frame_areas = frame["area_mu"].tolist() if "area_mu" in frame else [None] * len(frame)
    code_pairs = [
        ([_text_key(v) for v in frame[c].tolist()], [_text_key(v) for v in stored[c].tolist()])
        for c in ("parcel_code", "supervision_no")
        if c in frame and c in stored
    ]

    def free(i: int, j: int, zone: str) -> bool:
        """Stored parcel j may match incoming row i: same zone, not taken, no code that says otherwise."""
        if zones[j] != zone or ids[j] in taken:
            return False
        return not any(mine[i] and theirs[j] and mine[i] != theirs[j] for mine, theirs in code_pairs)

    out = []
    for i, (zone, g) in enumerate(zip(frame_zones, frame.geometry, strict=True)):
        row = i + 1
        if row in done or is_blank(zone):
            continue
        zone = str(zone)
        found = None
        if g is not None and not g.is_empty:
            near = [j for j in tree.query(g, predicate="intersects").tolist() if not schematic[j] and free(i, j, zone)]
            best = max(((overlap_share(g, geoms[j]), j) for j in near), default=(0.0, None))
            if best[1] is not None and best[0] >= OVERLAP_SHARE:
                found = Match(row, incoming[i], ids[best[1]], "shape", UPDATE, overlap=round(best[0], 4))
        target = registered[i] if registered is not None and not is_blank(registered[i]) else frame_areas[i]
        if found is None and not is_blank(target) and float(target) > 0:
            t = float(target)
            ranked = by_area.get(zone, [])
            lo = bisect.bisect_left(ranked, (t * (1 - SCHEMATIC_AREA_SHARE), -1))
            hi = bisect.bisect_right(ranked, (t * (1 + SCHEMATIC_AREA_SHARE), len(ids)))
            close = [(abs(a - t) / t, j) for a, j in ranked[lo:hi] if free(i, j, zone)]
            best = min(close, default=(1.0, None))
            if best[1] is not None and best[0] <= SCHEMATIC_AREA_SHARE:
                found = Match(row, incoming[i], ids[best[1]], "schematic", SUSPECT)
        if found is None and (key := _text_key(frame_names[i])):
            same = [j for j in by_name.get((zone, key), []) if free(i, j, zone)]
            if same:
                found = Match(row, incoming[i], ids[same[0]], "name", SUSPECT)
        if found is None:
            continue
        if found.kind == SUSPECT:
            choice = decisions.get(row, decisions.get(0, DEFAULT_DECISION))
            found = Match(found.row, found.incoming_id, found.stored_id, found.how, SUSPECT,
                          found.overlap, choice if choice in DECISIONS else DEFAULT_DECISION)  # fmt: skip
        out.append(found)
        done.add(row)
        if found.kind == UPDATE or found.decision == MERGE:
            taken.add(found.stored_id)
    return out


def read_decisions(items: list[str]) -> dict[int, str]:
    """Command-line decisions: ``3=合并`` (row 3), ``合并`` (every 疑似重复 not named); Chinese or merge/new/skip.

    Raises ValueError with a Chinese message for anything else.
    """
    names = {v: k for k, v in DECISIONS.items()} | {k: k for k in DECISIONS}
    out: dict[int, str] = {}
    for item in items:
        row, sep, word = item.strip().rpartition("=")
        word = word.strip()
        if word not in names or (sep and not row.strip().isdigit()):
            raise ValueError(f"“{item}”的写法是 行号=合并|新增|跳过，或只写 合并|新增|跳过（所有疑似重复）")
        out[int(row) if sep else 0] = names[word]
    return out


def apply_matches(frame: pd.DataFrame, matches: list[Match], layer: str) -> set[int]:
    """Give every matched update (and every 疑似重复 to merge) the stored record's id; return the rows to skip.

    Rows are 1-based. A 疑似重复 to add as new keeps its own id; one to skip is returned.
    """
    key = SCHEMAS[layer].key
    ids = frame[key].astype(object).tolist()
    skipped = set()
    for m in matches:
        if m.kind == UPDATE or m.decision == MERGE:
            ids[m.row - 1] = m.stored_id
        elif m.decision == SKIP:
            skipped.add(m.row)
    frame[key] = ids
    return skipped


def match_table(matches: list[Match], stored: pd.DataFrame | None, layer: str, kind: str) -> pd.DataFrame:
    """The matches of one kind as a table for the preview and the CLI (Chinese columns :data:`MATCH_COLUMNS`)."""
    key = SCHEMAS[layer].key
    names = {}
    if stored is not None and len(stored) and "name" in stored:
        names = dict(zip(stored[key].astype(str), stored["name"], strict=True))
    rows = [
        {"行": m.row, "文件中的编号": m.incoming_id or "", "已有地块": m.stored_id,
         "已有名称": names.get(m.stored_id, ""), "对应依据": m.how_label,
         "处理": DECISIONS[m.decision] if m.decision else "更新"}
        for m in matches
        if m.kind == kind
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)


def decisions_summary(matches: list[Match]) -> list[dict]:
    """The 疑似重复 and what was decided for each, as kept in the import's audit summary."""
    return [
        {"row": m.row, "incoming_id": m.incoming_id, "stored_id": m.stored_id, "how": m.how, "decision": m.decision}
        for m in matches
        if m.kind == SUSPECT
    ]
