"""``python -m geodata``: validate, convert and export from the command line (batch work and tests).

    python -m geodata validate PATH [--layer parcels] [--crs EPSG:4546] [--encoding GBK] [--repair]
    python -m geodata convert PATH OUT [--layer parcels] ...     # OUT: .geojson or .gpkg
    python -m geodata export --layer parcels --format xlsx|gpkg|geojson|shp OUT [--crs EPSG] [--encoding GBK]
    python -m geodata synth --parcels 100000 --projects 10000 --out PATH.gpkg [--seed N]
    python -m geodata copy SRC DST        # a whole store, GeoPackage ⇄ PostGIS (postgresql://…), verified

``validate`` exits 0 when the file can be imported, 1 when it cannot; every
command exits 2 on usage errors. Checks against existing zones, chains and
boundaries use the store at ``--data`` (a .gpkg path or a postgresql:// URL; default
``$ZONEMAP_DATA`` or the app's).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from geodata.dataset import load_dataset
from geodata.io.crsdetect import CRS_CHOICES
from geodata.io.export import EXPORT_FORMATS, ExportError, export_layer, layer_geojson, layer_gpkg
from geodata.io.imports import IMPORT_LAYERS, ImportOptions, prepare
from geodata.io.sources import SourceError
from geodata.store import StoreError, open_store


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit code 2 with a Chinese hint, as argparse does
        self.print_usage(sys.stderr)
        print(f"用法错误：{message}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m geodata", description="zonemap 数据：检查、转换、导出")
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("validate", "convert"):
        s = sub.add_parser(name, help="检查可否导入" if name == "validate" else "转换为 GeoJSON/GeoPackage")
        s.add_argument("path")
        if name == "convert":
            s.add_argument("out")
        s.add_argument("--layer", default="parcels", choices=IMPORT_LAYERS)
        s.add_argument("--crs", help="坐标系（默认自动识别），如 EPSG:4546、GCJ02")
        s.add_argument("--encoding", choices=("UTF-8", "GBK"), help="Shapefile/CSV 文字编码（默认自动识别）")
        s.add_argument("--source-layer", help="文件中的图层、工作表或 Shapefile 名")
        s.add_argument("--repair", action="store_true", help="自动修复无效几何")
        s.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        s.add_argument("--data", help="对照的数据（.gpkg 文件或 postgresql:// 地址）")
    e = sub.add_parser("export", help="导出图层")
    e.add_argument("out")
    e.add_argument("--layer", default="parcels", choices=IMPORT_LAYERS)
    e.add_argument("--format", required=True, choices=tuple(EXPORT_FORMATS))
    e.add_argument("--crs", help="输出坐标系（gpkg、shp），如 EPSG:4546")
    e.add_argument("--encoding", default="GBK", choices=("GBK", "UTF-8"), help="Shapefile 编码（默认 GBK）")
    e.add_argument("--data", help="数据（.gpkg 文件或 postgresql:// 地址）")
    y = sub.add_parser("synth", help="生成合成数据（性能测试）")
    y.add_argument("--parcels", type=int, required=True)
    y.add_argument("--projects", type=int, required=True)
    y.add_argument("--out", required=True, help="输出 .gpkg")
    y.add_argument("--seed", type=int, default=1)
    c = sub.add_parser("copy", help="整库复制（GeoPackage ⇄ PostGIS）并核对")
    c.add_argument("source", help="源：.gpkg 文件或 postgresql:// 地址")
    c.add_argument("target", help="目标：新的 .gpkg 文件或没有 zonemap 数据的 postgresql:// 数据库")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "synth":
        return _synth(args)
    if args.command == "copy":
        return _copy(args)
    try:
        data = load_dataset(open_store(args.data))
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "export":
            return _export(args, data)
        return _check(args, data)
    except UsageError as exc:
        print(f"用法错误：{exc}", file=sys.stderr)
        return 2


def _options(args) -> ImportOptions:
    if args.crs and args.crs not in CRS_CHOICES:
        raise UsageError(f"不认识的坐标系 {args.crs}；可选：{'、'.join(CRS_CHOICES)}")
    return ImportOptions(encoding=args.encoding, crs=args.crs, repair=args.repair, source_layer=args.source_layer)


def _check(args, data) -> int:
    options = _options(args)
    if args.command == "convert" and Path(args.out).suffix.lower() not in (".geojson", ".json", ".gpkg"):
        raise UsageError("输出文件须为 .geojson 或 .gpkg")
    if not Path(args.path).exists():
        raise UsageError(f"文件不存在：{args.path}")
    existing = {name: data.layer(name) for name in ("admin", "zones", "parcels", "projects", "chains", "rounds")}
    try:
        plan = prepare(args.path, args.layer, existing, options)
    except SourceError as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": str(exc)}, ensure_ascii=False))
        else:
            print(f"不能导入：{exc}")
        return 1
    if args.json:
        out = plan.summary() | {"ok": plan.ok, "mapping": plan.mapping, "findings": [
            {"level": f.level, "row": f.row, "id": f.record_id, "column": f.column, "message": f.message}
            for f in plan.findings]}  # fmt: skip
        print(json.dumps(out, ensure_ascii=False, default=str))
    else:
        _print_plan(plan)
    if not plan.ok:
        return 1
    if args.command == "convert":
        out = Path(args.out)
        body = (
            layer_gpkg(plan.frame, plan.layer)
            if out.suffix.lower() == ".gpkg"
            else layer_geojson(plan.frame, plan.layer)
        )
        out.write_bytes(body)
        print(f"已写出 {out}（{len(plan.frame)} 条，EPSG:4490）")
    return 0


def _print_plan(plan) -> None:
    s = plan.summary()
    print(f"文件：{s['file']}（{s['format']}）→ {plan.layer}，{s['rows']} 条")
    print(f"编码：{s['encoding'] or '—'}  {plan.source.encoding_reason}")
    print(f"坐标系：{plan.crs.label}  {plan.crs.reason}")
    mapped = [f"{c}→{f}" for c, f in plan.mapping.items() if f]
    unused = [c for c, f in plan.mapping.items() if not f]
    print("字段对应：" + ("，".join(mapped) or "无"))
    if unused:
        print("未导入的列：" + "，".join(unused))
    for f in plan.findings:
        print(f"[{ {'error': '错误', 'warning': '提醒', 'info': '说明'}[f.level] }] {f}")
    verdict = "可以导入" if plan.ok else f"不能导入：{len(plan.errors)} 个错误"
    print(f"结论：{verdict}（新增 {s['new']}，替换 {s['updated']}）")


def _export(args, data) -> int:
    out = Path(args.out)
    try:
        body = export_layer(data, args.layer, args.format, args.crs, args.encoding)
    except ExportError as exc:
        usage = args.crs and ("坐标系" in str(exc))
        print(f"{'用法错误' if usage else '导出失败'}：{exc}", file=sys.stderr)
        return 2 if usage else 1
    out.write_bytes(body)
    print(f"已导出 {len(data.layer(args.layer))} 条到 {out}")
    return 0


def _synth(args) -> int:
    from geodata.sample.synth import write_synth

    if not args.out.lower().endswith(".gpkg") or args.parcels < 0 or args.projects < 0:
        print("用法错误：--out 须为 .gpkg，数量不能为负", file=sys.stderr)
        return 2
    store = write_synth(Path(args.out), args.parcels, args.projects, args.seed)
    print(f"已生成 {store.location}：地块 {args.parcels} 宗，项目 {args.projects} 个（合成数据，source 字段注明）")
    return 0


def _copy(args) -> int:
    from geodata.store.copy import copy_store

    try:
        report = copy_store(args.source, args.target)
    except StoreError as exc:
        print(f"复制失败：{exc}", file=sys.stderr)
        return 1
    for line in report.lines:
        print(line)
    print("复制完成，核对一致。" if report.ok else "复制完成，但核对发现不一致（见上）。")
    return 0 if report.ok else 1
