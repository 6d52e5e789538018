"""Which layout of zonemap's tables a store holds, and the one way up to the current one.

Each store records its layout's number in a one-row table (:data:`TABLE`). A
write transaction that finds an older number brings the store up to
:data:`SCHEMA_VERSION` inside the same transaction, then records it: the steps
are idempotent (create what is missing, add the columns a schema change added),
so a store from any earlier zonemap — even one that recorded no number — is
upgraded once, and a failure leaves it exactly as it was. A store written by a
newer zonemap (a higher number) is refused, for reading and writing alike,
with a sentence that says to upgrade the app: nothing of it is changed.

History (what each number added; the steps live in the two backends):

1. layers, audit table, tours (what zonemap wrote before numbers were kept);
2. tours' ``version`` column, the sessions table (``zonemap_sessions``);
3. parcels' 宗地代码, 电子监管号, 登记面积 and the land office's dates
   (挂牌日期, 出让合同签订日期, 交地日期);
4. parcels' actual figures of a year (实绩年度, 实缴税金, 营业收入) for the 亩均效益 evaluation.
"""

from __future__ import annotations

from geodata.store.errors import StoreError

SCHEMA_VERSION = 4
TABLE = "zonemap_schema"


def refuse_newer(found: int) -> None:
    """Raise :class:`StoreError` when ``found`` is a layout this zonemap does not know."""
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"数据由更新版本的 zonemap 写入（数据结构第 {found} 版，本程序支持到第 {SCHEMA_VERSION} 版）："
            "请升级应用后再打开，数据未改动。"
        )
