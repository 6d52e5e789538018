"""``python -m geodata import FILE --layer parcels --as NAME``: a nightly load under an account's scope.

The same steps as the 数据管理 page: read and check the file (``prepare``),
refuse it when the check fails, then write it in one transaction through the
store, which checks every row against the account's scope and audits the
import under the account's username. Exit 0 written, 1 refused (the message
says why), 2 usage. The account must exist and have a role; no password is
asked: whoever can run this command on the server can already read the data
file, so the command's guard is the operating system's, and the audit names
the account the load was run for.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from access.accounts import AccountsError, load_accounts
from geodata.cliargs import ChineseParser
from geodata.dataset import load_dataset
from geodata.io.imports import IMPORT_LAYERS, ImportOptions, commit_import, prepare
from geodata.io.matching import read_decisions
from geodata.io.sources import SourceError
from geodata.store import StoreError, open_store

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    p = ChineseParser(prog="python -m geodata import", description="以某个账户的权限导入文件（全部或全不）")
    p.add_argument("path", metavar="文件", help="要导入的文件")
    p.add_argument("--layer", default="parcels", choices=IMPORT_LAYERS)
    p.add_argument(
        "--as", dest="account", metavar="用户名", required=True, help="以哪个账户导入（用户名；审计记录此账户）"
    )
    p.add_argument("--zone", metavar="开发区", help="整个文件的所属开发区（编号、名称或简称）")
    p.add_argument("--crs", metavar="坐标系", help="坐标系（默认自动识别），如 EPSG:4546")
    p.add_argument("--encoding", choices=("UTF-8", "GBK"), help="Shapefile/CSV 文字编码（默认自动识别）")
    p.add_argument("--data", metavar="数据", help="数据（.gpkg 文件或 postgresql:// 地址；默认 $ZONEMAP_DATA）")
    p.add_argument("--decide", action="append", default=[], metavar="行号=合并|新增|跳过",
                   help="疑似重复的处理（可重复）；只写 合并|新增|跳过 则用于所有未指定的行；默认跳过")  # fmt: skip
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        account = load_accounts().get(args.account)
    except AccountsError as exc:
        print(f"未导入：{exc}", file=sys.stderr)
        return 1
    if account is None or account.scope is None:
        why = "不存在" if account is None else "尚未设置角色（请先运行 python -m access.accounts migrate 或 set-scope）"
        print(f"未导入：账户“{args.account}”{why}", file=sys.stderr)
        return 1
    if not Path(args.path).is_file():
        print(f"用法错误：文件不存在：{Path(args.path).name}", file=sys.stderr)
        return 2
    try:
        store = open_store(args.data)
        data = load_dataset(store)
        existing = {n: data.layer(n) for n in ("admin", "zones", "parcels", "projects", "chains", "rounds")}
        try:
            decisions = read_decisions(args.decide)
        except ValueError as exc:
            print(f"用法错误：--decide {exc}", file=sys.stderr)
            return 2
        options = ImportOptions(encoding=args.encoding, crs=args.crs, zone=args.zone, decisions=decisions)
        plan = prepare(args.path, args.layer, existing, options)
        if not plan.ok:
            for finding in plan.errors[:20]:
                print(f"[错误] {finding}", file=sys.stderr)
            print(f"未导入：检查未通过（{len(plan.errors)} 个错误），未写入任何数据。", file=sys.stderr)
            return 1
        import_id = commit_import(store, plan, account.username, scope=account.scope)
    except (SourceError, StoreError) as exc:
        print(f"未导入：{exc}", file=sys.stderr)
        return 1
    s = plan.summary()
    print(f"已导入 {import_id}：新增 {s['new']}，更新 {s['updated']}，不变 {s['unchanged']}，"
          f"跳过疑似重复 {s['skipped']}（账户 {account.username}）")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
