"""Reading users' GIS files safely: format, archive, Shapefile parts and text encoding.

:func:`read_source` takes a path (zipped Shapefile, ``.shp`` with its side
files, GeoPackage, KML/KMZ, GeoJSON, Excel ``.xlsx`` or CSV with coordinate or
WKT columns, old Excel ``.xls``, and 界址点 tables — one row per boundary point,
see :mod:`geodata.io.boundary`) and returns a :class:`RawSource`: the features as they are in the
file (no reprojection), the declared CRS, the detected text encoding and what
was noticed on the way. Everything that goes wrong raises :class:`SourceError`
with a Chinese message; nothing is written outside a private temp folder.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import re
import shutil
import tempfile
import uuid
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import python_calamine
import shapely

from domain.values import is_blank
from geodata.io import boundary, gdal, kml
from geodata.io.sandbox import SandboxError, SandboxLimits, run_limited
from geodata.settings import env_number

log = logging.getLogger(__name__)
MB = 1024 * 1024
FORMATS = {
    ".zip": "Shapefile（zip）",
    ".shp": "Shapefile",
    ".gpkg": "GeoPackage",
    ".kml": "KML",
    ".kmz": "KMZ",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".xlsx": "Excel",
    ".xls": "Excel（.xls）",
    ".csv": "CSV",
}
ENCODINGS = ("UTF-8", "GBK")  # what users pick from; GB18030 is read for GBK (a superset)
SHAPE_PARTS = {".shp": "几何", ".shx": "索引", ".dbf": "属性表"}
# Column names that hold coordinates or WKT in tables (normalised: lower case, no spaces).
X_NAMES = ("经度", "lon", "lng", "long", "longitude", "x", "x坐标", "横坐标", "东坐标", "东", "e", "easting", "xm",
           "x坐标m", "横坐标y", "jzdx")  # fmt: skip
Y_NAMES = ("纬度", "lat", "latitude", "y", "y坐标", "纵坐标", "北坐标", "北", "n", "northing", "ym", "y坐标m",
           "纵坐标x", "jzdy")  # fmt: skip
WKT_NAMES = ("wkt", "geometry", "geom", "几何", "shape")


class SourceError(Exception):
    """The file cannot be read; the message says why, in Chinese."""


@dataclass(frozen=True)
class Limits:
    """Size limits for uploads (MB) and archives; from ``$ZONEMAP_MAX_UPLOAD_MB`` and ``$ZONEMAP_MAX_UNZIP_MB``."""

    upload_mb: float = 100
    unzip_mb: float = 500
    members: int = 2000
    ratio: float = 200  # uncompressed / compressed beyond this is a zip bomb
    features: int = 200_000  # records (features, table rows) in one file

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            env_number("ZONEMAP_MAX_UPLOAD_MB", 100),
            env_number("ZONEMAP_MAX_UNZIP_MB", 500),
            features=int(env_number("ZONEMAP_MAX_FEATURES", 200_000)),
        )


@dataclass
class RawSource:
    """Features as read from a file, before any mapping or reprojection."""

    frame: gpd.GeoDataFrame  # source columns + geometry (file coordinates)
    fmt: str  # a FORMATS value
    declared_crs: str | None = None  # WKT/EPSG of what the file declares, if anything
    encoding: str | None = None  # text encoding used for attributes (None when not applicable)
    encoding_reason: str = ""
    layer_name: str | None = None  # the layer or sheet read
    layers: tuple[str, ...] = ()  # every layer the file has
    notes: list[str] = field(default_factory=list)  # warnings noticed while reading
    info: list[str] = field(default_factory=list)  # what was done while reading (not a problem)


def read_source(
    path: str | os.PathLike,
    layer: str | None = None,
    encoding: str | None = None,
    limits: Limits | None = None,
    name: str | None = None,
    sandbox: SandboxLimits | None = None,
) -> RawSource:
    """Read ``path`` (see module doc) in the sandboxed worker (:mod:`geodata.io.sandbox`).

    ``layer`` picks a layer/sheet; ``encoding`` overrides detection; ``name`` is
    the user's file name when ``path`` is a temp copy (it decides the format).
    Parsing runs in a separate process with a memory cap and a time limit, so a
    hostile file costs the server neither memory nor a core for long.
    """
    limits = limits or Limits.from_env()
    tmp = tempfile.mkdtemp(prefix=TEMP_PREFIXES[0])  # this process owns it: a killed worker cannot leave it behind
    try:
        return run_limited(read_source_here, str(path), layer, encoding, limits, name, tmp, limits=sandbox)
    except SandboxError as exc:
        raise SourceError(str(exc)) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_source_here(
    path: str | os.PathLike,
    layer: str | None = None,
    encoding: str | None = None,
    limits: Limits | None = None,
    name: str | None = None,
    tmp: str | None = None,
) -> RawSource:
    """:func:`read_source` in this process (the worker calls this). Any failure is a :class:`SourceError`.

    Archives are unpacked into ``tmp`` (an empty folder the caller removes), else into a folder of its own.
    """
    own = tempfile.TemporaryDirectory(prefix=TEMP_PREFIXES[0]) if tmp is None else contextlib.nullcontext(tmp)
    with unforeseen(name or Path(path).name, "读取"), own as folder:
        src = _read_source(Path(path), layer, encoding, limits or Limits.from_env(), name, Path(folder))
    _clean_text(src)
    return src


@contextlib.contextmanager
def unforeseen(name: str, doing: str):
    """A failure no check foresaw while ``doing`` (读取, 检查, 转换) the file ``name``: a Chinese :class:`SourceError`.

    The traceback goes to the log under an error id the message gives; SourceError and MemoryError pass as they are.
    """
    try:
        yield
    except (SourceError, MemoryError):
        raise
    except Exception as exc:
        ref = uuid.uuid4().hex[:8]
        log.exception("%s %s failed (error id %s)", doing, name, ref)
        raise SourceError(f"无法{doing}文件“{_shown(name)}”：文件已损坏或内容与格式不符（错误编号 {ref}）。") from exc


def _read_source(
    path: Path, layer: str | None, encoding: str | None, limits: Limits, name: str | None, tmp: Path
) -> RawSource:
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        known = "、".join(sorted(set(FORMATS)))
        raise SourceError(
            f"不支持的文件类型“{suffix or name}”。支持：{known}（Shapefile 请连同 .shx/.dbf/.prj 打包为 zip）。"
        )
    if not path.exists():
        raise SourceError(f"文件不存在：{name}")
    size = path.stat().st_size
    if size == 0:
        raise SourceError(f"文件“{name}”是空的（0 字节）。")
    if size > limits.upload_mb * MB:
        raise SourceError(f"文件“{name}”有 {size / MB:.1f} MB，超过允许的 {limits.upload_mb:g} MB。")
    if suffix == ".zip":
        return _read_zip(path, tmp, layer, encoding, limits)
    if suffix == ".kmz":
        return _read_kmz(path, tmp, layer, limits)
    if suffix == ".shp":
        return _read_shapefile(path, layer, encoding, limits)
    if suffix == ".xls" and check_ole2(path, name) == "zip":  # an .xlsx renamed .xls: read as what it is
        suffix = ".xlsx"
    if suffix == ".xlsx":
        check_archive(path, limits, "Excel 文件")
    if suffix in (".xlsx", ".xls", ".csv"):
        return _read_table(path, suffix, layer, encoding, limits)
    return _read_ogr(path, FORMATS[suffix], layer, limits, suffix, tmp)


EXPORT_TEMP_PREFIX = "zonemap-export-"  # exports being written (geodata.io.export, ui.exports)
TEMP_PREFIXES = ("zonemap-import-", "zonemap-upload-", EXPORT_TEMP_PREFIX)


def local_name(name: str) -> str:
    """A user's file name made safe to write in a private temp folder, so messages name the user's file.

    Only the last path part is kept; separators and control characters become ``_``; at most 60
    characters (180 bytes of Chinese, within a file name's 255), the (lower-case) suffix kept.
    """
    base = re.split(r"[\\/]", name)[-1]
    suffix = Path(base).suffix.lower()
    stem = re.sub(r"[\x00-\x1f\x7f:*?\"<>|]", "_", base[: len(base) - len(suffix)]).strip(" .") or "upload"
    return stem[:60] + suffix


def clean_stale_temp(max_age_s: float = 3600, folder: str | None = None) -> int:
    """Remove upload copies, unpacked archives and exports a crashed server left in the temp folder; return how many.

    Reading is capped at minutes (:mod:`geodata.io.sandbox`) and an export's folder
    changes whenever a file is written to it or removed, so a folder untouched for
    ``max_age_s`` belongs to no running import or export.
    """
    import time

    root = Path(folder or tempfile.gettempdir())
    removed = 0
    for path in root.glob("zonemap-*"):
        if not path.name.startswith(TEMP_PREFIXES) or not path.is_dir() or path.is_symlink():
            continue
        try:
            if time.time() - path.stat().st_mtime > max_age_s:
                shutil.rmtree(path)
                removed += 1
        except OSError as exc:
            log.warning("cannot remove %s: %s", path, exc)
    return removed


# --- archives -------------------------------------------------------------------------------------------------------


_COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_MAX_NAME_BYTES = 240  # one path component; Linux allows 255


def check_archive(archive: Path, limits: Limits, what: str = "压缩包") -> list[zipfile.ZipInfo]:
    """The members of a zip container (zip, kmz, xlsx) after checking it before anything is unpacked.

    Refused: not a zip, empty, too many members, more than ``limits.unzip_mb``
    unpacked or a ratio beyond ``limits.ratio`` (zip bombs), encrypted members,
    compression methods Python cannot read, names too long for the file system,
    and a name used both as a file and as a folder.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SourceError(f"“{archive.name}”不是有效的{what}（zip 结构损坏）。") from exc
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
    if not members:
        raise SourceError(f"{what}是空的。")
    if len(members) > limits.members:
        raise SourceError(f"{what}内有 {len(members)} 个文件，超过允许的 {limits.members} 个。")
    total = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if total > limits.unzip_mb * MB or total / packed > limits.ratio:
        raise SourceError(
            f"{what}解压后有 {total / MB:.1f} MB（压缩比 {total / packed:.0f} 倍），"
            f"超过允许的 {limits.unzip_mb:g} MB 或 {limits.ratio:g} 倍，已拒绝。"
        )
    files, folders = set(), set()
    for m in members:
        member_name = _member_name(m)
        if m.flag_bits & 0x1:
            raise SourceError(f"{what}中的“{_shown(member_name)}”已加密：请解除密码后重新打包。")
        if m.compress_type not in _COMPRESSIONS:
            raise SourceError(
                f"{what}中的“{_shown(member_name)}”使用了不支持的压缩方式（{m.compress_type}）：请用标准 zip 重新打包。"
            )
        parts = PurePosixPath(member_name.replace("\\", "/")).parts
        if any(len(p.encode("utf-8")) > _MAX_NAME_BYTES for p in parts):
            raise SourceError(f"{what}中有文件名过长（超过 {_MAX_NAME_BYTES} 字节）的文件，已拒绝。")
        key = "/".join(parts).lower()
        files.add(key)
        folders.update("/".join(parts[:i]).lower() for i in range(1, len(parts)))
    clash = files & folders
    if clash:
        raise SourceError(f"{what}中“{_shown(sorted(clash)[0])}”既是文件又是文件夹，已拒绝。")
    return members


def _shown(name: str) -> str:
    """A member name as it may be shown: printable, at most 60 characters."""
    clean = "".join(c if c.isprintable() else "?" for c in name)
    return clean if len(clean) <= 60 else clean[:57] + "…"


def safe_extract(archive: Path, dest: Path, limits: Limits) -> list[Path]:
    """Extract a zip into ``dest`` refusing paths that escape it, links, and anything :func:`check_archive` refuses."""
    members = check_archive(archive, limits)
    out = []
    root = dest.resolve()
    with zipfile.ZipFile(archive) as zf:
        for m in members:
            member_name = _member_name(m)
            parts = PurePosixPath(member_name.replace("\\", "/")).parts
            mode = (m.external_attr >> 16) & 0o170000
            if member_name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", member_name):
                raise SourceError(f"压缩包中的路径“{_shown(member_name)}”指向解压目录之外，已拒绝整个文件。")
            if mode == 0o120000:
                raise SourceError(f"压缩包中的“{_shown(member_name)}”是符号链接，已拒绝整个文件。")
            target = (root / Path(*parts)).resolve()
            if not target.is_relative_to(root):
                raise SourceError(f"压缩包中的路径“{_shown(member_name)}”指向解压目录之外，已拒绝整个文件。")
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with zf.open(m) as src, open(target, "wb") as dst:
                while chunk := src.read(MB):
                    written += len(chunk)
                    if written > limits.unzip_mb * MB:
                        raise SourceError("压缩包解压后的大小超过限制，已拒绝。")
                    dst.write(chunk)
            out.append(target)
    return out


def _member_name(m: zipfile.ZipInfo) -> str:
    """The member's name; Windows zips store Chinese names in GBK without the UTF-8 flag."""
    if m.flag_bits & 0x800:
        return m.filename
    raw = m.filename.encode("cp437", errors="replace")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return m.filename


def _read_zip(path: Path, tmp: Path, layer: str | None, encoding: str | None, limits: Limits) -> RawSource:
    files = safe_extract(path, tmp, limits)
    by_suffix: dict[str, list[Path]] = {}
    for f in files:
        if not f.name.startswith(("._", "~")) and "__MACOSX" not in f.parts:
            by_suffix.setdefault(f.suffix.lower(), []).append(f)
    shps = sorted(by_suffix.get(".shp", []))
    if shps:
        if len(shps) > 1:
            names = [s.stem for s in shps]
            pick = [s for s in shps if s.stem == layer]
            if not pick:
                raise SourceError(
                    f"压缩包中有 {len(shps)} 个 Shapefile（{'、'.join(names)}），请选择其中一个图层再导入。",
                )
            shps = pick
        src = _read_shapefile(shps[0], None, encoding, limits)
        src.layers = tuple(s.stem for s in sorted(by_suffix[".shp"]))
        src.fmt = FORMATS[".zip"]
        return src
    stray = [s for s in (".dbf", ".shx", ".prj") if s in by_suffix]
    if stray:
        raise SourceError("压缩包中有 Shapefile 的附属文件但缺少 .shp（几何）文件。")
    for suffix in (".gpkg", ".geojson", ".json", ".kml"):
        if suffix in by_suffix:
            return _read_ogr(by_suffix[suffix][0], FORMATS[suffix], layer, limits, suffix, tmp)
    raise SourceError("压缩包中没有可导入的文件（.shp、.gpkg、.geojson、.kml）。")


def _read_kmz(path: Path, tmp: Path, layer: str | None, limits: Limits) -> RawSource:
    files = safe_extract(path, tmp, limits)
    docs = [f for f in files if f.suffix.lower() == ".kml"]
    if not docs:
        raise SourceError("KMZ 中没有 .kml 文件。")
    doc = next((f for f in docs if f.name.lower() == "doc.kml"), docs[0])
    src = _read_ogr(doc, "KML", layer, limits, ".kml", tmp)
    src.fmt = FORMATS[".kmz"]
    return src


# --- Shapefiles and their encoding ----------------------------------------------------------------------------------


def _read_shapefile(shp: Path, layer: str | None, encoding: str | None, limits: Limits) -> RawSource:
    parts = {p.suffix.lower(): p for p in shp.parent.iterdir() if p.stem == shp.stem}
    notes = []
    if ".dbf" not in parts:
        raise SourceError(f"Shapefile“{shp.stem}”缺少 .dbf（属性表）文件：请把 .shp、.shx、.dbf、.prj 一起打包。")
    if ".shx" not in parts:
        notes.append("缺少 .shx（索引）文件，已根据 .shp 重建")
    if ".prj" not in parts:
        notes.append("缺少 .prj（坐标系）文件，坐标系按坐标数值判断")
    cpg = parts.get(".cpg")
    declared = cpg.read_text(errors="replace").strip()[:40] if cpg else None
    if declared and not _known_codec(declared):
        notes.append(f".cpg 文件声明的编码“{_shown(declared)}”无法识别，已按内容判断")
        declared = None
    _check_shape_counts(shp.stem, parts, limits)
    if encoding:
        chosen, reason = encoding, "用户指定"
    else:
        chosen, reason = detect_dbf_encoding(parts[".dbf"].read_bytes(), declared)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": "YES"})
            _expect_driver(shp, ".shp", None, "Shapefile")
            frame = _read_capped(shp, None, limits, encoding=_codec(chosen))
        except SourceError:
            raise
        except Exception as exc:
            log.warning("Shapefile %s: %s", shp.name, exc)
            raise SourceError(f"无法读取 Shapefile“{shp.stem}”：{_short(exc)}。") from exc
        finally:
            pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": None})
    declared_crs = parts[".prj"].read_text(errors="replace") if ".prj" in parts else None
    return RawSource(
        frame, FORMATS[".shp"], declared_crs, chosen, reason, shp.stem, (shp.stem,), notes
    )  # fmt: skip


def shape_counts(parts: dict[str, Path]) -> dict[str, int]:
    """Records in each part of a Shapefile (by suffix), from their headers; a part cut short counts what it holds.

    ``.shp``: the record headers walked from byte 100 (each gives its length) up to the length the file header
    states; ``.shx``: (stated length − 100) / 8; ``.dbf``: the record count in its header, or fewer when the
    file is shorter than header + records.
    """
    counts = {}
    if ".shp" in parts:
        with open(parts[".shp"], "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as raw:
            end = min(len(raw), int.from_bytes(raw[24:28], "big") * 2) if len(raw) >= 100 else 0
            pos, n = 100, 0
            while pos + 8 <= end:
                pos += 8 + int.from_bytes(raw[pos + 4 : pos + 8], "big") * 2
                n += pos <= end  # a record running past the end is not there
            counts[".shp"] = n
    if ".shx" in parts:
        size = parts[".shx"].stat().st_size
        with open(parts[".shx"], "rb") as fh:
            stated = int.from_bytes(fh.read(28)[24:28], "big") * 2
        counts[".shx"] = max(0, (min(size, stated) - 100) // 8)
    with open(parts[".dbf"], "rb") as fh:
        head = fh.read(12)
    size = parts[".dbf"].stat().st_size
    stated, header_len, record_len = (int.from_bytes(head[a:b], "little") for a, b in ((4, 8), (8, 10), (10, 12)))
    counts[".dbf"] = min(stated, max(0, size - header_len) // record_len) if record_len else stated
    return counts


def _check_shape_counts(stem: str, parts: dict[str, Path], limits: Limits) -> None:
    """Refuse a Shapefile whose parts disagree on the number of records (GDAL would read the fewest, silently)."""
    counts = shape_counts(parts)
    if len(set(counts.values())) > 1:
        said = "，".join(f"{SHAPE_PARTS[s]}（{s}）有 {n:,} 条" for s, n in counts.items())
        raise SourceError(
            f"Shapefile“{_shown(stem)}”不完整：{said}，应当相同（文件被截断或来自不同的导出）："
            "请重新导出完整的 Shapefile 后再导入。"
        )
    if counts[".dbf"] > limits.features:
        raise SourceError(too_many(limits, counts[".dbf"]))


def _codec(name: str) -> str:
    return "GB18030" if name.upper() in ("GBK", "GB2312", "CP936", "936") else name


def _known_codec(name: str) -> bool:
    import codecs

    try:
        codecs.lookup(_codec(name.upper().replace("CP936", "GBK")))
    except (LookupError, ValueError):
        return False
    return True


def dbf_text(dbf: bytes) -> tuple[bytes, list[bytes]]:
    """The raw bytes of a DBF's field names and of its character values (for encoding detection)."""
    if len(dbf) < 32:
        raise SourceError(".dbf 文件已损坏（太短）。")
    n_records = int.from_bytes(dbf[4:8], "little")
    header_len = int.from_bytes(dbf[8:10], "little")
    record_len = int.from_bytes(dbf[10:12], "little")
    fields, names, pos = [], b"", 32
    while pos + 32 <= min(header_len, len(dbf)) and dbf[pos] != 0x0D:
        desc = dbf[pos : pos + 32]
        names += desc[:11].split(b"\0", 1)[0] + b" "
        fields.append((chr(desc[11]), desc[16]))
        pos += 32
    values = []
    for r in range(min(n_records, 5000)):
        start = header_len + r * record_len + 1  # skip the deletion flag
        offset = start
        for kind, width in fields:
            if kind == "C":
                values.append(dbf[offset : offset + width].rstrip(b" \0"))
            offset += width
    return names, values


def detect_dbf_encoding(dbf: bytes, cpg: str | None = None) -> tuple[str, str]:
    """("UTF-8" | "GBK" | "ISO-8859-1", Chinese reason) for a DBF's text.

    Text that decodes as strict UTF-8 is UTF-8; otherwise GB18030 (read for GBK,
    of which it is a superset); a ``.cpg`` is believed when the bytes agree.
    The last character of a fixed-width value may be cut: that is tolerated.
    """
    names, values = dbf_text(dbf)
    blob = [names, *values]
    non_ascii = [b for b in blob if any(c > 127 for c in b)]
    if cpg:
        declared = _codec(cpg.upper().replace("CP936", "GBK").replace("936", "GBK"))
        if not non_ascii or all(_decodes(b, declared) for b in non_ascii):
            return ("GBK" if declared == "GB18030" else cpg.upper()), f".cpg 文件声明为 {cpg}"
        cpg_note = f"；.cpg 声明 {cpg} 但内容不符"
    else:
        cpg_note = "；没有 .cpg 文件"
    if not non_ascii:
        return "UTF-8", "属性全为英文和数字" + cpg_note
    if all(_decodes(b, "utf-8") for b in non_ascii):
        return "UTF-8", "中文按 UTF-8 解码无误" + cpg_note
    if all(_decodes(b, "gb18030") for b in non_ascii):
        return "GBK", "中文按 GBK 解码无误（国产软件、ArcGIS 常见）" + cpg_note
    return "ISO-8859-1", "无法确定编码（既不是 UTF-8 也不是 GBK），请手动选择" + cpg_note


def _decodes(raw: bytes, codec: str) -> bool:
    for cut in (0, 1, 2, 3):  # a fixed-width field may cut the last multi-byte character
        try:
            (raw[: len(raw) - cut] if cut else raw).decode(codec)
            return True
        except UnicodeDecodeError:
            continue
    return False


# --- GDAL formats ---------------------------------------------------------------------------------------------------


def _read_ogr(path: Path, fmt: str, layer: str | None, limits: Limits, suffix: str, tmp: Path) -> RawSource:
    if suffix == ".kml":  # every folder and nested document counts, before a parser runs
        count = kml.count_placemarks(path)
        if count > limits.features:
            raise SourceError(too_many(limits, count))
    _expect_driver(path, suffix, None, fmt)
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:
        raise SourceError(f"无法读取{fmt}文件“{path.name}”：{_short(exc)}。") from exc
    if not layers:
        raise SourceError(f"{fmt}文件“{path.name}”中没有图层。")
    notes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if fmt == "KML" and layer not in layers and len(layers) > 1:  # folders: all of them, in one read
                flat = kml.flatten(path, Path(tempfile.mkdtemp(dir=tmp)) / "all.kml")
                frame = _read_capped(flat, None, limits)
                notes.append(f"KML 有 {len(layers)} 个文件夹，已全部读取")
                name = None
            else:
                name = layer if layer in layers else _pick_layer(path, layers)
                frame = _read_capped(path, name, limits)
        except SourceError:
            raise
        except Exception as exc:
            log.warning("%s %s: %s", fmt, path.name, exc)
            raise SourceError(f"无法读取{fmt}文件“{path.name}”：{_short(exc)}。") from exc
    declared = frame.crs.to_wkt() if frame.crs is not None else None
    if fmt in ("KML", "KMZ"):
        frame = frame.drop(columns=[c for c in frame.columns if c.lower() in _KML_NOISE], errors="ignore")
    encoding = "UTF-8" if fmt in ("GeoJSON", "KML", "GeoPackage") else None
    reason = "该格式规定为 UTF-8" if encoding else ""
    return RawSource(frame, fmt, declared, encoding, reason, name, tuple(layers), notes)


_KML_NOISE = {"timestamp", "begin", "end", "altitudemode", "tessellate", "extrude", "visibility", "draworder", "icon",
              "snippet"}  # fmt: skip


def _pick_layer(path: Path, layers: list[str]) -> str:
    """Of several layers, the first that has features (GeoPackages from other tools hold many)."""
    for name in layers:
        info = pyogrio.read_info(path, layer=name)
        if info.get("features", 0) and info.get("geometry_type"):
            return name
    return layers[0]


_REASONS = (
    ("not recognized as being in a supported file format", "内容无法识别（文件已损坏，或不是这种格式）"),
    ("not a database", "文件已损坏（不是有效的数据库文件）"),
    ("malformed", "文件已损坏"),
    ("no such file", "文件缺失"),
    ("unsupported", "含有不支持的内容"),
    ("utf-8", "文字编码有误"),
    ("codec", "文字编码有误"),
)


def _short(exc: BaseException) -> str:
    """A parser's failure as a short Chinese reason; its own (English) message goes to the log only."""
    text = str(exc).lower()
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    return "文件已损坏或内容不符合格式"


def _expect_driver(path: Path, suffix: str, layer: str | None, fmt: str) -> None:
    """Refuse ``path`` unless the one driver allowed for ``suffix`` is the one that opens it."""
    gdal.check_locked()
    want = gdal.driver_for(suffix)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "more than one layer found": 3 000 folder names on stderr
            got = gdal.opened_by(path, layer)
    except Exception as exc:
        log.info("%s not opened as %s: %s", path.name, want, exc)
        raise SourceError(f"无法读取{fmt}文件“{path.name}”：{_short(exc)}。") from exc
    if got != want:
        log.warning("%s named %s but opened by %s: refused", path.name, suffix, got)
        raise SourceError(f"“{path.name}”的内容不是{fmt}格式（扩展名与内容不符），已拒绝。")


def _read_capped(path: Path, layer: str | None, limits: Limits, **kwargs) -> pd.DataFrame:
    """One layer, refusing more than ``limits.features`` records before reading them all."""
    frame = pyogrio.read_dataframe(path, layer=layer, max_features=limits.features + 1, **kwargs)
    if len(frame) > limits.features:
        count = pyogrio.read_info(path, layer=layer, force_feature_count=True).get("features")
        raise SourceError(too_many(limits, count if count and count > 0 else None))
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise SourceError(f"图层“{layer or path.stem}”没有几何（只是属性表），无法导入到地图。")
    return frame


def too_many(limits: Limits, count: int | None = None) -> str:
    """The refusal of a file with more records than ``limits.features`` (``count`` when it is known)."""
    has = f"有 {count:,} 条记录，" if count is not None else "的记录"
    return f"文件{has}超过 {limits.features:,} 条的上限（ZONEMAP_MAX_FEATURES），已拒绝：请按开发区或市拆分后分批导入。"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(src: RawSource) -> None:
    """Strip NUL and other control characters from column names and text values, with a note saying where."""
    frame = src.frame
    renamed = {c: _CONTROL.sub("", c) for c in frame.columns if isinstance(c, str) and _CONTROL.search(c)}
    if renamed:
        frame.rename(columns=renamed, inplace=True)
        src.notes.append(f"列名中的控制字符已删除：{'、'.join(_shown(c) for c in renamed.values())}")
    for column in frame.columns:
        if column == frame.geometry.name or frame[column].dtype != object:
            continue
        values = frame[column]
        dirty = values.map(lambda v: isinstance(v, str) and _CONTROL.search(v) is not None)
        if dirty.any():
            frame[column] = values.map(lambda v: _CONTROL.sub("", v) if isinstance(v, str) else v)
            rows = [str(i + 1) for i in dirty.to_numpy().nonzero()[0][:10]]
            src.notes.append(
                f"列“{_shown(str(column))}”第 {'、'.join(rows)}{' 等' if dirty.sum() > 10 else ''} 条含控制字符"
                "（如 NUL），已删除这些字符"
            )


# --- tables with coordinates ----------------------------------------------------------------------------------------


def _read_table(path: Path, suffix: str, sheet: str | None, encoding: str | None, limits: Limits) -> RawSource:
    notes: list[str] = []
    used, reason = None, ""
    if suffix == ".xlsx":
        table, name, layers = _read_xlsx(path, sheet, limits)
    elif suffix == ".xls":
        table, name, layers = _read_xls(path, sheet, limits)
    else:
        raw = path.read_bytes()
        used, reason = (encoding, "用户指定") if encoding else _text_encoding(raw)
        with _refusing("CSV ", path):
            table = _read_csv(path, _codec(used) if used != "UTF-8" else "utf-8-sig", limits)
        name, layers = path.stem, (path.stem,)
    table = table.dropna(how="all")
    table.columns = [str(c).strip() for c in table.columns]
    fmt = FORMATS[suffix]
    points = boundary.find_columns(table.columns, *_xy_columns(table))
    if points is not None and not _wkt_column(table):
        info: list[str] = []
        attrs, geoms = boundary.boundary_polygons(table, points, notes, info)
        frame = gpd.GeoDataFrame(attrs, geometry=pd.Series(geoms, index=attrs.index, dtype=object).values)
        return RawSource(frame, f"{fmt} 界址点表", None, used, reason, name, layers, notes, info)
    geometry = table_geometry(table, notes)
    frame = gpd.GeoDataFrame(table.drop(columns=geometry.attrs.get("used", [])), geometry=geometry.values)
    return RawSource(frame, fmt, None, used, reason, name, layers, notes)


def _read_csv(path: Path, codec: str, limits: Limits) -> pd.DataFrame:
    """A CSV's rows that are not blank, read in chunks: more than ``limits.features`` are refused, with their count."""
    parts, count = [], 0
    with pd.read_csv(path, dtype=object, encoding=codec, chunksize=50_000) as chunks:
        for chunk in chunks:
            chunk = chunk.dropna(how="all")
            count += len(chunk)
            if count <= limits.features or not parts:
                parts.append(chunk)
    if count > limits.features:
        raise SourceError(too_many(limits, count))
    return pd.concat(parts) if len(parts) > 1 else parts[0]


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_ole2(path: Path, name: str | None = None) -> str:
    """What an ``.xls`` really is, checked from its header before any parser sees it.

    Returns ``"ole2"`` (a real Excel 97–2003 file whose header is consistent
    with its size) or ``"zip"`` (an ``.xlsx`` renamed ``.xls``, to be read and
    checked as one). Refused with a Chinese message: HTML/XML saved as
    ``.xls`` (what many web systems export), anything else that is not OLE2,
    and OLE2 headers whose sector size or FAT length cannot fit the file.
    """
    name = name or path.name
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if not head.startswith(OLE2_MAGIC):
        text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower().replace(b"\x00", b"")
        if text.startswith((b"<", b"mime-version")):
            raise SourceError(
                f"“{_shown(name)}”虽然以 .xls 结尾，实际是网页（HTML/XML）格式的表格（一些业务系统这样导出）："
                "请在 Excel 中打开后另存为 .xlsx 再导入。"
            )
        raise SourceError(f"“{_shown(name)}”不是有效的旧版 Excel（.xls）文件（文件头不符）。")
    shift = int.from_bytes(head[30:32], "little")
    fat_sectors = int.from_bytes(head[44:48], "little")
    size = path.stat().st_size
    if len(head) < 512 or shift not in (9, 12) or fat_sectors * (1 << shift) > size:
        raise SourceError(f"“{_shown(name)}”的 .xls 文件结构已损坏（文件头与文件大小不符）。")
    return "ole2"


def _read_xls(path: Path, sheet: str | None, limits: Limits) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    """The first sheet with data (or ``sheet``) of an Excel 97–2003 file, read with calamine (Rust, no macros).

    Rows are taken one at a time (:func:`filled_rows`): blank ones do not count, and no more than
    ``limits.features`` records are kept (calamine's ``total_height`` is the last row's index, not a count).
    """
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise SourceError(f"Excel 文件“{path.name}”设有密码：请在 Excel 中取消密码后再导入。") from exc
    except Exception as exc:
        log.warning("xls %s: %s", path.name, exc)
        raise SourceError(f"无法读取 Excel 文件“{path.name}”：文件已损坏或不是 .xls 格式。") from exc
    layers = tuple(str(n) for n in book.sheet_names)
    if not layers:
        raise SourceError(f"Excel 文件“{path.name}”中没有工作表。")
    with _refusing("Excel ", path, "文件已损坏或不是 .xls 格式"):
        rows, name = _first_sheet(path, layers, sheet, lambda n: book.get_sheet_by_name(n).iter_rows(), limits)
    return _sheet_frame(rows), name, layers


def _read_xlsx(path: Path, sheet: str | None, limits: Limits) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    """The first sheet with data (or ``sheet``) of an ``.xlsx``, streamed row by row (openpyxl, read-only)."""
    import openpyxl

    def rows_of(name: str):
        ws = book[name]
        if not hasattr(ws, "reset_dimensions"):  # a chart sheet: no cells
            return iter(())
        ws.reset_dimensions()  # the size a file states may be wrong: read every row it has
        return ws.iter_rows(values_only=True)

    with _refusing("Excel ", path), open(path, "rb") as fh:  # a file: openpyxl refuses an .xlsx named .xls
        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        try:
            layers = tuple(book.sheetnames)
            rows, name = _first_sheet(path, layers, sheet, rows_of, limits)
        finally:
            book.close()
    return _sheet_frame(rows), name, layers


@contextlib.contextmanager
def _refusing(what: str, path: Path, reason: str | None = None):
    """A parser's failure inside as a :class:`SourceError` (无法读取 {what}文件…); its own message goes to the log."""
    try:
        yield
    except SourceError:
        raise
    except Exception as exc:
        log.warning("%s %s: %s", what, path.name, exc)
        raise SourceError(f"无法读取 {what}文件“{path.name}”：{reason or _short(exc)}。") from exc


def _first_sheet(path: Path, names, sheet: str | None, rows_of, limits: Limits) -> tuple[list[list], str]:
    """The filled rows of ``sheet``, or of the first sheet with a row below its header; only those sheets are read."""
    for name in [sheet] if sheet in names else list(names):
        rows = filled_rows(rows_of(name), limits)
        if len(rows) > 1:
            return rows, name
    raise SourceError(f"Excel 文件“{path.name}”中没有数据。")


def _sheet_frame(rows: list[list]) -> pd.DataFrame:
    """Filled rows (the first the header) as a table of objects: blank cells None, whole-number floats int."""
    width = max(len(r) for r in rows)
    header, seen = [], set()
    for i, h in enumerate([*rows[0], *[None] * (width - len(rows[0]))]):
        text = str(h).strip() if _filled(h) else f"列{i + 1}"
        text = text if text not in seen else f"{text}.{i + 1}"
        seen.add(text)
        header.append(text)
    body = [[_cell(v) for v in [*row, *[None] * (width - len(row))]] for row in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def _cell(value: object) -> object:
    if isinstance(value, str) and not value:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def filled_rows(rows: Iterable[Sequence], limits: Limits) -> list[list]:
    """The rows of a sheet that are not blank (the first is the header), refusing more than ``limits.features`` records.

    Rows are taken one at a time, so a sheet of a million rows costs no more memory than the cap; blank rows
    (formatted but empty) are skipped and do not count; the refusal gives the whole sheet's count.
    """
    kept: list[list] = []
    count = 0
    for row in rows:
        if not any(_filled(v) for v in row):
            continue
        count += 1
        if count <= limits.features + 1:
            kept.append(list(row))
    if count - 1 > limits.features:
        raise SourceError(too_many(limits, count - 1))
    return kept


def _filled(value: object) -> bool:
    return not is_blank(value) if isinstance(value, str | float) or value is None else True


def _text_encoding(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf") or _decodes(raw, "utf-8"):
        return "UTF-8", "按 UTF-8 解码无误"
    if _decodes(raw, "gb18030"):
        return "GBK", "按 GBK 解码无误（Excel 另存的 CSV 常见）"
    raise SourceError("无法识别 CSV 的文字编码（既不是 UTF-8 也不是 GBK），请另存为 UTF-8 或 .xlsx。")


def _norm(name: str) -> str:
    return re.sub(r"[\s_（）()\-:：]", "", name).lower()


def _wkt_column(table: pd.DataFrame) -> str | None:
    cols = {_norm(c): c for c in table.columns}
    return next((cols[n] for n in WKT_NAMES if n in cols), None)


def _xy_columns(table: pd.DataFrame) -> tuple[str | None, str | None]:
    cols = {_norm(c): c for c in table.columns}
    x = next((cols[n] for n in X_NAMES if n in cols), None)
    y = next((cols[n] for n in Y_NAMES if n in cols), None)
    return x, y


def table_geometry(table: pd.DataFrame, notes: list[str]) -> pd.Series:
    """Geometries from a WKT column, or points from an X/Y (经度/纬度) column pair.

    The series' ``attrs['used']`` names the columns consumed.
    """
    wkt = _wkt_column(table)
    if wkt:
        geoms = []
        for i, value in enumerate(table[wkt].tolist()):
            try:
                geom = None if is_blank(value) else shapely.from_wkt(str(value)[:1_000_000])
            except Exception:
                geom = None
                notes.append(f"第 {i + 1} 行的 WKT 无法解析")
            if geom is not None and not np.isfinite(shapely.get_coordinates(geom)).all():
                geom = None
                notes.append(f"第 {i + 1} 行的 WKT 含非数字坐标（NaN 或无穷大）")
            geoms.append(geom)
        out = pd.Series(geoms, index=table.index, dtype=object)
        out.attrs["used"] = [wkt]
        return out
    x, y = _xy_columns(table)
    if not x or not y:
        raise SourceError(
            "表格中没有坐标列：需要“经度/纬度”“X/Y”（或 X坐标/Y坐标）两列，或一列 WKT 几何。"
            f" 现有列：{'、'.join(map(str, table.columns))}"
        )
    xs = pd.to_numeric(table[x].map(_number_text), errors="coerce")
    ys = pd.to_numeric(table[y].map(_number_text), errors="coerce")
    bad = np.flatnonzero(~np.isfinite(xs.to_numpy(dtype=float)) | ~np.isfinite(ys.to_numpy(dtype=float)))
    for i in bad[:20]:
        notes.append(f"第 {i + 1} 行的坐标“{table[x].iloc[i]}, {table[y].iloc[i]}”不是数字")
    skip = set(bad.tolist())
    geoms = [None if i in skip else shapely.Point(a, b) for i, (a, b) in enumerate(zip(xs, ys, strict=True))]
    out = pd.Series(geoms, index=table.index, dtype=object)
    out.attrs["used"] = [x, y]
    return out


def _number_text(value: object) -> object:
    if isinstance(value, str):
        return value.strip().replace(",", "").replace("，", "")
    return value
