"""``python -m geodata``: validate, convert and export from the command line (batch work and tests).

    python -m geodata validate PATH [--layer parcels] [--crs EPSG:4546] [--encoding GBK] [--repair]
                               [--zone 晋中新兴产业园区] [--fill 供应状态=储备] [--land-use 0702=商服用地]
    python -m geodata convert PATH OUT [--layer parcels] ...     # OUT: .geojson or .gpkg
    python -m geodata export --layer parcels --format xlsx|gpkg|geojson|shp OUT [--crs EPSG] [--encoding GBK]
    python -m geodata synth --parcels 100000 --projects 10000 --out PATH.gpkg [--seed N]
    python -m geodata copy SRC DST        # a whole store, GeoPackage ⇄ PostGIS (postgresql://…), verified

``validate`` exits 0 when the file can be imported, 1 when it cannot be read
(encoding, coordinate system, geometry), 3 when it can be read but does not fit
the layer yet (missing fields, unknown zones …: the report says what to give).
``convert`` is a pure converter: it exits 0 when the file is readable, its
coordinate system known and every shape valid, writing EPSG:4490 with
``area_mu`` and every source column; schema gaps are printed as notes. It
exits 1 otherwise. Every command exits 2 on usage errors. Checks against existing zones, chains and
boundaries use the store at ``--data`` (a .gpkg path or a postgresql:// URL; default
``$ZONEMAP_DATA`` or the app's).

A command that writes a file (``convert``, ``export``, ``synth``) never writes onto a zonemap data file
and writes onto another existing file only with ``--overwrite`` (exit 2 otherwise). Every failure is one
Chinese sentence and exit 1 — a store's error, an output folder that is a file, a full disk — never a
traceback (details go to the log, see :mod:`geodata.terminal`); text from users' files is printed with
its control characters escaped (:func:`geodata.terminal.safe`).
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import sys
import uuid
from pathlib import Path

from domain.labels import label
from geodata.cliargs import ChineseParser
from geodata.dataset import load_dataset
from geodata.io.convert import OUTPUT_SUFFIXES, convert_file, write_conversion
from geodata.io.crsdetect import CRS_CHOICES
from geodata.io.export import EXPORT_FORMATS, ExportError, cut_warnings, export_layer_to
from geodata.io.imports import IMPORT_LAYERS, ZONE_NEAR_M, ImportOptions, land_use_key, prepare
from geodata.io.matching import DECISIONS, read_decisions
from geodata.io.sources import SourceError
from geodata.schema import LAND_USES, SCHEMAS
from geodata.store import StoreError, is_zonemap_file, open_store
from geodata.terminal import safe

log = logging.getLogger(__name__)


class UsageError(Exception):
    pass


class OutputError(Exception):
    """An output path the command cannot write (a folder on the way is a file …); exit 1."""


def _say(*parts: object, err: bool = False) -> None:
    """One line for the terminal (stdout, or stderr with ``err``), control characters escaped."""
    print(safe(" ".join(str(p) for p in parts)), file=sys.stderr if err else sys.stdout)


def _parser() -> argparse.ArgumentParser:
    p = ChineseParser(prog="python -m geodata", description="zonemap 数据：检查、转换、导出")
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("validate", "convert"):
        s = sub.add_parser(name, help="检查可否导入" if name == "validate" else "转换为 GeoJSON/GeoPackage")
        s.add_argument("path", metavar="文件", help="要读取的文件")
        if name == "convert":
            s.add_argument("out", metavar="输出文件", help=".geojson 或 .gpkg")
            s.add_argument("--overwrite", action="store_true", help="输出文件已存在时覆盖（zonemap 数据文件除外）")
        s.add_argument("--layer", default="parcels", choices=IMPORT_LAYERS)
        s.add_argument("--crs", metavar="坐标系", help="坐标系（默认自动识别），如 EPSG:4546、GCJ02")
        s.add_argument("--encoding", choices=("UTF-8", "GBK"), help="Shapefile/CSV 文字编码（默认自动识别）")
        s.add_argument("--source-layer", metavar="图层", help="文件中的图层、工作表或 Shapefile 名")
        s.add_argument("--repair", action="store_true", help="自动修复无效几何")
        s.add_argument(
            "--zone", metavar="开发区", help="整个文件的所属开发区（编号、名称或简称），用于文件中没有开发区的记录"
        )
        s.add_argument(
            "--fill",
            action="append",
            default=[],
            metavar="字段=值",
            help="为整个文件中为空的必填字段统一取值，如 供应状态=储备（可重复）",
        )
        s.add_argument(
            "--land-use",
            action="append",
            default=[],
            metavar="文件中的值=用地性质",
            help="用地性质对应，如 0702=商服用地、M9=未填（可重复）",
        )
        s.add_argument(
            "--near-m",
            type=float,
            metavar="米",
            default=ZONE_NEAR_M,
            help=f"不在任何开发区内的记录，归入多少米内最近的开发区（默认 {ZONE_NEAR_M:g}）",
        )
        s.add_argument("--decide", action="append", default=[], metavar="行号=合并|新增|跳过",
                       help="疑似重复的处理（可重复）；只写 合并|新增|跳过 则用于所有未指定的行；默认跳过")  # fmt: skip
        s.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        s.add_argument("--data", metavar="数据", help="对照的数据（.gpkg 文件或 postgresql:// 地址）")
    e = sub.add_parser("export", help="导出图层")
    e.add_argument("out", metavar="输出文件")
    e.add_argument("--layer", default="parcels", choices=IMPORT_LAYERS)
    e.add_argument("--format", required=True, choices=tuple(EXPORT_FORMATS))
    e.add_argument("--crs", metavar="坐标系", help="输出坐标系（gpkg、shp），如 EPSG:4546")
    e.add_argument("--encoding", default="GBK", choices=("GBK", "UTF-8"), help="Shapefile 编码（默认 GBK）")
    e.add_argument("--data", metavar="数据", help="数据（.gpkg 文件或 postgresql:// 地址）")
    e.add_argument("--overwrite", action="store_true", help="输出文件已存在时覆盖（zonemap 数据文件除外）")
    y = sub.add_parser("synth", help="生成合成数据（性能测试）")
    y.add_argument("--parcels", metavar="宗数", type=int, required=True)
    y.add_argument("--projects", metavar="个数", type=int, required=True)
    y.add_argument("--out", metavar="输出文件", required=True, help="输出 .gpkg")
    y.add_argument("--seed", metavar="整数", type=int, default=1, help="随机数起点：相同的数得到相同的数据（默认 1）")
    y.add_argument("--overwrite", action="store_true", help="输出文件已存在时覆盖（zonemap 数据文件除外）")
    c = sub.add_parser("copy", help="整库复制（GeoPackage ⇄ PostGIS）并核对")
    c.add_argument("source", metavar="源", help="源：.gpkg 文件或 postgresql:// 地址")
    c.add_argument("target", metavar="目标", help="目标：新的 .gpkg 文件或没有 zonemap 数据的 postgresql:// 数据库")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except UsageError as exc:
        _say(f"用法错误：{exc}", err=True)
        return 2
    except (StoreError, OutputError) as exc:
        _say(f"错误：{exc}", err=True)
        return 1
    except OSError as exc:
        log.error("%s failed: %s", args.command, exc, exc_info=True)
        _say(f"错误：{os_sentence(exc, Path(args.out) if getattr(args, 'out', None) else None)}", err=True)
        return 1
    except KeyboardInterrupt:
        _say("已中断。", err=True)
        return 130
    except Exception:  # a bug: one sentence with an id here, the traceback in the log
        ref = uuid.uuid4().hex[:8]
        log.exception("%s failed (error id %s)", args.command, ref)
        _say(f"错误：命令未完成（错误编号 {ref}），详情见日志；如仍出错，请把错误编号告诉管理员。", err=True)
        return 1


def _run(args) -> int:
    if args.command in ("convert", "export", "synth"):
        check_output(Path(args.out), args.overwrite)
    if args.command == "synth":
        return _synth(args)
    if args.command == "copy":
        return _copy(args)
    data = load_dataset(open_store(args.data))
    if args.command == "export":
        return _export(args, data)
    return _check(args, data)


def check_output(out: Path, overwrite: bool) -> None:
    """Refuse an output the command must not write (see module doc), before any work is done."""
    for folder in out.parents:
        if folder.exists():
            if not folder.is_dir():
                raise OutputError(f"无法写出“{out.name}”：路径中的“{folder.name}”是文件，不是文件夹。")
            break
    if not out.exists() and not out.is_symlink():
        return
    if out.is_dir():
        raise UsageError(f"“{out.name}”是文件夹：请给出输出文件名")
    if is_zonemap_file(out):
        raise UsageError(
            f"“{out.name}”是 zonemap 数据文件：不能作为输出（会丢失其中全部图层和修改记录），请换一个文件名"
        )
    if not overwrite:
        raise UsageError(f"输出文件“{out.name}”已存在：换一个文件名，或加 --overwrite 覆盖它")


def os_sentence(exc: OSError, path: Path | None = None) -> str:
    """A Chinese sentence for an operating-system error while writing ``path`` (full disk, no permission …)."""
    where = exc.filename or path
    name = f"“{Path(where).name}”" if where else "文件"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"磁盘已满，无法写出{name}（已写出的部分不完整，请删除后清理磁盘再试）。"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有写入{name}的权限（或磁盘为只读）。"
    if exc.errno == errno.ENOTDIR:
        return f"无法写出{name}：路径中有一段是文件，不是文件夹。"
    if exc.errno == errno.ENOENT:
        return f"无法写出{name}：文件夹不存在。"
    return f"无法读写{name}（详情见日志）。"


def _options(args) -> ImportOptions:
    if args.crs and args.crs not in CRS_CHOICES:
        raise UsageError(f"不认识的坐标系 {args.crs}；可选：{'、'.join(CRS_CHOICES)}")
    schema = SCHEMAS[args.layer]
    fill = {}
    for item in args.fill:
        name, value = _pair(item, "--fill")
        key = next((f.name for f in schema.fields if name in (f.name, f.label)), None)
        if key is None:
            raise UsageError(f"--fill：“{name}”不是{label(args.layer)}的字段")
        fill[key] = value
    uses = {}
    for item in args.land_use:
        value, target = _pair(item, "--land-use")
        key = next((u for u in LAND_USES if target in (u, label(u))), None)
        if key is None:
            raise UsageError(f"--land-use：“{target}”不是用地性质；可选：{'、'.join(label(u) for u in LAND_USES)}")
        uses[land_use_key(value)] = key
    try:
        decisions = read_decisions(args.decide)
    except ValueError as exc:
        raise UsageError(f"--decide {exc}") from exc
    return ImportOptions(
        encoding=args.encoding, crs=args.crs, repair=args.repair, source_layer=args.source_layer,
        zone=args.zone, fill=fill, land_use_map=uses, near_m=args.near_m, decisions=decisions,
    )  # fmt: skip


def _pair(item: str, option: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"{option} 的写法是 名称=值，而不是“{item}”")
    return name.strip(), value.strip()


def _check(args, data) -> int:
    options = _options(args)
    if args.command == "convert" and Path(args.out).suffix.lower() not in OUTPUT_SUFFIXES:
        raise UsageError("输出文件须为 .geojson 或 .gpkg")
    if not Path(args.path).exists():
        raise UsageError(f"文件不存在：{args.path}")
    existing = {name: data.layer(name) for name in ("admin", "zones", "parcels", "projects", "chains", "rounds")}
    try:
        if args.command == "convert":
            return _convert(args, existing, options)
        plan = prepare(args.path, args.layer, existing, options)
    except SourceError as exc:
        if args.json:
            _say(json.dumps({"ok": False, "readable": False, "error": str(exc)}, ensure_ascii=False))
        else:
            _say(f"无法读取：{exc}")
        return 1
    if args.json:
        out = plan.summary() | {"ok": plan.ok, "readable": plan.readable, "mapping": plan.mapping,
                                "findings": [_finding_json(f) for f in plan.findings]}  # fmt: skip
        _say(json.dumps(out, ensure_ascii=False, default=str))
    else:
        _print_plan(plan)
    return 0 if plan.ok else 1 if not plan.readable else 3


def _finding_json(f) -> dict:
    return {"level": f.level, "stage": f.stage, "row": f.row, "id": f.record_id, "column": f.column,
            "message": f.message}  # fmt: skip


def _convert(args, existing, options: ImportOptions) -> int:
    conversion = convert_file(args.path, args.layer, existing, options)
    out = Path(args.out)
    if args.json:
        _say(
            json.dumps(
                {
                    "ok": conversion.ok,
                    "rows": len(conversion.frame),
                    "findings": [_finding_json(f) for f in conversion.findings],
                    "notes": [_finding_json(f) for f in conversion.notes],
                },
                ensure_ascii=False,
                default=str,
            )
        )
    else:
        _say(f"文件：{Path(args.path).name}（{conversion.plan.source.fmt}），{len(conversion.frame)} 条")
        _say(f"编码：{conversion.plan.source.encoding or '—'}  {conversion.plan.source.encoding_reason}")
        for f in conversion.findings:
            _say(f"[{f.level_label}] {f}")
        if conversion.notes:
            _say(f"导入为{label(args.layer)}时还需处理（不影响转换）：")
            for f in conversion.notes:
                _say(f"[说明] {f}")
    if not conversion.ok:
        if not args.json:
            _say(f"结论：不能转换：{len(conversion.errors)} 个错误")
        return 1
    try:
        write_conversion(conversion.frame, out)
    except Exception as exc:  # a full disk, a folder that is not there, a name GDAL will not take: said, logged
        ref = uuid.uuid4().hex[:8]
        log.exception("convert: writing %s failed (error id %s)", out.name, ref)
        if isinstance(exc, OSError) and exc.errno:
            _say(f"{os_sentence(exc, out)[:-1]}（错误编号 {ref}）。")
        else:
            _say(f"无法写出“{out.name}”：请检查输出文件夹是否存在、可写，磁盘是否已满（错误编号 {ref}）。")
        return 1
    if not args.json:
        kept = "保留文件中的全部列，另加 area_mu 面积（亩）"
        _say(f"已写出 {out.name}（{len(conversion.frame)} 条，EPSG:4490，{kept}）")
    return 0


def _print_plan(plan) -> None:
    s = plan.summary()
    _say(f"文件：{s['file']}（{s['format']}）→ {plan.layer}，{s['rows']} 条")
    _say(f"编码：{s['encoding'] or '—'}  {plan.source.encoding_reason}")
    _say(f"坐标系：{plan.crs.label}  {plan.crs.reason}")
    mapped = [f"{c}→{f}" for c, f in plan.mapping.items() if f]
    unused = [c for c, f in plan.mapping.items() if not f]
    _say("字段对应：" + ("，".join(mapped) or "无"))
    if unused:
        _say("未导入的列：" + "，".join(unused))
    for f in plan.findings:
        _say(f"[{f.level_label}] {f}")
    for change in plan.changes.to_dict("records"):
        old, new = change["old"], change["new"]
        shown = "图形有改动" if change["field"] == "geometry" else f"{_shown(old)} → {_shown(new)}"
        _say(f"[改动] {change['record_id']} {label(change['field'])}：{shown}")
    for m in plan.suspects:
        _say(f"[疑似重复] 第 {m.row} 条 → 已有地块 {m.stored_id}（{m.how_label}）：{DECISIONS[m.decision]}")
    for r in plan.area_differences.to_dict("records"):
        _say(f"[面积核对] 第 {r['行']} 条 {r['地块编号']}：登记 {r['登记面积（亩）']:,.2f} 亩，"
              f"按图形 {r['图形面积（亩）']:,.2f} 亩，相差 {r['相差']}")  # fmt: skip
    _say(plan.counts_line())
    counts = f"新增 {s['new']}，更新 {s['updated']}，不变 {s['unchanged']}，疑似重复 {s['suspects']}"
    if plan.ok:
        verdict = f"可以导入（{counts}）"
    elif not plan.readable:
        verdict = f"无法读取：{len(plan.read_errors)} 个错误（编码、坐标系或几何），请修改文件或选项"
    else:
        verdict = (f"文件可以读取，但还不能导入：{len(plan.fit_errors)} 处需处理（可用字段对应、--zone、--fill、"
                   "--land-use 补上）")  # fmt: skip
    _say(f"结论：{verdict}")


def _shown(value: object) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return label(str(value))


def _export(args, data) -> int:
    out = Path(args.out)
    try:
        export_layer_to(data, args.layer, args.format, out, args.crs, args.encoding)  # refusals come before writing
    except ExportError as exc:
        usage = args.crs and ("坐标系" in str(exc))
        _say(f"{'用法错误' if usage else '导出失败'}：{exc}", err=True)
        return 2 if usage else 1
    for warning in cut_warnings(data.layer(args.layer), args.layer, args.format, args.encoding):
        _say(f"提醒：{warning}", err=True)
    _say(f"已导出 {len(data.layer(args.layer))} 条到 {out}")
    return 0


def _synth(args) -> int:
    from geodata.synth import write_synth

    if not args.out.lower().endswith(".gpkg") or args.parcels < 0 or args.projects < 0:
        _say("用法错误：--out 须为 .gpkg，数量不能为负", err=True)
        return 2
    store = write_synth(Path(args.out), args.parcels, args.projects, args.seed)
    _say(f"已生成 {store.location}：地块 {args.parcels} 宗，项目 {args.projects} 个（合成数据，source 字段注明）")
    return 0


def _copy(args) -> int:
    from geodata.store.copy import copy_store

    try:
        report = copy_store(args.source, args.target)
    except StoreError as exc:
        _say(f"复制失败：{exc}", err=True)
        return 1
    for line in report.lines:
        _say(line)
    _say("复制完成，核对一致。" if report.ok else "复制完成，但核对发现不一致（见上）。")
    return 0 if report.ok else 1
