"""The 通报 as files for the meeting: Word (.docx), Excel (.xlsx) and, with chromium, PDF.

Figures and sentences come from :func:`stats.bulletin.bulletin_figures`;
this module only lays them out: title, period, 正文 paragraphs, tables per city
and per zone, 标准地, notes, and 附件 (the 三未 lists). The Word file lists at
most :data:`DOC_ROWS` rows per 附件 (a meeting paper); the Excel file has all.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from html import escape
from pathlib import Path

import pandas as pd

from domain.clock import beijing_today
from domain.labels import label
from reports.bulletin_map import MAP_CSS, bulletin_png, bulletin_svg
from stats.bulletin import Bulletin

FORMATS = ("docx", "xlsx", "pdf")
DOC_ROWS = 200
ISSUER = "开发区“三个一批”项目进展通报"


def title(b: Bulletin) -> str:
    return f"{b.scope.name}{b.period.label}{ISSUER}"


def _sections(b: Bulletin) -> list[tuple[str, pd.DataFrame]]:
    """(heading, table) in document order; 附件 last."""
    out = [("表1 分市情况", b.cities), ("表2 分开发区情况", b.zones), ("表3 标准地挂牌与出让（本期）", b.land)]
    for i, (flag, rows) in enumerate(b.sanwei.items(), start=1):
        out.append((f"附件{i} {label(flag)}项目名单（{len(rows)}个）", rows.drop(columns="项目编号")))
    return out


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def write_docx(b: Bulletin, out: Path, issued: dt.date | None = None, map_png: Path | None = None) -> Path:
    """The bulletin as a Word document (with the map picture when ``map_png`` is given)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "SimSun", Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    heading = doc.add_heading(title(b), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta = doc.add_paragraph(f"通报期间：{b.period.start} 至 {b.period.end}　印发日期：{issued or beijing_today()}")
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading("一、总体情况", level=1)
    for text in b.paragraphs:
        doc.add_paragraph(text)
    for note in b.notes:
        doc.add_paragraph(note).runs[0].italic = True
    if map_png:
        doc.add_picture(str(map_png), width=Cm(16))
        doc.add_paragraph(
            "图1 各市本期新签约投资（颜色越深投资越多；灰色为本期无签约）"
        ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading("二、分市、分开发区情况", level=1)
    for name, table in _sections(b):
        doc.add_heading(name, level=2)
        shown = table.head(DOC_ROWS)
        if shown.empty:
            doc.add_paragraph("无。")
            continue
        grid = doc.add_table(rows=1 + len(shown), cols=len(shown.columns))
        grid.style = "Table Grid"
        for j, column in enumerate(shown.columns):
            grid.cell(0, j).text = str(column)
        for i, row in enumerate(shown.itertuples(index=False), start=1):
            cells = grid.rows[i].cells
            for j, value in enumerate(row):
                cells[j].text = _cell(value)
        if len(table) > len(shown):
            doc.add_paragraph(f"（共{len(table)}条，此处列出前{len(shown)}条，完整名单见同期 Excel 文件。）")
    doc.save(out)
    return Path(out)


def write_xlsx(b: Bulletin, out: Path) -> Path:
    """The bulletin's tables as an Excel workbook: 正文, then one sheet per table."""
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        pd.DataFrame({title(b): [*b.paragraphs, *b.notes]}).to_excel(xl, sheet_name="正文", index=False)
        for name, table in _sections(b):
            sheet = name.split(" ")[0]
            (table if not table.empty else pd.DataFrame({"": ["无"]})).to_excel(xl, sheet_name=sheet, index=False)
    return Path(out)


_CSS = """
@page { size: A4 portrait; margin: 18mm 16mm; }
body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 10.5pt;
  color: #111; line-height: 1.6; }
h1 { text-align: center; font-size: 18pt; } .meta { text-align: center; color: #444; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 5mm; font-size: 8.5pt; }
th, td { border: 0.2mm solid #666; padding: 1mm 1.5mm; } th { background: #eef; }
.note { font-style: italic; color: #444; }
"""


def bulletin_html(b: Bulletin, issued: dt.date | None = None, admin: pd.DataFrame | None = None) -> str:
    """A self-contained printable page (no script, no external request); every text escaped; the map with ``admin``."""
    parts = [f"<h1 id='title'>{escape(title(b))}</h1>",
             f"<p class='meta'>通报期间：{b.period.start} 至 {b.period.end}　印发日期：{issued or beijing_today()}</p>",
             "<h2>一、总体情况</h2>", *(f"<p>{escape(t)}</p>" for t in b.paragraphs),
             *(f"<p class='note'>{escape(t)}</p>" for t in b.notes),
             bulletin_svg(b, admin) if admin is not None else "", "<h2>二、分市、分开发区情况</h2>"]  # fmt: skip
    for name, table in _sections(b):
        shown = table.head(DOC_ROWS)
        head = "".join(f"<th>{escape(str(c))}</th>" for c in shown.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in row) + "</tr>"
            for row in shown.itertuples(index=False)
        )
        parts.append(
            f"<h3>{escape(name)}</h3>" + (f"<table><tr>{head}</tr>{body}</table>" if len(shown) else "<p>无。</p>")
        )
    head = (f"<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>{escape(title(b))}</title>"
            f"<style>{_CSS}{MAP_CSS}</style>")  # fmt: skip
    return f"{head}<body>{''.join(parts)}</body></html>"


def write_pdf(b: Bulletin, out: Path, admin: pd.DataFrame | None = None) -> Path:
    """The printable page through headless chromium (the one place that renders: switch it here)."""
    from reports.tour_onepager import render

    render(bulletin_html(b, admin=admin), Path(out), measure="#title")
    return Path(out)


def write_bulletin(b: Bulletin, fmt: str, out: Path, admin: pd.DataFrame | None = None) -> Path:
    """Write ``b`` as ``fmt`` (docx, xlsx or pdf) to ``out``; with ``admin`` outlines the Word and PDF get the map."""
    out = Path(out)
    if fmt == "docx":
        if admin is None:
            return write_docx(b, out)
        with tempfile.TemporaryDirectory() as tmp:
            return write_docx(b, out, map_png=bulletin_png(b, admin, Path(tmp) / "map.png"))
    if fmt == "xlsx":
        return write_xlsx(b, out)
    if fmt == "pdf":
        return write_pdf(b, out, admin)
    raise ValueError(f"不支持的格式“{fmt}”：可选 {'、'.join(FORMATS)}")
