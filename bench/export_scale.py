"""Exports at scale: the streamed writers against the in-memory builders they replaced (the baseline).

    .venv/bin/python -m bench.export_scale [--parcels 100000] [--projects 10000] [--formats xlsx gpkg geojson shp]

A synthetic store (``geodata synth``, seed 7) is made once and cached in var/bench/.
For every format each export runs in a fresh process, which reads the store
(:func:`geodata.dataset.load_dataset`), resets its peak resident memory
(``/proc/self/clear_refs``) and then exports the parcels:

- baseline: the builders as they were before issue #14, copied below (pandas
  ``ExcelWriter`` in openpyxl's normal mode then a format set on every cell; one
  list of every GeoJSON feature and one ``json.dumps``; pyogrio writing the whole
  frame into a temporary folder and the file read back as bytes). They share the
  row builders (``ledger_rows`` …) with the app, so the ratios compare the writers;
- streamed: :func:`geodata.io.export.write_export` to a path, a chunk at a time.

Columns: seconds (wall clock) and CPU seconds (this process, user + system) for the
export alone (on a shared machine the CPU seconds are the steadier figure); peak
growth = peak RSS (VmHWM) during the export minus the RSS after reading the store,
i.e. what the export itself holds at its worst; the file's size. Ratios are against the baseline of the same format,
measured in the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from openpyxl.styles import Font

from geodata.dataset import load_dataset
from geodata.io.export import write_export
from geodata.io.ledger import (
    column_header,
    encodes,
    gis_frame,
    ledger_rows,
    number_format,
    safe_text,
    sheet_names,
    shp_value,
    summary_rows,
    with_total,
)
from geodata.schema import CRS, SCHEMAS
from geodata.store import GpkgStore
from geodata.synth import write_synth

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "var" / "bench"
FORMATS = ("xlsx", "gpkg", "geojson", "shp")
NAMES = {"xlsx": "台账 Excel", "gpkg": "GeoPackage", "geojson": "GeoJSON", "shp": "Shapefile（zip, GBK）"}


# --- the baseline: the in-memory builders before issue #14 (bench only; the app streams) ----------------------------


def old_ledger_xlsx(parcels: pd.DataFrame, zones: pd.DataFrame) -> bytes:
    with_parcels = [z for z in zones.itertuples() if (parcels["zone_id"] == z.zone_id).any()]
    tables = [("汇总", summary_rows(parcels, zones))]
    tables += [(z.short_name, with_total(ledger_rows(parcels[parcels["zone_id"] == z.zone_id]))) for z in with_parcels]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, (_, frame) in zip(sheet_names([n for n, _ in tables]), tables, strict=True):
            _old_sheet(writer, sheet, frame.map(lambda v: safe_text(v) if isinstance(v, str) else v))
    return buffer.getvalue()


def _old_sheet(writer: pd.ExcelWriter, name: str, frame: pd.DataFrame) -> None:
    frame.to_excel(writer, sheet_name=name, index=False)
    ws = writer.sheets[name]
    ws.freeze_panes = "B2" if len(frame.columns) > 1 else "A2"
    headers = [str(c) for c in frame.columns]
    for i, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200) if v is not None])
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(40, 4 + longest * 1.6)
    for row in ws.iter_rows(min_row=2):
        for cell, header in zip(row, headers, strict=False):
            if isinstance(cell.value, str) and cell.value.startswith("'"):
                cell.data_type = "s"
            elif fmt := number_format(header, cell.value):
                cell.number_format = fmt
        if isinstance(row[0].value, str) and row[0].value.startswith("合计"):
            for cell in row:
                cell.font = Font(bold=True)


def old_geojson(frame: pd.DataFrame, layer: str = "parcels") -> bytes:
    gis = gis_frame(frame, layer)
    features = []
    for record, geom in zip(gis.drop(columns="geometry").to_dict("records"), gis.geometry, strict=True):
        props = {k: (None if isinstance(v, float) and v != v else v) for k, v in record.items()}
        rounded = shapely.set_precision(geom, 1e-7) if geom is not None else None
        features.append(
            {"type": "Feature", "properties": props, "geometry": None if rounded is None else rounded.__geo_interface__}
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, default=str).encode()


def old_gpkg(frame: pd.DataFrame, layer: str = "parcels") -> bytes:
    gis = gis_frame(frame, layer)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{layer}.gpkg"
        pyogrio.write_dataframe(gis, path, layer=layer, driver="GPKG", promote_to_multi=True)
        return path.read_bytes()


def old_shapefile(frame: pd.DataFrame, layer: str = "parcels") -> bytes:
    from geodata.io.fieldmap import shp_names

    names = shp_names(layer)
    columns = SCHEMAS[layer].columns
    table = pd.DataFrame({names[c]: [shp_value(c, v, layer) for v in frame[c]] for c in columns})
    for col, values in table.items():
        for i, v in enumerate(values):
            if isinstance(v, str) and not encodes(v, "gbk"):
                raise ValueError(f"row {i + 1} {col}")
    gis = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(frame.geometry.values, crs=CRS), crs=CRS)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pyogrio.write_dataframe(gis, folder / f"{layer}.shp", driver="ESRI Shapefile", encoding="GBK")
        guide = pd.DataFrame({"字段": [names[c] for c in columns], "含义": [column_header(c, layer) for c in columns]})
        (folder / "字段说明.csv").write_bytes(guide.to_csv(index=False).encode("utf-8-sig"))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(folder.iterdir()):
                zf.write(f, f.name)
        return buffer.getvalue()


# --- one measurement, in its own process ----------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+)", Path("/proc/self/status").read_text(), re.M).group(1))


def child(store: str, fmt: str, how: str, out: str) -> None:
    data = load_dataset(GpkgStore(Path(store)))
    parcels = data.parcels
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS, so the peak below is the export's
    base = _status_kb("VmRSS")
    start, cpu = time.perf_counter(), time.process_time()
    if how == "baseline":
        build = {"xlsx": lambda: old_ledger_xlsx(parcels, data.zones), "gpkg": lambda: old_gpkg(parcels),
                 "geojson": lambda: old_geojson(parcels), "shp": lambda: old_shapefile(parcels)}  # fmt: skip
        Path(out).write_bytes(build[fmt]())
    else:
        write_export(parcels, "parcels", fmt, out, zones=data.zones, encoding="GBK")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _status_kb("VmHWM") - base
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak / 1024, "base_mb": base / 1024}))


def measure(store: Path, fmt: str, how: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="zonemap-bench-") as tmp:
        out = Path(tmp) / f"out.{fmt}"
        cmd = [sys.executable, "-m", "bench.export_scale", "--child", str(store), fmt, how, str(out)]
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["file_mb"] = out.stat().st_size / 2**20
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--projects", type=int, default=10_000)
    ap.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    ap.add_argument("--child", nargs=4, metavar=("STORE", "FORMAT", "HOW", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    store = OUT / f"export_{args.parcels}_s7.gpkg"
    if not store.exists():
        write_synth(store, args.parcels, args.projects, seed=7)
    rows = []
    for fmt in args.formats:
        base = measure(store, fmt, "baseline")
        new = measure(store, fmt, "streamed")
        rows.append((fmt, base, new))
        for how, r in (("baseline", base), ("streamed", new)):
            print(f"{fmt} {how}: {r['seconds']:.1f} s, {r['cpu']:.1f} CPU s, {r['peak_mb']:.0f} MB", file=sys.stderr)
    print(f"parcels {args.parcels:,}, RSS after reading the store {rows[0][1]['base_mb']:.0f} MB")
    print("| export | writer | seconds | CPU s | CPU × baseline | peak growth (MB) | × baseline | file (MB) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for fmt, base, new in rows:
        for how, r in (("baseline (in memory)", base), ("streamed", new)):
            cpu_ratio, memory_ratio = r["cpu"] / base["cpu"], r["peak_mb"] / max(base["peak_mb"], 1e-9)
            print(f"| {NAMES[fmt]} | {how} | {r['seconds']:.1f} | {r['cpu']:.1f} | {cpu_ratio:.2f} | "
                  f"{r['peak_mb']:,.0f} | {memory_ratio:.2f} | {r['file_mb']:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
