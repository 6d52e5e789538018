"""``python -m geodata report bulletin --period 2021-09|2021-Q3 --format docx|xlsx|pdf --out FILE``.

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
from geodata.cli import _Parser  # usage errors in Chinese, exit 2, as every geodata command
from geodata.store import StoreError, open_store
from geodata.tables.bulletin import bulletin_figures, resolve_scope
from reports.bulletin import FORMATS, write_bulletin

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m geodata report", description="生成会议材料")
    sub = p.add_subparsers(dest="report", required=True)
    b = sub.add_parser("bulletin", help="“三个一批”月度或季度通报")
    b.add_argument("--period", required=True, help="月份 2021-09 或季度 2021-Q3")
    b.add_argument("--format", default="docx", choices=FORMATS)
    b.add_argument("--out", required=True, help="输出文件")
    b.add_argument("--data", help="数据（.gpkg 文件或 postgresql:// 地址；默认 $ZONEMAP_DATA）")
    b.add_argument("--scope", help="范围：市（140700、晋中市）或开发区（编号或名称）；默认全省")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        period = parse_period(args.period)
    except ValueError as exc:
        print(f"用法错误：{exc}", file=sys.stderr)
        return 2
    try:
        store = open_store(args.data)
        frames, history = store.read_all(), store.history()
        scope = resolve_scope(args.scope, frames["zones"])
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"用法错误：{exc}", file=sys.stderr)
        return 2
    bulletin = bulletin_figures(frames, history, period, scope)
    try:
        out = write_bulletin(bulletin, args.format, Path(args.out))
    except (OSError, RuntimeError) as exc:
        log.error("bulletin not written: %s", exc)
        print(f"未能写出文件 {Path(args.out).name}：{exc if isinstance(exc, RuntimeError) else '目录不存在或无权写入'}",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"已生成 {out}：{scope.name}{period.label}通报")
    return 0
