"""The one table of Chinese labels for the UI.

Code speaks English keys; everything a user reads goes through :func:`label`.
Keys are column names and enum values; the same key means the same concept
everywhere (data, code, exports).
"""

from __future__ import annotations

LABELS: dict[str, str] = {
    # layers
    "admin": "行政区划",
    "zones": "开发区",
    "parcels": "地块",
    "projects": "三个一批项目",
    "rounds": "三个一批活动",
    "chains": "产业链",
    # shared columns
    "name": "名称",
    "short_name": "简称",
    "source": "数据来源",
    "note": "备注",
    "outline_source": "边界/位置来源",
    "geometry": "几何",
    # outline_source values
    "schematic": "示意",
    "surveyed": "实测",
    # admin
    "adcode": "行政区划代码",
    "level": "级别",
    "parent_adcode": "上级代码",
    "province": "省",
    "city": "市",
    "county": "县（市、区）",
    # zones
    "zone_id": "开发区编号",
    "parent_id": "所属开发区",
    "zone_type": "开发区类型",
    "national": "国家级",
    "provincial": "省级",
    "industrial": "工业类",
    "agriculture": "现代农业类",
    "eco_tourism": "生态文旅类",
    "city_adcode": "所在市代码",
    "county_adcode": "所在县代码",
    "leading_chains": "主导产业链",
    "planned_area_km2": "规划面积（平方公里）",
    # parcels
    "parcel_id": "地块编号",
    "area_mu": "面积（亩）",
    "registered_area_mu": "登记面积（亩）",
    "parcel_code": "宗地代码",
    "supervision_no": "电子监管号",
    "land_use": "用地性质",
    "industrial_land": "工业用地",
    "logistics_land": "仓储物流用地",
    "commercial_land": "商服用地",
    "mixed_land": "新型产业用地",
    "unfilled": "未填",
    "is_standard_land": "标准地",
    "supply_status": "供应状态",
    "reserve": "储备",
    "listed": "已挂牌",
    "undated": "日期不详",
    "absent": "当日尚无记录",
    "sold": "已出让",
    "started": "已动工",
    "producing": "已投产",
    "supply_ready": "具备供地条件",
    "land_holder": "受让人",
    "water_supply": "通水（给水）",
    "drainage": "排水",
    "power": "通电",
    "road": "通路",
    "telecom": "通讯",
    "gas": "燃气",
    "heat": "热力",
    "leveling": "土地平整",
    "readiness": "基础设施配套",
    "seven_plus_one": "七通一平",
    "five_plus_one": "五通一平",
    "four_plus_one": "四通一平",
    "three_plus_one": "三通一平",
    "not_ready": "未达标",
    "assess_energy": "区域能评",
    "assess_env": "区域规划环评",
    "assess_flood": "防洪影响评价",
    "assess_soil_water": "水土保持",
    "assess_water_resources": "水资源论证",
    "assess_minerals": "压覆重要矿产资源评估",
    "assess_geohazard": "地质灾害危险性评估",
    "assess_seismic": "地震安全性评价",
    "assess_heritage": "文物考古调查",
    "invest_intensity": "投资强度（万元/亩）",
    "plot_ratio": "容积率",
    "tax_per_mu": "亩均税收（万元/亩）",
    "energy_intensity": "能耗标准（吨标准煤/万元）",
    "actual_year": "实绩年度",
    "tax_paid_wan": "实缴税金（万元）",
    "revenue_wan": "营业收入（万元）",
    "land_price": "出让或者划拨价款（万元）",
    "listed_date": "挂牌日期",
    "contract_date": "出让合同签订日期",
    "delivered_date": "交地日期",
    "agreed_start_date": "约定动工日期",
    "actual_start_date": "实际动工日期",
    "work_stopped_date": "停工日期",
    "delay_cause": "迟延原因",
    "government": "政府原因",
    "force_majeure": "自然灾害等不可抗力",
    "holder": "受让人原因",
    "developed_share": "已开发面积占比",
    "invested_share": "已完成投资占比",
    "chain": "产业链",
    # projects
    "project_id": "项目编号",
    "enterprise": "企业",
    "is_chain_leader": "链主企业",
    "stage": "阶段",
    "signed": "签约",
    "in_production": "投产",
    "round_id": "三个一批批次",
    "investment_yi": "总投资（亿元）",
    "signed_date": "签约日期",
    "started_date": "开工日期",
    "producing_date": "投产日期",
    "land_need_mu": "用地需求（亩）",
    # idle land classes (domain.idle)
    "not_idle": "未闲置",
    "idle": "未动工满一年（征缴闲置费）",
    "idle_two_years": "未动工满两年（无偿收回）",
    "government_delay": "政府原因（协商处置）",
    "force_majeure_delay": "不可抗力（协商处置）",
    "stalled": "中止开发满一年（协商处置）",
    "undetermined": "无法判定",
    "not_supplied": "未供应",
    "idle_class": "闲置认定",
    # land stocks and matching candidates (domain.idle, domain.matching)
    "unsold_stock": "储备及已挂牌未出让",
    "candidate_supply_ready": "储备（具备供地条件）",
    "candidate_reserve": "储备（尚不具备供地条件）",
    "candidate_idle_recovery": "未动工满两年闲置土地（无偿收回后供应）",
    "candidate_mixed": "相邻地块组合",
    # land-use indicators (domain.indicators)
    "development_rate": "土地开发率",
    "supply_rate": "土地供应率",
    "built_rate": "土地建成率",
    # 三个一批 tracking
    "signed_not_landed": "签而未落",
    "landed_not_started": "落而未投",
    "started_not_producing": "投未见效",
    "start_rate": "开工率",
    "production_rate": "投产率",
    "efficiency_rate": "平均达效率",
    "completed_investment_share": "开工项目已完成投资占比",
    "start_resume_rate": "开工复工率",
    "investment_completion_rate": "投资完成率",
    "capacity_rate": "项目达产率",
    # rounds
    "label": "名称",
    "kind": "类别",
    "round": "单次活动",
    "period": "阶段汇总",
    "ordinal": "全省第几次",
    "date_start": "起始日期",
    "date_end": "截止日期",
    "signed_count": "签约项目数",
    "signed_invest_yi": "签约总投资（亿元）",
    "signed_then_started_count": "签约项目中已开工数",
    "started_count": "开工项目数",
    "started_invest_yi": "开工总投资（亿元）",
    "started_completed_invest_yi": "开工项目已完成投资（亿元）",
    "started_then_producing_count": "开工项目中已投产数",
    "producing_count": "投产项目数",
    "producing_invest_yi": "投产总投资（亿元）",
    "efficiency_pct": "平均达效率（%）",
    "strategic_share_pct": "战略性新兴产业项目占比（%）",
    # chains
    "key_chain": "重点产业链",
    "strategic_emerging": "战略性新兴产业",
    "batch": "批次",
    # UI words
    "mu": "亩",
    "yi_yuan": "亿元",
    "wan_yuan": "万元",
    "unassigned_chain": "未归链",
    "yes": "是",
    "no": "否",
    "unknown": "—",
}

# Stage values of a project are signed / started / producing; in the context of
# a project the UI says 签约 / 开工 / 投产 rather than the parcel words.
STAGE_LABELS: dict[str, str] = {"signed": "签约", "started": "开工", "producing": "投产"}


def label(key: str | None) -> str:
    """Chinese label for an English key; unknown keys are returned unchanged."""
    if key is None:
        return LABELS["unknown"]
    return LABELS.get(key, key)


def stage_label(stage: str | None) -> str:
    """Chinese word for a project stage (签约/开工/投产)."""
    if stage is None:
        return LABELS["unknown"]
    return STAGE_LABELS.get(stage, stage)
