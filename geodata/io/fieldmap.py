"""Mapping a file's columns to the schema, and reading its values the way people write them.

Land-bureau files name columns with pinyin initials (DKMC 地块名称, DKBH 地块编号,
QLR 权利人, MJ 面积, YT 用途, ZT 状态 …), with Chinese names (often with a
unit: “面积（公顷）”) or English ones. :func:`suggest_mapping` proposes a
schema field for each column from :data:`ALIASES`, the Chinese labels and the
field names; the user corrects it. :func:`convert_column` reads values:
是/否/√/×, 工业用地/M1, 2023年5月1日, “1,234.5 亩”, 公顷 and 平方米 to 亩,
万元 to 亿元 — and says, row by row, what it could not read.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd

from domain.labels import LABELS, label
from domain.units import MU_PER_HECTARE, m2_to_mu
from domain.values import is_blank
from geodata.schema import SCHEMAS, Field

# Known column names per field (compared after normalising: lower case, no spaces, brackets or units).
ALIASES: dict[str, tuple[str, ...]] = {
    "parcel_id": ("dkbh", "dkdm", "zdbh", "宗地编号", "地块代码", "bh", "编号", "宗地号", "zdh", "地块号", "dkh"),
    "parcel_code": ("zddm", "宗地代码", "宗地统一代码", "不动产单元号"),
    "supervision_no": ("dzjgh", "电子监管号", "合同电子监管号", "监管号", "jgh"),
    "zone_id": ("kfqbh", "kfqdm", "kfq", "开发区", "所属开发区", "园区", "所属园区", "yqmc"),
    "name": ("dkmc", "zdmc", "宗地名称", "地块名称", "名称", "mc", "xmmc", "项目名称", "kfqmc", "开发区名称"),
    "area_mu": ("mj", "dkmj", "zdmj", "面积", "地块面积", "宗地面积", "用地面积", "tdmj", "area", "mjmu", "mjm2",
                "mjgq"),
    "registered_area_mu": ("djmj", "登记面积", "dkdjmj", "zddjmj"),
    "land_use": ("yt", "tdyt", "用途", "土地用途", "用地性质", "规划用途", "dlmc", "地类", "地类名称", "ydxz", "dlbm",
                "地类编码", "地类代码", "用地分类", "用地类型", "ydlx", "ydfl", "用途代码", "规划用地性质"),
    "supply_status": ("zt", "gyzt", "状态", "供应状态", "供地状态", "地块状态"),
    "land_holder": ("qlr", "权利人", "受让人", "srr", "土地使用权人", "使用权人", "用地单位"),
    "is_standard_land": ("bzd", "sfbzd", "是否标准地"),
    "invest_intensity": ("tzqd", "投资强度"),
    "plot_ratio": ("rjl", "容积率"),
    "tax_per_mu": ("mjss", "亩均税收"),
    "actual_year": ("sjnd", "tjnd", "实绩年度", "统计年度", "税收年度"),
    "tax_paid_wan": ("sjsj", "实缴税金", "实缴税款", "实缴税收", "纳税总额", "税收总额"),
    "revenue_wan": ("yysr", "营业收入", "主营业务收入", "销售收入"),
    "energy_intensity": ("nhbz", "能耗", "能耗标准", "单位能耗"),
    "land_price": ("crjk", "cjjg", "出让价款", "划拨价款", "出让或划拨价款", "成交价", "成交价格", "出让金"),
    "listed_date": ("gprq", "挂牌日期", "挂牌时间", "公告日期"),
    "contract_date": ("crhtrq", "出让合同签订日期", "合同签订日期", "出让合同日期", "签订日期", "出让日期"),
    "delivered_date": ("jdrq", "交地日期", "交地时间", "实际交地日期"),
    "agreed_start_date": ("ydkgrq", "约定开工日期", "约定动工时间"),
    "actual_start_date": ("sjkgrq", "实际开工日期", "实际动工时间", "开工日期"),
    "work_stopped_date": ("tgrq", "停工时间"),
    "chain": ("cyl", "产业链", "所属产业链", "行业"),
    "note": ("bz", "备注", "说明", "description", "remark"),
    "project_id": ("xmbh", "xmdm", "项目代码", "项目编码"),
    "enterprise": ("qymc", "企业名称", "建设单位", "投资主体", "qy"),
    "is_chain_leader": ("lz", "链主", "是否链主"),
    "stage": ("jd", "xmjd", "项目阶段", "项目状态", "状态"),
    "round_id": ("pc", "批次", "活动批次"),
    "investment_yi": ("ztz", "总投资", "投资额", "计划总投资", "tze"),
    "signed_date": ("qyrq", "签约时间"),
    "started_date": ("kgrq", "开工时间"),
    "producing_date": ("tcrq", "投产时间"),
    "land_need_mu": ("ydmj", "用地需求", "需求面积", "用地规模"),
    "short_name": ("jc", "简称"),
    "level": ("jb", "级别", "开发区级别"),
    "zone_type": ("lx", "类型", "开发区类型"),
    "city_adcode": ("sdm", "所在市", "市代码"),
    "county_adcode": ("xzqdm", "xdm", "县代码", "行政区代码"),
    "planned_area_km2": ("ghmj", "规划面积", "核准面积"),
    "leading_chains": ("zdcy", "主导产业"),
}  # fmt: skip
# Shapefile field names (≤ 10 ASCII characters) where the first ASCII alias is not the right one.
SHP_OVERRIDES: dict[str, dict[str, str]] = {
    "zones": {"zone_id": "KFQDM", "name": "KFQMC", "parent_id": "SJKFQ"},
    "parcels": {"zone_id": "KFQBH", "name": "DKMC"},
    "projects": {"zone_id": "KFQBH", "name": "XMMC", "chain": "CYL", "parcel_id": "DKBH", "stage": "XMJD"},
}
SHP_EXTRA: dict[str, str] = {
    "water_supply": "TS", "drainage": "PS", "power": "TD", "road": "TL", "telecom": "TX", "gas": "TQ",
    "heat": "RL", "leveling": "PZ", "assess_energy": "PG_NP", "assess_env": "PG_HP", "assess_flood": "PG_FH",
    "assess_soil_water": "PG_SB", "assess_water_resources": "PG_SZY", "assess_minerals": "PG_KC",
    "assess_geohazard": "PG_DZ", "assess_seismic": "PG_DA", "assess_heritage": "PG_WW", "outline_source": "JHLY",
    "source": "LY", "work_stopped_date": "TGRQ", "delay_cause": "CYYY", "developed_share": "KFZB",
    "invested_share": "TZZB", "leading_chains": "ZDCY", "is_standard_land": "BZD", "parcel_code": "ZDDM",
    "supervision_no": "DZJGH", "registered_area_mu": "DJMJ",
}  # fmt: skip
# Spellings of allowed values besides the code and its Chinese label.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "land_use": {"工业": "industrial_land", "m1": "industrial_land", "m2": "industrial_land", "m3": "industrial_land",
                 "工矿仓储用地": "industrial_land", "仓储": "logistics_land", "物流": "logistics_land",
                 "物流仓储用地": "logistics_land", "w": "logistics_land", "w1": "logistics_land",
                 "商业": "commercial_land", "商服": "commercial_land", "商业服务业设施用地": "commercial_land",
                 "b": "commercial_land", "混合": "mixed_land", "新型产业": "mixed_land", "m0": "mixed_land"},
    "supply_status": {"储备": "reserve", "未供": "reserve", "未供应": "reserve", "挂牌": "listed", "招拍挂": "listed",
                      "出让": "sold", "已供": "sold", "已供应": "sold", "已签合同": "sold", "动工": "started",
                      "开工": "started", "在建": "started", "已开工": "started", "投产": "producing",
                      "已建成": "producing", "建成": "producing"},
    "stage": {"签约": "signed", "已签约": "signed", "开工": "started", "已开工": "started", "在建": "started",
              "投产": "producing", "已投产": "producing", "竣工投产": "producing"},
    "level": {"国家级": "national", "国家": "national", "省级": "provincial", "省": "provincial"},
    "delay_cause": {"政府": "government", "政府原因": "government", "企业": "holder", "企业原因": "holder",
                    "不可抗力": "force_majeure", "自然灾害": "force_majeure", "受让人": "holder"},
}  # fmt: skip
TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有", "已", "已通", "已完成", "完成", "通", "t", "1.0"}
FALSE = {"否", "n", "no", "false", "0", "×", "✗", "无", "未", "未通", "未完成", "不", "f", "0.0", ""}
_UNIT_RE = re.compile(r"[（(]([^)）]*)[)）]$")


def normalize(name: str) -> str:
    """Compare-key of a column name: NFKC, lower case, no spaces, brackets, underscores or units."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    text = _UNIT_RE.sub("", text)
    return re.sub(r"[\s_\-:：()（）]", "", text)


def column_unit(name: str) -> str | None:
    """The unit written in a column name: “面积（公顷）” → 公顷, “MJ_M2” → 平方米."""
    text = unicodedata.normalize("NFKC", str(name)).lower()
    for unit, marks in (
        ("公顷", ("公顷", "hectare", "_ha", "(ha)")),
        ("平方米", ("平方米", "㎡", "m2", "m²", "sqm")),
        ("亩", ("亩", "_mu", "(mu)")),
        ("万元", ("万元",)),
        ("亿元", ("亿元",)),
        ("平方公里", ("平方公里", "km2", "km²")),
    ):
        if any(m in text for m in marks):
            return unit
    return None


def shp_names(layer: str) -> dict[str, str]:
    """Field → Shapefile column name (≤ 10 ASCII characters, unique, upper case) for ``layer``."""
    out: dict[str, str] = {}
    for f in SCHEMAS[layer].columns:
        name = SHP_OVERRIDES.get(layer, {}).get(f) or SHP_EXTRA.get(f)
        if not name:
            name = next((a for a in ALIASES.get(f, ()) if a.isascii() and len(a) <= 10), f[:10])
        name = name.upper()
        base, n = name, 1
        while name in out.values():
            n += 1
            name = f"{base[: 9 - len(str(n))]}_{n}"
        out[f] = name
    return out


def _keys(layer: str) -> dict[str, str]:
    """Normalised alias → field for a layer (field names, Chinese labels, then ALIASES)."""
    fields = SCHEMAS[layer].columns
    keys: dict[str, str] = {}
    for f in fields:
        keys.setdefault(normalize(f), f)
        keys.setdefault(normalize(label(f)), f)
    for f, name in shp_names(layer).items():  # what our own Shapefiles call them
        keys.setdefault(normalize(name), f)
    for f in fields:
        for alias in ALIASES.get(f, ()):
            keys.setdefault(normalize(alias), f)
    if layer != "zones":  # elsewhere a zone's name names the zone a record belongs to
        keys[normalize("kfqmc")] = keys[normalize("开发区名称")] = "zone_id"
    return keys


def suggest_mapping(columns, layer: str) -> dict[str, str | None]:
    """Each source column → the schema field it most likely holds (None: not imported). One column per field."""
    keys = _keys(layer)
    taken: set[str] = set()
    out: dict[str, str | None] = {}
    for col in columns:
        f = keys.get(normalize(col))
        if f and f not in taken:
            out[col] = f
            taken.add(f)
        else:
            out[col] = None
    return out


def mapping_problems(mapping: dict[str, str | None], layer: str) -> list[str]:
    """Chinese messages for a mapping that cannot work: a field used twice, an unknown field."""
    fields = set(SCHEMAS[layer].columns)
    used: dict[str, list[str]] = {}
    for col, f in mapping.items():
        if f:
            used.setdefault(f, []).append(col)
    out = [f"字段“{col}”对应的“{f}”不是{label(layer)}的字段" for col, f in mapping.items() if f and f not in fields]
    out += [f"“{label(f)}”同时对应了多列：{'、'.join(cols)}" for f, cols in used.items() if len(cols) > 1]
    return out


def read_number(value: object) -> float:
    """“1,234.5 亩” → 1234.5; raises ValueError for text that is not a number."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    text = re.sub(r"\s*(亩|万元|亿元|元|公顷|平方米|平方公里|㎡|m2|%)$", "", text)
    return float(text)


def read_bool(value: object) -> bool:
    """是/否, Y/N, 1/0, √/×, true/false, 已通/未通 …; raises ValueError otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(value)


def read_date(value: object) -> str:
    """ISO date from 2023-05-01, 2023/5/1, 2023.5.1, 2023年5月1日, 20230501 or an Excel date/serial."""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and 20000 < value < 80000:  # Excel serial day number
        return (dt.date(1899, 12, 30) + dt.timedelta(days=int(value))).isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+[\d:]+)?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if not m:
        raise ValueError(value)
    return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()


def read_choice(field: str, allowed: tuple[str, ...], value: object) -> str:
    """An allowed code from its code, its Chinese label or a known spelling; ValueError otherwise."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text in allowed:
        return text
    low = text.lower()
    for code in allowed:
        if low == code.lower() or text == LABELS.get(code) or text == label(code):
            return code
    alias = VALUE_ALIASES.get(field, {}).get(low)
    if alias in allowed:
        return alias
    raise ValueError(value)


def convert_column(f: Field, values: pd.Series, unit: str | None = None) -> tuple[list, list[tuple[int, str]]]:
    """Values of one source column as field ``f`` wants them, and (row index, message) for what failed."""
    out: list = []
    problems: list[tuple[int, str]] = []
    factor = _factor(f, unit)
    for i, value in enumerate(values.tolist()):
        if is_blank(value):
            out.append(None)
            continue
        try:
            if f.dtype in ("float", "int"):
                number = read_number(value) * factor
                out.append(int(number) if f.dtype == "int" and number == int(number) else number)
            elif f.dtype == "bool":
                out.append(read_bool(value))
            elif f.dtype == "date":
                out.append(read_date(value))
            elif f.allowed is not None:
                out.append(read_choice(f.name, f.allowed, value))
            else:
                text = str(value).strip()
                out.append(text[:-2] if f.dtype == "str" and isinstance(value, float) and text.endswith(".0") else text)
        except (ValueError, OverflowError):
            out.append(None)
            problems.append((i, _complaint(f, value)))
    return out, problems


def _factor(f: Field, unit: str | None) -> float:
    """Multiplier from the column's unit to the field's (亩, 亿元 …); 1 when they agree or are unknown."""
    if not unit or unit == f.unit:
        return 1.0
    table = {("公顷", "亩"): MU_PER_HECTARE, ("平方米", "亩"): m2_to_mu(1), ("平方公里", "亩"): 1500,
             ("万元", "亿元"): 1e-4, ("亿元", "万元"): 1e4}  # fmt: skip
    return table.get((unit, f.unit or ""), 1.0)


def _complaint(f: Field, value: object) -> str:
    if f.dtype in ("float", "int"):
        return f"“{value}”不是数字"
    if f.dtype == "bool":
        return f"“{value}”不是是/否（可写 是、否、1、0、√、×）"
    if f.dtype == "date":
        return f"“{value}”不是日期（可写 2024-05-01、2024/5/1、2024年5月1日）"
    allowed = "、".join(label(a) for a in f.allowed or ())
    return f"“{value}”不是允许的取值（{allowed}）"
