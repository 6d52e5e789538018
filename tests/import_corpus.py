"""A corpus of users' files, generated (never committed): every case the importer must survive, with its outcome.

Each :class:`Case` builds one file from the sample data into a folder and says
what ``python -m geodata validate`` (or ``convert``) must answer: exit 0 (can
import / converted), 1 (cannot be read: encoding, CRS, geometry) or 3 (readable
but does not fit the layer yet), and which Chinese words its report must contain.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from domain.coords import wgs84_to_gcj02
from geodata.dataset import Dataset

HOSTILE = '<img src=x onerror="alert(1)">恶意地块</script>'


@dataclass(frozen=True)
class Case:
    name: str
    layer: str
    build: Callable[[Path, Dataset], Path]
    ok: bool
    expect: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: dict = field(default_factory=dict)
    code: int | None = None  # the exit code when not just 0 (ok) or 1 (refused): 3 = readable, does not fit yet
    command: str = "validate"  # or "convert" (to a GeoJSON beside the file)

    @property
    def exit_code(self) -> int:
        return self.code if self.code is not None else 0 if self.ok else 1


# --- building blocks ------------------------------------------------------------------------------------------------


def _parcels(data: Dataset, n: int = 6) -> gpd.GeoDataFrame:
    """``n`` real sample parcels of 综改区晋中园区, as a land bureau would have them (pinyin fields)."""
    p = data.parcels[data.parcels["zone_id"] == "SXZG-JZ"].head(n)
    return gpd.GeoDataFrame(
        {
            "DKBH": [f"JZ-{i:03d}" for i in range(len(p))],
            "DKMC": [f"晋中园区{i + 1}号地块" for i in range(len(p))],
            "KFQMC": "晋中新兴产业园区",
            "QLR": ["山西某某新材料有限公司"] * len(p),
            "YT": "工业用地",
            "ZT": ["储备", "已出让", "挂牌", "已动工", "储备", "投产"][: len(p)],
            "TZQD": ["300", "350.5", "", "400", "280", "300"][: len(p)],
            "BZ": "界址经实测",
        },
        geometry=list(p.geometry.values),
        crs="EPSG:4490",
    )


def _zip(folder: Path, name: str, files: dict[str, bytes]) -> Path:
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for arc, body in files.items():
            zf.writestr(arc, body)
    return path


def _shp_files(frame: gpd.GeoDataFrame, encoding: str, crs: str | None = None, stem: str = "地块") -> dict[str, bytes]:
    """The parts of a Shapefile written by GDAL (encoding as given), by suffix."""
    import tempfile

    frame = frame.to_crs(crs) if crs else frame
    with tempfile.TemporaryDirectory() as tmp:
        pyogrio.write_dataframe(frame, Path(tmp) / "x.shp", encoding=encoding)
        return {f".{p.suffix[1:]}": p.read_bytes() for p in Path(tmp).iterdir() if p.stem == "x"} | {"stem": stem}


def _shp_zip(folder: Path, name: str, parts: dict, drop=(), cpg: bytes | None = None) -> Path:
    stem = parts["stem"]
    files = {f"{stem}{s}": b for s, b in parts.items() if s != "stem" and s not in drop}
    if cpg is not None:
        files[f"{stem}.cpg"] = cpg
    return _zip(folder, name, files)


def _swap(g):
    return shapely.transform(g, lambda c: c[:, ::-1])


def _geojson(folder: Path, name: str, frame: gpd.GeoDataFrame) -> Path:
    path = folder / name
    features = [
        {"type": "Feature", "properties": {k: (None if v is None else v) for k, v in r.items() if k != "geometry"},
         "geometry": None if r["geometry"] is None else shapely.geometry.mapping(r["geometry"])}
        for r in frame.to_dict("records")
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


def _projects_table(data: Dataset) -> pd.DataFrame:
    pr = data.projects.head(5)
    return pd.DataFrame(
        {
            "项目编号": [f"XM-{i}" for i in range(len(pr))],
            "项目名称": [f"示例项目{i}" for i in range(len(pr))],
            "企业名称": "山西某某科技有限公司",
            "所属开发区": list(pr["zone_id"]),
            "项目阶段": ["签约", "开工", "投产", "在建", "已签约"],
            "总投资（万元）": ["120000", "85,000", "5000", "20000", "30000"],
            "签约时间": ["2024年3月18日", "2024/3/18", "2024-03-18", "20240318", "2024.3.18"],
            "经度": [g.x for g in pr.geometry],
            "纬度": [g.y for g in pr.geometry],
        }
    )


# --- hostile files (issue #13): outside files, network, exhaustion, parser corners ---------------------------------

CANARY = "ZONEMAP-CANARY-7f3a9c"  # written into a file beside the corpus; must never reach a report


def canary(folder: Path) -> Path:
    """A server file an attacker wants: an accounts file with a hash-like line carrying :data:`CANARY`."""
    path = folder / "canary_accounts.csv"
    path.write_text(f"username,password\nadmin,pbkdf2_sha256${CANARY}\n")
    return path


def _vrt(folder: Path) -> str:
    target = canary(folder)
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="leak"><SrcDataSource>{target}</SrcDataSource>'
        "<GeometryType>wkbNone</GeometryType></OGRVRTLayer></OGRVRTDataSource>"
    )


def vrt_as_geojson(folder, data):
    path = folder / "vrt.geojson"
    path.write_text(_vrt(folder))
    return path


def vrt_as_kml(folder, data):
    path = folder / "vrt.kml"
    path.write_text(_vrt(folder))
    return path


def vrt_as_json_in_zip(folder, data):
    return _zip(folder, "vrt_in.zip", {"地块.json": _vrt(folder).encode()})


def vrt_in_kmz(folder, data):
    return _zip(folder, "vrt.kmz", {"doc.kml": _vrt(folder).encode()})


def vsicurl_vrt(folder, data):
    path = folder / "ssrf.geojson"
    path.write_text(
        '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/vsicurl/http://127.0.0.1:9/secret.csv'
        "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    return path


def gdalg_json(folder, data):
    path = folder / "pipeline.json"
    target = canary(folder)
    path.write_text(json.dumps({"type": "gdal_streamed_alg", "command_line": f"gdal vector read {target}"}))
    return path


def gpkg_named_geojson(folder, data):
    path = folder / "really_gpkg.geojson"
    pyogrio.write_dataframe(_parcels(data), folder / "tmp_real.gpkg", driver="GPKG")
    path.write_bytes((folder / "tmp_real.gpkg").read_bytes())
    return path


def csv_named_geojson(folder, data):
    path = folder / "csv.geojson"
    path.write_text(canary(folder).read_text())
    return path


def kml_network_link(folder, data):
    path = folder / "netlink.kml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        "<NetworkLink><Link><href>http://127.0.0.1:9/more.kml</href></Link></NetworkLink>"
        f"<Placemark><name>x</name><Point><coordinates>112.5,37.8</coordinates></Point></Placemark>"
        f"<Placemark><name>y</name><description>{canary(folder)}</description></Placemark>"
        "</Document></kml>"
    )
    return path


def xlsx_bomb(folder, data):
    """An .xlsx whose sheet XML expands 1000-fold: refused from the zip directory, before parsing."""
    path = folder / "bomb.xlsx"
    pd.DataFrame({"经度": [112.5], "纬度": [37.8]}).to_excel(path, index=False)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/padding.xml", b" " * (20 * 1024 * 1024))
    return path


def xlsx_too_many_rows(folder, data):
    path = folder / "rows.xlsx"
    n = 150
    pd.DataFrame({"项目编号": [f"R-{i}" for i in range(n)], "经度": [112.5] * n, "纬度": [37.8] * n}).to_excel(
        path, index=False
    )
    return path


def gpkg_endless_view(folder, data):
    """A GeoPackage whose only layer is a recursive view that never ends (stopped by the time limit)."""
    import sqlite3

    path = folder / "endless.gpkg"
    pyogrio.write_dataframe(_parcels(data, 1), path, layer="seed", driver="GPKG")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE VIEW endless AS WITH RECURSIVE c(fid) AS (SELECT 1 UNION ALL SELECT fid + 1 FROM c) "
            "SELECT c.fid AS fid, s.geom AS geom FROM c, seed s"
        )
        conn.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES ('endless', 'features', 'endless', 4490)"
        )
        conn.execute("INSERT INTO gpkg_geometry_columns VALUES ('endless', 'geom', 'MULTIPOLYGON', 4490, 0, 0)")
        conn.execute("DELETE FROM gpkg_contents WHERE table_name = 'seed'")
    return path


def _patched_zip(folder: Path, name: str, local_at: int, central_at: int, value: bytes) -> Path:
    """A zip of a Shapefile with two header bytes changed in every entry (flags or compression method)."""
    path = _shp_zip(folder, name, _shp_files(_parcels(data_holder[0]), "UTF-8", "EPSG:4547"))
    raw = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x03\x04", local_at), (b"PK\x01\x02", central_at)):
        start = 0
        while (i := raw.find(sig, start)) >= 0:
            raw[i + at : i + at + 2] = value
            start = i + 4
    path.write_bytes(bytes(raw))
    return path


data_holder: list = []


def zip_encrypted(folder, data):
    data_holder[:] = [data]
    return _patched_zip(folder, "encrypted.zip", 6, 8, (1).to_bytes(2, "little"))


def zip_method_99(folder, data):
    data_holder[:] = [data]
    return _patched_zip(folder, "aes.zip", 8, 10, (99).to_bytes(2, "little"))


def zip_file_and_folder(folder, data):
    parts = _shp_files(_parcels(data), "UTF-8", "EPSG:4547")
    return _zip(folder, "clash.zip", {"a.shp": parts[".shp"], "a.shp/b.dbf": parts[".dbf"]})


def zip_long_name(folder, data):
    parts = _shp_files(_parcels(data), "UTF-8", "EPSG:4547")
    stem = "地" * 100  # 300 bytes in UTF-8
    return _zip(folder, "long.zip", {f"{stem}{s}": b for s, b in parts.items() if s != "stem"})


def cpg_unknown_codec(folder, data):
    parts = _shp_files(_parcels(data), "GBK", "EPSG:4547")
    return _shp_zip(folder, "cpg_unknown.zip", parts, drop=(".cpg",), cpg=b"NOPE-CODEC-999")


def wkt_nan(folder, data):
    path = folder / "nan.csv"
    frame = _parcels(data, 3).to_crs("EPSG:4490")
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["WKT"] = [shapely.to_wkt(g) for g in frame.geometry]
    table.loc[1, "WKT"] = "POINT (nan nan)"
    table.to_csv(path, index=False)
    return path


def gpkg_table_only(folder, data):
    path = folder / "table_only.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"DKBH": ["A"], "MJ": [1.0]}), path, layer="attrs", driver="GPKG")
    return path


def nul_in_text(folder, data):
    frame = _parcels(data, 3)
    frame.loc[frame.index[0], "DKBH"] = "RTP-\x001"
    frame.loc[frame.index[1], "BZ"] = "备注\x07响铃"
    path = folder / "nul.csv"
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["WKT"] = [shapely.to_wkt(g) for g in frame.geometry]
    table.to_csv(path, index=False)
    return path


# --- the cases ------------------------------------------------------------------------------------------------------


def shp_gbk_gk_prefix(folder, data):  # the 国土 classic: GBK, no .cpg, no .prj, 3° zone with prefix
    return _shp_zip(folder, "国土_地块_GK38.zip", _shp_files(_parcels(data), "GBK", "EPSG:4526"), drop=(".cpg", ".prj"))


def shp_utf8_declared(folder, data):
    return _shp_zip(folder, "utf8.zip", _shp_files(_parcels(data), "UTF-8", "EPSG:4547"))


def shp_cpg_lies(folder, data):
    parts = _shp_files(_parcels(data), "GBK", "EPSG:4547")
    return _shp_zip(folder, "cpg_wrong.zip", parts, drop=(".cpg",), cpg=b"UTF-8")


def shp_gk_no_prefix_no_prj(folder, data):
    return _shp_zip(folder, "cm114.zip", _shp_files(_parcels(data), "GBK", "EPSG:4547"), drop=(".prj", ".cpg"))


def shp_xian80(folder, data):
    return _shp_zip(folder, "xian80.zip", _shp_files(_parcels(data), "GBK", "EPSG:2383"), drop=(".cpg",))


def shp_no_dbf(folder, data):
    return _shp_zip(folder, "no_dbf.zip", _shp_files(_parcels(data), "GBK"), drop=(".dbf",))


def shp_no_shx(folder, data):
    return _shp_zip(folder, "no_shx.zip", _shp_files(_parcels(data), "GBK"), drop=(".shx",))


def shp_no_shp(folder, data):
    return _shp_zip(folder, "no_shp.zip", _shp_files(_parcels(data), "GBK"), drop=(".shp", ".shx"))


def zip_slip(folder, data):
    parts = _shp_files(_parcels(data), "UTF-8")
    return _zip(folder, "slip.zip", {"../../evil.shp": parts[".shp"], "a.dbf": parts[".dbf"]})


def zip_bomb(folder, data):
    return _zip(folder, "bomb.zip", {"a.shp": b"\0" * (30 * 1024 * 1024)})


def too_big(folder, data):
    path = folder / "big.geojson"
    path.write_bytes(b" " * 300_000)
    return path


def empty_file(folder, data):
    path = folder / "empty.geojson"
    path.write_bytes(b"")
    return path


def no_features(folder, data):
    path = folder / "none.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    return path


def swapped_lonlat(folder, data):
    frame = _parcels(data)
    frame["geometry"] = [_swap(g) for g in frame.geometry]
    return _geojson(folder, "latlon.geojson", frame)


def _bowtie(data):
    frame = _parcels(data, 3)
    x0, y0, x1, y1 = frame.geometry.iloc[0].bounds
    frame.loc[frame.index[0], "geometry"] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    return frame


def self_intersecting(folder, data):
    return _geojson(folder, "bowtie.geojson", _bowtie(data))


def mixed_types(folder, data):
    frame = _parcels(data, 3)
    g = frame.geometry.iloc[1]
    frame.loc[frame.index[1], "geometry"] = shapely.LineString(list(g.exterior.coords if hasattr(g, "exterior") else
                                                                   g.geoms[0].exterior.coords))  # fmt: skip
    frame.loc[frame.index[2], "geometry"] = g.centroid
    return _geojson(folder, "mixed.geojson", frame)


def outside_shanxi(folder, data):
    frame = _parcels(data, 3)
    frame["geometry"] = [shapely.affinity.translate(g, 4.0, 2.5) for g in frame.geometry]  # near Beijing
    return _geojson(folder, "beijing.geojson", frame)


def one_row_outside(folder, data):
    frame = _parcels(data)
    frame.loc[frame.index[0], "geometry"] = shapely.affinity.translate(frame.geometry.iloc[0], 3.0, 0)
    return _geojson(folder, "one_outside.geojson", frame)


def duplicate_ids(folder, data):
    frame = _parcels(data)
    frame.loc[frame.index[1], "DKBH"] = frame["DKBH"].iloc[0]
    return _geojson(folder, "dup.geojson", frame)


def not_numbers(folder, data):
    frame = _parcels(data)
    frame.loc[frame.index[2], "TZQD"] = "约三百"
    return _geojson(folder, "nan.geojson", frame)


def hostile_text(folder, data):
    frame = _parcels(data, 3)
    frame.loc[frame.index[0], "DKMC"] = HOSTILE
    frame.loc[frame.index[1], "BZ"] = "javascript:alert(1)"
    return _geojson(folder, "hostile.geojson", frame)


def gcj02_lonlat(folder, data):
    frame = _parcels(data)
    coords = shapely.get_coordinates(frame.geometry.values)
    lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
    frame["geometry"] = shapely.set_coordinates(frame.geometry.values.copy(), np.column_stack([lon, lat]))
    return _geojson(folder, "amap_gcj02.geojson", frame)


def web_mercator(folder, data):
    frame = _parcels(data).to_crs("EPSG:3857")
    path = folder / "mercator.gpkg"
    pyogrio.write_dataframe(frame, path, layer="dk")
    return path


def _kml(data) -> str:
    frame = _parcels(data, 3)
    marks = []
    for r in frame.to_dict("records"):
        g = r["geometry"].geoms[0] if r["geometry"].geom_type == "MultiPolygon" else r["geometry"]
        ring = " ".join(f"{x},{y},0" for x, y in g.exterior.coords)
        extra = "".join(f'<Data name="{k}"><value>{r[k]}</value></Data>' for k in ("DKBH", "YT", "ZT", "KFQMC"))
        marks.append(
            f"<Placemark><name>{r['DKMC']}</name><ExtendedData>{extra}</ExtendedData>"
            f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs>"
            "</Polygon></Placemark>"
        )
    return ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<name>奥维导出</name><Folder><name>地块</name>{''.join(marks)}</Folder></Document></kml>")  # fmt: skip


def kml_ovital(folder, data):
    path = folder / "奥维地块.kml"
    path.write_text(_kml(data), encoding="utf-8")
    return path


def kmz(folder, data):
    return _zip(folder, "地块.kmz", {"doc.kml": _kml(data).encode()})


def excel_projects(folder, data):
    path = folder / "三个一批项目.xlsx"
    _projects_table(data).to_excel(path, index=False)
    return path


def csv_gbk_projects(folder, data):
    path = folder / "项目_gbk.csv"
    path.write_bytes(_projects_table(data).to_csv(index=False).encode("gbk"))
    return path


def excel_parcels_wkt_surveyor(folder, data):
    frame = _parcels(data).to_crs("EPSG:4526")  # X = north, Y = east: the surveyors' order, in WKT
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["WKT"] = [_swap(g).wkt for g in frame.geometry]
    path = folder / "台账_界址.xlsx"
    table.to_excel(path, index=False)
    return path


def excel_parcels_points(folder, data):
    frame = _parcels(data)
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["经度"] = [g.centroid.x for g in frame.geometry]
    table["纬度"] = [g.centroid.y for g in frame.geometry]
    path = folder / "台账_点.xlsx"
    table.to_excel(path, index=False)
    return path


def garbage_gpkg(folder, data):
    path = folder / "broken.gpkg"
    path.write_bytes(b"this is not a geopackage" * 50)
    return path


def gpkg_many_layers(folder, data):
    path = folder / "other_tool.gpkg"
    pyogrio.write_dataframe(_parcels(data).iloc[0:0], path, layer="empty_layer")
    pyogrio.write_dataframe(_parcels(data), path, layer="宗地", append=False)
    return path


def no_zone_column(folder, data):
    return _geojson(folder, "no_zone.geojson", _parcels(data).drop(columns="KFQMC"))


def unknown_zone(folder, data):
    frame = _parcels(data)
    frame["KFQMC"] = "不存在的开发区"
    return _geojson(folder, "bad_zone.geojson", frame)


def area_in_m2(folder, data):
    frame = _parcels(data)
    frame["MJ"] = [
        round(a * 2000 / 3, 1) for a in data.parcels[data.parcels["zone_id"] == "SXZG-JZ"].head(6)["area_mu"]
    ]
    return _geojson(folder, "mj_m2.geojson", frame)


def our_own_export(folder, data):
    from tests.files import exported

    path = folder / "zonemap_export.zip"
    path.write_bytes(exported(data.parcels, "parcels", "shp", encoding="GBK", crs="EPSG:4547"))
    return path


# --- files land offices actually have (issue #16) -------------------------------------------------------------------

GK38 = "EPSG:4526"  # CGCS2000 3° Gauss-Krüger zone 38, eastings with the zone number in front
JZ_POINT = (38386282.0, 4167923.0)  # inside 晋中新兴产业园区, in GK38
SHAPE = [(0, 150), (120, 110), (170, 10), (110, -120), (-20, -150), (-140, -90), (-160, 40)]  # a heptagon, metres


def ledger_gk(n: int = 3, dx: float = 0, dy: float = 0) -> gpd.GeoDataFrame:
    """A bureau's own export: 地块名称/权利人/状态/面积 (m², row 3 off by 3 %), no id, land use or zone; GK38."""
    x0, y0 = JZ_POINT[0] + dx, JZ_POINT[1] + dy
    geoms = [shapely.Polygon([(x0 + 600 * (i - 1) + x * (1 + 0.1 * i), y0 + y) for x, y in SHAPE]) for i in range(n)]
    areas = [round(g.area * (1.03 if i == 2 else 1.0), 1) for i, g in enumerate(geoms)]
    return gpd.GeoDataFrame(
        {"DKMC": [f"经开区{i + 1}号地块" for i in range(n)],
         "QLR": ["山西某某材料有限公司", "", "晋中某某物流有限公司"][:n],
         "ZT": ["储备", "已出让", "挂牌"][:n], "MJ": areas},
        geometry=geoms, crs=GK38,
    )  # fmt: skip


def gk_reference_mu(frame: gpd.GeoDataFrame) -> list[float]:
    """The planar area of each shape in its Gauss-Krüger projection, in 亩 (the tests' reference)."""
    return [g.area * 3 / 2000 for g in frame.geometry]


def _bureau_shp(folder: Path, name: str, frame: gpd.GeoDataFrame) -> Path:
    parts = _shp_files(frame, "GBK")  # GDAL writes GK38's .prj, which is dropped: the 国土 way
    return _shp_zip(folder, name, parts | {"stem": "供地台账"}, drop=(".cpg", ".prj"))


def bureau_ledger(folder, data):  # the file: GBK, no .cpg/.prj, zone-prefixed GK, no id/land use/zone
    return _bureau_shp(folder, "供地台账_GK38.zip", ledger_gk())


def bureau_ledger_far(folder, data):  # the same parcels 30 km east of every zone outline
    return _bureau_shp(folder, "供地台账_区外.zip", ledger_gk(dx=32_000))


def bureau_ledger_near(folder, data):  # just outside the zone outlines (within 2 km of the nearest)
    return _bureau_shp(folder, "供地台账_区边.zip", ledger_gk(dx=3_800))


def bureau_land_use_codes(folder, data):
    frame = ledger_gk().assign(YT=["1001", "0702", "100101"], DKBH=["ZD-01", "ZD-02", "ZD-03"])
    return _bureau_shp(folder, "用地用海分类.zip", frame)


def bureau_far_codes(folder, data):  # outside every zone, with 用地用海分类 codes: the page's walk-through
    frame = ledger_gk(dx=32_000).assign(YT=["1001", "0702", "100101"])
    return _bureau_shp(folder, "区外用地代码.zip", frame)


def bureau_no_status(folder, data):
    return _bureau_shp(folder, "无状态.zip", ledger_gk().drop(columns="ZT"))


def boundary_points(frame: gpd.GeoDataFrame, shuffle: bool = False, repeat_start: bool = True) -> pd.DataFrame:
    """A 界址点 table of ``frame`` (GK): 宗地号 on the first row of each parcel only (merged cells), 点号 J1…,
    X = north and Y = east (surveyors' order, zone number in front), the start point repeated at the end."""
    rows = []
    for k, (g, name, area) in enumerate(zip(frame.geometry, frame["DKMC"], frame["MJ"], strict=True)):
        corners = list(g.exterior.coords)[:-1]
        order = list(range(len(corners)))
        if shuffle and k == 0:
            order = [0, 2, 1, *order[3:]]
        if repeat_start:
            order.append(0)
        for j, i in enumerate(order):
            x, y = corners[i]
            rows.append({"宗地号": f"140702-{k + 1:04d}" if j == 0 else None, "点号": f"J{i + 1}",
                         "X": round(y, 3), "Y": round(x, 3), "地块名称": name if j == 0 else None,
                         "宗地面积（平方米）": area if j == 0 else None})  # fmt: skip
    return pd.DataFrame(rows)


def jzd_csv(folder, data):
    path = folder / "界址点坐标.csv"
    path.write_bytes(boundary_points(ledger_gk()).to_csv(index=False).encode("gbk"))
    return path


def jzd_xlsx_unordered(folder, data):
    path = folder / "界址点_乱序.xlsx"
    boundary_points(ledger_gk(), shuffle=True, repeat_start=False).to_excel(path, index=False, sheet_name="界址点")
    return path


def _xls(path: Path, table: pd.DataFrame, sheet: str = "Sheet1") -> Path:
    import xlwt  # writes Excel 97-2003 files (tests only)

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    for j, col in enumerate(table.columns):
        ws.write(0, j, col)
    for i, row in enumerate(table.itertuples(index=False)):
        for j, value in enumerate(row):
            if value is not None and value == value:
                ws.write(i + 1, j, value)
    book.save(str(path))
    return path


def jzd_xls(folder, data):
    return _xls(folder / "勘测定界界址点.xls", boundary_points(ledger_gk()), "界址点成果表")


def xls_ledger(folder, data):
    frame = ledger_gk()
    table = pd.DataFrame(frame.drop(columns="geometry")).assign(WKT=[g.wkt for g in frame.geometry])
    return _xls(folder / "供地台账.xls", table)


def jzd_two_points(folder, data):
    table = boundary_points(ledger_gk(n=2))
    table = table.drop(index=table.index[(table["宗地号"].ffill() == "140702-0002").to_numpy()][2:])
    path = folder / "界址点_缺点.csv"
    table.to_csv(path, index=False)
    return path


def xls_garbage(folder, data):
    path = folder / "旧台账.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 500)
    return path


def xls_bad_header(folder, data):
    path = folder / "坏表头.xls"
    raw = bytearray(xls_ledger(folder, data).read_bytes())
    raw[44:48] = (10**6).to_bytes(4, "little")  # a FAT far longer than the file
    path.write_bytes(bytes(raw))
    return path


def xls_html(folder, data):
    path = folder / "系统导出.xls"
    path.write_text("<html><body><table><tr><td>宗地号</td></tr></table></body></html>", encoding="utf-8")
    return path


def xls_renamed_xlsx(folder, data):
    path = folder / "其实是xlsx.xls"
    path.write_bytes(excel_projects(folder, data).read_bytes())
    return path


def xls_too_many_rows(folder, data):
    n = 150
    table = pd.DataFrame({"项目编号": [f"R-{i}" for i in range(n)], "经度": [112.5] * n, "纬度": [37.8] * n})
    return _xls(folder / "rows.xls", table)


# --- caps, time and temp that a hostile file could beat (issue #27) --------------------------------------------------


def jzd_huge_parcel(folder, data, n: int = 199_999):
    """One 界址点 parcel of ``n`` points (within the record cap): a circle of radius 500 m in GK38, X = north."""
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    table = pd.DataFrame({"宗地号": ["140702-0001"] + [None] * (n - 1), "点号": [f"J{i + 1}" for i in range(n)],
                          "X": np.round(JZ_POINT[1] + 500 * np.sin(angle), 3),
                          "Y": np.round(JZ_POINT[0] + 500 * np.cos(angle), 3)})  # fmt: skip
    path = folder / "界址点_大宗地.csv"
    table.to_csv(path, index=False)
    return path


def kml_folders(folders: int, per: int, start: int = 0) -> str:
    """A KML of ``folders`` folders of ``per`` point placemarks each (inside 晋中), numbered from ``start``."""
    marks = []
    for f in range(folders):
        marks.append(f"<Folder><name>第{f + 1}批</name>")
        for i in range(per):
            k = start + f * per + i
            marks.append(f'<Placemark><name>P{k}</name><ExtendedData><Data name="XMBH"><value>XM-{k}</value></Data>'
                         f"</ExtendedData><Point><coordinates>{112.70 + (k % 500) * 1e-4:.4f},"
                         f"{37.68 + (k // 500) * 1e-4:.4f}</coordinates></Point></Placemark>")  # fmt: skip
        marks.append("</Folder>")
    return ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"{''.join(marks)}</Document></kml>")  # fmt: skip


def kml_schema_folders(folder, data):
    """Nested folders, a <Schema> the placemarks' SchemaData refer to, escaped text, CDATA, a gx: element."""
    path = folder / "schema_folders.kml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" '
        'xmlns:gx="http://www.google.com/kml/ext/2.2"><Document><name>d</name><Schema name="dk" id="dk">'
        '<SimpleField name="DKBH" type="string"/><SimpleField name="MJ" type="double"/></Schema>'
        '<Style id="s"><LineStyle><color>ff0000ff</color></LineStyle></Style><Folder><name>A</name><Placemark>'
        "<name>一号 &amp; &lt;地&gt;</name><description><![CDATA[<b>粗</b> & 细]]></description><styleUrl>#s</styleUrl>"
        '<ExtendedData><SchemaData schemaUrl="#dk"><SimpleData name="DKBH">A-1</SimpleData>'
        '<SimpleData name="MJ">12.5</SimpleData></SchemaData></ExtendedData><Polygon><outerBoundaryIs><LinearRing>'
        "<coordinates>112.7,37.6,0 112.71,37.6,0 112.71,37.61,0 112.7,37.6,0</coordinates></LinearRing>"
        "</outerBoundaryIs></Polygon></Placemark></Folder><Folder><name>B</name><Folder><name>B1</name><Placemark>"
        '<name>二</name><gx:balloonVisibility>1</gx:balloonVisibility><ExtendedData><SchemaData schemaUrl="#dk">'
        '<SimpleData name="DKBH">B-1</SimpleData></SchemaData></ExtendedData><MultiGeometry><Point>'
        "<coordinates>112.8,37.7</coordinates></Point><Point><coordinates>112.81,37.7</coordinates></Point>"
        "</MultiGeometry></Placemark></Folder></Folder></Document></kml>",
        encoding="utf-8",
    )
    return path


def kml_split_over_cap(folder, data):  # 5 folders × 80 at a cap of 100: each folder alone was under it
    path = folder / "分批.kml"
    path.write_text(kml_folders(5, 80), encoding="utf-8")
    return path


def kml_utf16_over_cap(folder, data):  # GDAL reads UTF-16 KML too: the count must see it
    path = folder / "分批_utf16.kml"
    path.write_bytes(kml_folders(5, 80).replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    return path


def kmz_nested_over_cap(folder, data):  # folders in nested documents of a KMZ, 2 × 60 + 1 × 60 under another doc
    inner = kml_folders(2, 60).split("<Document>", 1)[1].rsplit("</Document>", 1)[0]
    other = kml_folders(1, 60, start=1000).split("<Document>", 1)[1].rsplit("</Document>", 1)[0]
    body = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<Document>{inner}</Document><Document><Folder>{other}</Folder></Document></Document></kml>")  # fmt: skip
    return _zip(folder, "嵌套.kmz", {"doc.kml": body.encode()})


def kml_many_folders(folder, data, folders: int = 3000):
    """3 000 folders of one placemark (~600 KB): GDAL's per-folder reads parsed the file 3 000 times."""
    path = folder / "三千文件夹.kml"
    path.write_text(kml_folders(folders, 1), encoding="utf-8")
    return path


def kmz_300k(folder, data):
    """3 folders × 100 000 placemarks (each folder under the default cap of 200 000, the file over it)."""
    return _zip(folder, "三十万.kmz", {"doc.kml": kml_folders(3, 100_000).encode()})


def projects_rows(data, n: int) -> pd.DataFrame:
    """``n`` importable project rows (ids XM-0…), the sample's five repeated."""
    base = _projects_table(data)
    rows = base.iloc[[i % len(base) for i in range(n)]].reset_index(drop=True)
    return rows.assign(项目编号=[f"XM-{i}" for i in range(n)], 项目名称=[f"示例项目{i}" for i in range(n)])


def xls_101_records(folder, data):  # calamine's total_height is the last row's index: 101 read as 100
    return _xls(folder / "101条.xls", projects_rows(data, 101))


def xls_blank_rows(folder, data):
    """90 records below 200 formatted blank rows (cells that exist, with nothing in them)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("项目")
    table = projects_rows(data, 90)
    for i in range(200):
        ws.write(i, 0, None, xlwt.easyxf("font: bold on"))  # a styled BLANK cell
    for j, col in enumerate(table.columns):
        ws.write(200, j, col)
    for i, row in enumerate(table.itertuples(index=False)):
        for j, value in enumerate(row):
            ws.write(201 + i, j, value)
    path = folder / "空行.xls"
    book.save(str(path))
    return path


def xlsx_blank_rows(folder, data):
    """90 records with 200 formatted blank rows among them (pandas counted them against the cap)."""
    import openpyxl
    from openpyxl.styles import Font

    table = projects_rows(data, 90)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(list(table.columns))
    for i, row in enumerate(table.itertuples(index=False)):
        if i == 10:
            for _ in range(200):
                ws.append([None] * len(table.columns))
                ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append(list(row))
    path = folder / "空行.xlsx"
    book.save(path)
    return path


def xlsx_101_records(folder, data):
    path = folder / "101条.xlsx"
    projects_rows(data, 101).to_excel(path, index=False)
    return path


def csv_blank_rows(folder, data):  # 200 lines of empty fields ahead of 90 records
    path = folder / "空行.csv"
    table = projects_rows(data, 90)
    blank = "," * (len(table.columns) - 1) + "\n"
    path.write_text(",".join(table.columns) + "\n" + blank * 200 + table.to_csv(index=False, header=False))
    return path


def csv_101_records(folder, data):
    path = folder / "101条.csv"
    projects_rows(data, 101).to_csv(path, index=False)
    return path


def geojson_101_records(folder, data):
    table = projects_rows(data, 101)
    frame = gpd.GeoDataFrame(table.drop(columns=["经度", "纬度"]), geometry=gpd.points_from_xy(table["经度"],
                             table["纬度"]), crs="EPSG:4490")  # fmt: skip
    return _geojson(folder, "101条.geojson", frame)


def gpkg_101_records(folder, data):
    path = folder / "101条.gpkg"
    pyogrio.write_dataframe(gpd.read_file(geojson_101_records(folder, data)), path, layer="项目", driver="GPKG")
    return path


def shp_101_records(folder, data):
    frame = gpd.read_file(geojson_101_records(folder, data)).rename(columns=lambda c: c[:4] if c != "geometry" else c)
    return _shp_zip(folder, "101条.zip", _shp_files(frame, "UTF-8"))


def shp_dbf_short(folder, data):
    """Three shapes but an attribute table of one record (GDAL read 1 of 3 with no word)."""
    parts = _shp_files(_parcels(data, 3), "UTF-8", "EPSG:4547")
    return _shp_zip(folder, "属性缺行.zip", parts | {".dbf": _shp_files(_parcels(data, 1), "UTF-8")[".dbf"]})


def shp_shx_short(folder, data):
    parts = _shp_files(_parcels(data, 3), "UTF-8", "EPSG:4547")
    return _shp_zip(folder, "索引缺行.zip", parts | {".shx": _shp_files(_parcels(data, 2), "UTF-8")[".shx"]})


def shp_truncated(folder, data):
    """A .shp cut off in its last record (a copy that did not finish)."""
    parts = _shp_files(_parcels(data, 3), "UTF-8", "EPSG:4547")
    return _shp_zip(folder, "截断.zip", parts | {".shp": parts[".shp"][:-40]}, drop=(".shx",))


def zip_endless_gpkg(folder, data):
    """The endless GeoPackage in a zip: unpacked into the temp folder, then the worker is killed on the time limit."""
    inner = gpkg_endless_view(folder, data)
    noise = np.random.default_rng(27).bytes(2_000_000)  # does not compress: within the zip-bomb ratio
    return _zip(folder, "endless.zip", {"endless.gpkg": inner.read_bytes(), "padding.bin": noise})


def jzd_some_swapped(folder, data):
    """A 界址点 table where three points of the second parcel have X and Y the other way round."""
    table = boundary_points(ledger_gk())
    rows = table.index[(table["宗地号"].ffill() == "140702-0002").to_numpy()][:3]
    table.loc[rows, ["X", "Y"]] = table.loc[rows, ["Y", "X"]].to_numpy()
    path = folder / "界址点_部分颠倒.csv"
    table.to_csv(path, index=False)
    return path


FILL_RESERVE = ("--fill", "供应状态=储备")  # 勘测定界 tables say nothing of supply
CAP_100 = {"ZONEMAP_MAX_FEATURES": "100"}

CASES: list[Case] = [
    Case("shp_gbk_gk_prefix", "parcels", shp_gbk_gk_prefix, True, ("GBK", "第38带", "缺少 .prj")),
    Case("shp_utf8_declared", "parcels", shp_utf8_declared, True, ("UTF-8", "按文件声明", "中央经线114°")),
    Case("shp_cpg_lies", "parcels", shp_cpg_lies, True, ("GBK", "内容不符")),
    Case("shp_gk_no_prefix_no_prj", "parcels", shp_gk_no_prefix_no_prj, True, ("中央经线114°", "按坐标数值判断")),
    Case("shp_xian80", "parcels", shp_xian80, True, ("西安80", "误差可达数十米")),
    Case("shp_no_dbf", "parcels", shp_no_dbf, False, ("缺少 .dbf",)),
    Case("shp_no_shx", "parcels", shp_no_shx, True, ("已根据 .shp 重建",)),
    Case("shp_no_shp", "parcels", shp_no_shp, False, ("缺少 .shp",)),
    Case("zip_slip", "parcels", zip_slip, False, ("解压目录之外",)),
    Case("zip_bomb", "parcels", zip_bomb, False, ("压缩比",)),
    Case("too_big", "parcels", too_big, False, ("超过允许的",), env={"ZONEMAP_MAX_UPLOAD_MB": "0.1"}),
    Case("empty_file", "parcels", empty_file, False, ("空的",)),
    Case("no_features", "parcels", no_features, False, ("没有任何记录",)),
    Case("swapped_lonlat", "parcels", swapped_lonlat, True, ("顺序颠倒",)),
    Case("self_intersecting", "parcels", self_intersecting, False, ("几何无效", "自动修复")),
    Case("self_intersecting_repaired", "parcels", self_intersecting, True, ("已修复",), ("--repair",)),
    Case("mixed_types", "parcels", mixed_types, False, ("几何为线", "几何为点")),
    Case("outside_shanxi", "parcels", outside_shanxi, False, ("无法识别坐标系",)),
    Case("one_row_outside", "parcels", one_row_outside, False, ("超出山西省范围",)),
    Case("duplicate_ids", "parcels", duplicate_ids, False, ("重复", "还不能导入"), code=3),
    Case("not_numbers", "parcels", not_numbers, False, ("“约三百”不是数字",), code=3),
    Case("hostile_text", "parcels", hostile_text, True, ("网页标签或脚本",)),
    Case("gcj02_lonlat", "parcels", gcj02_lonlat, True, ("GCJ-02",), ("--crs", "GCJ02")),
    Case("web_mercator", "parcels", web_mercator, True, ("Web 墨卡托",)),
    Case("kml_ovital", "parcels", kml_ovital, True, ("KML",)),
    Case("kmz", "parcels", kmz, True, ("KMZ",)),
    Case("excel_projects", "projects", excel_projects, True, ("Excel", "可以导入")),
    Case("csv_gbk_projects", "projects", csv_gbk_projects, True, ("GBK",)),
    Case("excel_parcels_wkt_surveyor", "parcels", excel_parcels_wkt_surveyor, True, ("第38带", "顺序颠倒")),
    Case("excel_parcels_points", "parcels", excel_parcels_points, False, ("几何为点",)),
    Case("xls_garbage", "parcels", xls_garbage, False, ("不是有效的旧版 Excel",)),
    Case("garbage_gpkg", "parcels", garbage_gpkg, False, ("无法读取",)),
    Case("gpkg_many_layers", "parcels", gpkg_many_layers, True, ("GeoPackage",)),
    Case("no_zone_column", "parcels", no_zone_column, True, ("按位置归入",)),
    Case("unknown_zone", "parcels", unknown_zone, False, ("“不存在的开发区”不存在",), code=3),
    Case("area_in_m2", "parcels", area_in_m2, True, ("按数值大小判断为平方米",)),
    Case("our_own_export", "parcels", our_own_export, True, ("GBK", "中央经线114°")),
    # a land office's own file of parcels zonemap already shows (issue #25)
    Case("jiexiu_standard_land", "parcels", lambda f, d: jiexiu_standard_land(f, d), True,
         ("第37带", "GBK", "[疑似重复] 第 1 条 → 已有地块 JX-2020-1", "新增 0 更新 0 疑似重复 5")),
    Case("jiexiu_hostile_codes", "parcels", lambda f, d: jiexiu_standard_land(f, d, "恶意代码.zip", hostile=True), True,
         ("网页标签或脚本", "新增 0 更新 0 疑似重复 5")),
    # hostile (issue #13)
    Case("vrt_as_geojson", "parcels", vrt_as_geojson, False, ("无法读取",)),
    Case("vrt_as_kml", "parcels", vrt_as_kml, False, ("无法读取",)),
    Case("vrt_as_json_in_zip", "parcels", vrt_as_json_in_zip, False, ("无法读取",)),
    Case("vrt_in_kmz", "parcels", vrt_in_kmz, False, ("无法读取",)),
    Case("vsicurl_vrt", "parcels", vsicurl_vrt, False, ("无法读取",)),
    Case("gdalg_json", "parcels", gdalg_json, False, ("无法读取",)),
    Case("gpkg_named_geojson", "parcels", gpkg_named_geojson, False, ("扩展名与内容不符",)),
    Case("csv_named_geojson", "parcels", csv_named_geojson, False, ("无法读取",)),
    Case("kml_network_link", "parcels", kml_network_link, False, ("KML",)),
    Case("xlsx_bomb", "projects", xlsx_bomb, False, ("压缩比",)),
    Case("xlsx_too_many_rows", "projects", xlsx_too_many_rows, False, ("有 150 条记录，超过 100 条",),
         env={"ZONEMAP_MAX_FEATURES": "100"}),
    Case("gpkg_endless_view", "parcels", gpkg_endless_view, False, ("秒",), env={"ZONEMAP_IMPORT_TIMEOUT_S": "4"}),
    Case("zip_encrypted", "parcels", zip_encrypted, False, ("已加密",)),
    Case("zip_method_99", "parcels", zip_method_99, False, ("不支持的压缩方式",)),
    Case("zip_file_and_folder", "parcels", zip_file_and_folder, False, ("既是文件又是文件夹",)),
    Case("zip_long_name", "parcels", zip_long_name, False, ("文件名过长",)),
    Case("cpg_unknown_codec", "parcels", cpg_unknown_codec, True, ("无法识别", "GBK")),
    Case("wkt_nan", "parcels", wkt_nan, False, ("NaN",)),
    Case("gpkg_table_only", "parcels", gpkg_table_only, False, ("没有几何",)),
    Case("nul_in_text", "parcels", nul_in_text, True, ("控制字符",)),
    # files land offices actually have (issue #16)
    Case("bureau_ledger", "parcels", bureau_ledger, True,
         ("GBK", "第38带", "缺少 .prj", "已按所属开发区和图形生成编号", "全部按“未填”导入", "按位置归入",
          "判断为平方米", "第 3 条", "相差 3.0%")),
    Case("bureau_ledger_far", "parcels", bureau_ledger_far, False,
         ("第 1 条", "第 3 条", "不在任何开发区范围内", "公里", "--zone", "还不能导入"), code=3),
    Case("bureau_ledger_far_zone", "parcels", bureau_ledger_far, True, ("3 条按所选的开发区“晋中新兴产业园区”导入",),
         ("--zone", "晋中新兴产业园区")),
    Case("bureau_ledger_near", "parcels", bureau_ledger_near, True, ("距最近的", "米，已归入该开发区")),
    Case("bureau_ledger_near_too_far", "parcels", bureau_ledger_near, False, ("超过 100 米",), ("--near-m", "100"),
         code=3),
    Case("bureau_land_use_codes", "parcels", bureau_land_use_codes, True,
         ("按用地用海分类 1001 工业用地识别为“工业用地”", "0702 城镇社区服务设施用地", "按“未填”导入")),
    Case("bureau_land_use_mapped", "parcels", bureau_land_use_codes, True, ("可以导入",),
         ("--land-use", "0702=商服用地")),
    Case("bureau_no_status", "parcels", bureau_no_status, False, ("供应状态", "统一取值"), code=3),
    Case("bureau_no_status_filled", "parcels", bureau_no_status, True, ("3 条按统一取值“储备”导入",),
         ("--fill", "供应状态=储备")),
    Case("convert_bureau_far", "parcels", bureau_ledger_far, True,
         ("第38带", "已写出", "area_mu", "导入为地块时还需处理", "不在任何开发区范围内"), command="convert"),
    Case("convert_bowtie", "parcels", self_intersecting, False, ("几何无效", "--repair"), command="convert"),
    Case("convert_bowtie_repaired", "parcels", self_intersecting, True, ("已修复", "已写出"), ("--repair",),
         command="convert"),
    Case("jzd_csv", "parcels", jzd_csv, False, ("CSV 界址点表", "24 个界址点", "3 宗地块", "第38带", "顺序颠倒", "GBK",
                                                "供应状态", "统一取值"), code=3),
    Case("jzd_csv_filled", "parcels", jzd_csv, True, ("3 条按统一取值“储备”导入", "可以导入"), FILL_RESERVE),
    Case("jzd_xlsx_unordered", "parcels", jzd_xlsx_unordered, True, ("未按点号顺序排列，已按点号排序",), FILL_RESERVE),
    Case("jzd_xls", "parcels", jzd_xls, True, ("Excel（.xls） 界址点表", "3 宗地块", "第38带"), FILL_RESERVE),
    Case("jzd_two_points", "parcels", jzd_two_points, False, ("只有 2 个不同的界址点", "没有几何"), FILL_RESERVE),
    Case("xls_ledger", "parcels", xls_ledger, True, ("Excel（.xls）", "第38带", "可以导入")),
    Case("xls_bad_header", "parcels", xls_bad_header, False, ("结构已损坏",)),
    Case("xls_html", "parcels", xls_html, False, ("网页",)),
    Case("xls_renamed_xlsx", "projects", xls_renamed_xlsx, True, ("Excel", "可以导入")),
    Case("xls_too_many_rows", "projects", xls_too_many_rows, False, ("有 150 条记录，超过 100 条",),
         env={"ZONEMAP_MAX_FEATURES": "100"}),
    # caps, time, temp and silent loss (issue #27)
    Case("kml_split_over_cap", "projects", kml_split_over_cap, False, ("有 400 条记录，超过 100 条",), env=CAP_100),
    Case("kml_utf16_over_cap", "projects", kml_utf16_over_cap, False, ("有 400 条记录，超过 100 条",), env=CAP_100),
    Case("kmz_nested_over_cap", "projects", kmz_nested_over_cap, False, ("有 180 条记录，超过 100 条",),
         env=CAP_100),
    Case("xls_101_records", "projects", xls_101_records, False, ("有 101 条记录，超过 100 条",), env=CAP_100),
    Case("xls_blank_rows", "projects", xls_blank_rows, True, ("90 条", "可以导入（新增 90，"), env=CAP_100),
    Case("xlsx_blank_rows", "projects", xlsx_blank_rows, True, ("90 条", "可以导入（新增 90，"), env=CAP_100),
    Case("xlsx_101_records", "projects", xlsx_101_records, False, ("有 101 条记录，超过 100 条",), env=CAP_100),
    Case("csv_blank_rows", "projects", csv_blank_rows, True, ("90 条", "可以导入（新增 90，"), env=CAP_100),
    Case("csv_101_records", "projects", csv_101_records, False, ("有 101 条记录，超过 100 条",), env=CAP_100),
    Case("geojson_101_records", "projects", geojson_101_records, False, ("有 101 条记录，超过 100 条",), env=CAP_100),
    Case("gpkg_101_records", "projects", gpkg_101_records, False, ("有 101 条记录，超过 100 条",), env=CAP_100),
    Case("shp_101_records", "projects", shp_101_records, False, ("有 101 条记录，超过 100 条",), env=CAP_100),
    Case("shp_dbf_short", "parcels", shp_dbf_short, False, ("不完整", "几何（.shp）有 3 条", "属性表（.dbf）有 1 条")),
    Case("shp_shx_short", "parcels", shp_shx_short, False, ("不完整", "索引（.shx）有 2 条")),
    Case("shp_truncated", "parcels", shp_truncated, False, ("不完整", "几何（.shp）有 2 条", "属性表（.dbf）有 3 条")),
    Case("jzd_some_swapped", "parcels", jzd_some_swapped, False, ("第 2 条", "坐标换算为经纬度后无效", "X/Y 颠倒"),
         FILL_RESERVE),
    Case("convert_jzd_some_swapped", "parcels", jzd_some_swapped, False, ("第 2 条", "坐标换算为经纬度后无效"),
         ("--repair",), command="convert"),
]  # fmt: skip


def build_all(folder: Path, data: Dataset) -> dict[str, Path]:
    """Every case's file in ``folder`` (for looking at them by hand)."""
    return {c.name: c.build(folder, data) for c in CASES}


if __name__ == "__main__":  # python -m tests.import_corpus OUT_DIR
    import sys

    from geodata.dataset import load_dataset
    from geodata.store import SAMPLE_PATH, GpkgStore

    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, path in build_all(out, load_dataset(GpkgStore(SAMPLE_PATH))).items():
        print(name, path)


# --- a land office's own file of parcels zonemap already holds (issue #25) ------------------------------------------

JIEXIU_STANDARD = ("JX-2020-1", "JX-2020-2", "JX-2021-1", "JX-2021-2", "JX-2021-3")  # the sample's 介休 标准地


def jiexiu_codes(i: int) -> str:
    """A 19-character 宗地代码 for the ``i``-th 介休 parcel (介休市 140781)."""
    return f"140781004002GB{i + 1:05d}"


def jiexiu_standard_land(
    folder: Path,
    data: Dataset,
    name: str = "介休标准地.zip",
    ids: bool = False,
    codes: bool = True,
    shrink: float = 0.999,
    registered: dict[str, float] | None = None,
    moved: dict[str, float] | None = None,
    extra: bool = False,
    hostile: bool = False,
) -> Path:
    """介休's 标准地 as its land office keeps them: GBK, Gauss-Krüger zone 37 with prefix, no .prj, no .cpg.

    Surveyed shapes: the sample's (schematic) outlines scaled by ``shrink`` about
    their centroids; 登记面积 MJ_MU is the reported figure (127.38 …) unless
    ``registered`` says otherwise; ``moved`` shifts a parcel east by so many metres
    (a changed shape); ``extra`` adds one parcel not in zonemap. DKBH (our ids)
    only with ``ids``; ZDDM (宗地代码) with ``codes``; markup and a formula as codes with ``hostile``.
    """
    p = data.parcels.set_index("parcel_id").loc[list(JIEXIU_STANDARD)]
    geoms = [shapely.affinity.scale(g, shrink, shrink, origin="centroid") for g in p.geometry.values]
    frame = gpd.GeoDataFrame(
        {"DKMC": [f"介休标准地{i + 1}" for i in range(len(p))], "MJ_MU": p["area_mu"].round(2).tolist(),
         "YT": "工业用地", "QLR": "介休某某焦化有限公司", "BZD": "是",
         "ZT": ["已出让" if s == "sold" else "挂牌" for s in p["supply_status"]]},
        geometry=geoms, crs="EPSG:4490",
    )  # fmt: skip
    if ids:
        frame.insert(0, "DKBH", list(JIEXIU_STANDARD))
    if codes:
        frame.insert(0, "ZDDM", [jiexiu_codes(i) for i in range(len(p))])
    if hostile:  # codes as text: escaped on the page, never a formula in the 台账
        frame["ZDDM"] = [HOSTILE[:40], '=HYPERLINK("http://x","y")', "", "140781004002GB00004", "0" * 19]
        frame["DZJGH"] = "<b>1407812020B00123</b>"
    for pid, value in (registered or {}).items():
        frame.loc[JIEXIU_STANDARD.index(pid), "MJ_MU"] = value
    gk = frame.to_crs("EPSG:4525")  # zone 37 with its prefix (X ≈ 37 5xx xxx)
    for pid, metres in (moved or {}).items():
        i = JIEXIU_STANDARD.index(pid)
        gk.geometry.values[i] = shapely.affinity.translate(gk.geometry.values[i], xoff=metres)
    if extra:
        far = shapely.affinity.translate(gk.geometry.values[0], yoff=-1500.0)
        row = {c: gk[c].iloc[0] for c in gk.columns if c != "geometry"} | {"DKMC": "介休标准地新增", "MJ_MU": 88.8}
        if codes:
            row["ZDDM"] = jiexiu_codes(99)
        if ids:
            row["DKBH"] = "JX-2024-1"
        gk = pd.concat([gk, gpd.GeoDataFrame([row], geometry=[far], crs=gk.crs)], ignore_index=True)
        gk = gpd.GeoDataFrame(gk, geometry="geometry", crs="EPSG:4525")
        gk.loc[len(gk) - 1, "MJ_MU"] = round(float(gpd.GeoSeries([far], crs="EPSG:4525").area.iloc[0]) * 0.0015, 2)
    return _shp_zip(folder, name, _shp_files(gk, "GBK", stem="介休标准地"), drop=(".cpg", ".prj"))
