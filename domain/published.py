"""Published figures and their citations: what the reports say, with publication and date (docs/sources.md).

Pure data. The sample's records cite these (``source``), and 总览地图's 全省公开数据 sets
:data:`PROVINCE_FIGURES` beside what the data counts. Users never see a file label.
"""

from __future__ import annotations

S0 = "记者闫杰报道：全省开发区“三个一批”活动（2021年10月，数据截至2021年9月底）"
S1 = "《滚动开展“三个一批” 汇聚转型强劲动能》，山西日报，2022-02-28"
S2 = "《项目建设向“新”突破 改革能级持续提升》，科学导报，记者王波，2024年（数据截至2024年3月底）"
S3 = "《使命牵引 向光而行——山西综改示范区奋力谱写“转型蹚新路”新篇章》，杨晓，2023年"
S4 = "《种好“试验田” 集聚新动能——山西综改示范区奋力担当先行者排头兵》，杨咏，2023年"
XINHUA_2021_01_01 = "新华社（太原，2021-01-01）"

PROVINCE_FIGURES = [
    {"key": "zones", "指标": "全省开发区", "数值": "88 家（工业类 69、现代农业类 12、生态文旅类 7）",
     "时点": "2021—2022年", "来源": S0 + "；" + S1},
    {"key": "zones_2023", "指标": "全省开发区", "数值": "93 家", "时点": "2023年11月",
     "来源": S3 + "（来自93家开发区的负责人参加培训）"},
    {"key": "standard_land", "指标": "全省开发区出让“标准地”",
     "数值": "45 宗，4844.89 亩；新增工业用地全部以“标准地”形式出让", "时点": "截至2024年3月底", "来源": S2},
    {"key": "commitment", "指标": "承诺制项目占可实行承诺制项目比例", "数值": "93.41%", "时点": "截至2024年3月底",
     "来源": S2},
    {"key": "agency", "指标": "全代办服务办理项目数占符合领办代办项目数比例", "数值": "89.32%",
     "时点": "截至2024年3月底", "来源": S2},
]  # fmt: skip
