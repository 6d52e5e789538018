"""``python -m geodata report bulletin --period 2021-09|2021-Q3 --format docx|xlsx|pdf --out FILE``, and
``python -m geodata report scorecard --input 企业.xlsx --out 评价.xlsx [--settings FILE]`` (亩均效益, configurable),
``python -m geodata report evaluation --year 2025 --out 考核.xlsx [--data URL] [--settings FILE]`` (开发区年度考核).

Writes the 通报 (:mod:`reports.bulletin`) for a month or a quarter from the store
at ``--data`` (default ``$ZONEMAP_DATA`` or the app's), for the province or
``--scope`` (a city: ``140700``/``晋中市``; a zone: its id or name). The figures
are those of the records as they stood at the period's end, so running it again
later gives the same bulletin. Exit 0 written, 1 the data cannot be read or the
file cannot be written, 2 usage.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from domain.periods import parse_period
from geodata.cliargs import ChineseParser  # Chinese help and usage errors, exit 2, as every command
from geodata.store import StoreError, open_store
from reports.bulletin import FORMATS, write_bulletin
from stats.bulletin import bulletin_figures, resolve_scope

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    p = ChineseParser(prog="python -m geodata report", description="生成会议材料")
    sub = p.add_subparsers(dest="report", required=True)
    b = sub.add_parser("bulletin", help="“三个一批”月度或季度通报")
    b.add_argument("--period", metavar="期间", required=True, help="月份 2021-09 或季度 2021-Q3")
    b.add_argument("--format", default="docx", choices=FORMATS)
    b.add_argument("--out", metavar="输出文件", required=True, help="输出文件")
    b.add_argument("--data", metavar="数据", help="数据（.gpkg 文件或 postgresql:// 地址；默认 $ZONEMAP_DATA）")
    b.add_argument("--scope", metavar="范围", help="范围：市（140700、晋中市）或开发区（编号或名称）；默认全省")
    c = sub.add_parser("scorecard", help="亩均效益综合评价（权重可配置）")
    c.add_argument(
        "--input",
        metavar="文件",
        required=True,
        help="企业年度数据 .xlsx（列：企业、用地面积（亩）、实缴税金（万元）…）",
    )
    c.add_argument("--out", metavar="输出文件", required=True, help="输出 .xlsx")
    c.add_argument("--settings", metavar="设置文件", help="评价设置 TOML（默认 $ZONEMAP_SCORECARD 或内置示例）")
    e = sub.add_parser("evaluation", help="开发区年度考核（排名、类别、指标卡、用地企业分类；权重可配置）")
    e.add_argument("--year", metavar="年度", type=int, required=True, help="考核年度，如 2025")
    e.add_argument("--out", metavar="输出文件", required=True, help="输出 .xlsx")
    e.add_argument("--data", metavar="数据", help="数据（.gpkg 文件或 postgresql:// 地址；默认 $ZONEMAP_DATA）")
    e.add_argument("--settings", metavar="设置文件", help="考核设置 TOML（默认 $ZONEMAP_SCORECARD 或内置示例）")
    return p


def _usage(exc: Exception) -> int:
    print(f"用法错误：{exc}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.report == "scorecard":
        return _scorecard(args)
    if args.report == "evaluation":
        return _evaluation(args)
    try:
        period = parse_period(args.period)
    except ValueError as exc:
        return _usage(exc)
    try:
        store = open_store(args.data)
        frames, history = store.read_all(), store.history()
        scope = resolve_scope(args.scope, frames["zones"])
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        return _usage(exc)
    bulletin = bulletin_figures(frames, history, period, scope)
    try:
        out = write_bulletin(bulletin, args.format, Path(args.out), admin=frames.get("admin"))
    except (OSError, RuntimeError) as exc:
        log.error("bulletin not written: %s", exc)
        print(f"未能写出文件 {Path(args.out).name}：{exc if isinstance(exc, RuntimeError) else '目录不存在或无权写入'}",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"已生成 {out}：{scope.name}{period.label}通报")
    return 0


def _scorecard(args) -> int:
    import pandas as pd

    from geodata.scorecard import INPUT_COLUMNS, load_settings, scorecard_table
    from reports.scorecard import write_scorecard

    try:
        settings = load_settings(args.settings)
    except ValueError as exc:
        return _usage(exc)
    try:
        firms = pd.read_excel(args.input, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        log.error("cannot read %s: %s", args.input, exc)
        print(f"无法读取 {Path(args.input).name}：请提供 .xlsx 文件", file=sys.stderr)
        return 1
    absent = [c for c in ("企业", "用地面积（亩）") if c not in firms.columns]
    if absent:
        print(
            f"{Path(args.input).name} 缺少列：{'、'.join(absent)}（可用列：{'、'.join(INPUT_COLUMNS)}）",
            file=sys.stderr,
        )
        return 1
    out = write_scorecard(scorecard_table(firms, settings), settings, Path(args.out))
    print(f"已生成 {out}：{len(firms)} 家企业；{settings.title}")
    return 0


def _evaluation(args) -> int:
    from domain.clock import beijing_today
    from geodata.scorecard import load_evaluation
    from reports.evaluation import evaluation_xlsx
    from stats.evaluation import evaluate, firm_table

    try:
        zone_settings, firm_settings = load_evaluation(args.settings)
    except ValueError as exc:
        return _usage(exc)
    if not 1990 <= args.year <= beijing_today().year:
        return _usage(ValueError(f"考核年度须在 1990 到 {beijing_today().year} 之间"))
    try:
        store = open_store(args.data)
        frames, history = store.read_all(), store.history()
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    ev = evaluate(frames, history, args.year, zone_settings, beijing_today())
    try:
        Path(args.out).write_bytes(evaluation_xlsx(ev, firm_table(frames["parcels"], args.year, firm_settings)))
    except OSError as exc:
        log.error("evaluation not written: %s", exc)
        print(f"未能写出文件 {Path(args.out).name}：目录不存在或无权写入", file=sys.stderr)
        return 1
    classed = sum(1 for s in ev.scores if s.rank is not None)
    print(f"已生成 {args.out}：{args.year}年 {len(ev.scores)} 个开发区（定级 {classed} 个）；{zone_settings.title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
