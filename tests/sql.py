"""Figures read straight from a GeoPackage's tables with sqlite3 — independently of the app's loading, filtering and
tables (geodata.query, stats) — to check what pages and downloaded files show."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def rows(path: Path | str, query: str, *params) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute(query, params).fetchall()


def value(path: Path | str, query: str, *params):
    [(found,)] = rows(path, query, *params)
    return found


# The 三个一批 page's 领跑开发区 table for one chain (?1), unfiltered otherwise: zones that declare the chain or
# hold its projects or parcels; 开发区, 主导产业链, 项目（个）, 项目总投资（亿元）, 链主项目（个）, 地块面积（亩）;
# most invested first.
LEADING_ZONES = """
SELECT short_name, declared, firms, n, invest, leaders, mu FROM (
  SELECT z.fid, z.short_name,
    CASE WHEN ';' || z.leading_chains || ';' LIKE '%;' || ?1 || ';%' THEN '是' ELSE '' END AS declared,
    (SELECT count(*) FROM projects p WHERE p.zone_id = z.zone_id AND p.chain = ?1) AS n,
    (SELECT round(coalesce(sum(p.investment_yi), 0), 2) FROM projects p WHERE p.zone_id = z.zone_id AND p.chain = ?1)
      AS invest,
    (SELECT count(*) FROM projects p WHERE p.zone_id = z.zone_id AND p.chain = ?1 AND p.is_chain_leader) AS leaders,
    (SELECT coalesce(group_concat(e, '、'), '') FROM (SELECT DISTINCT p.enterprise AS e FROM projects p
      WHERE p.zone_id = z.zone_id AND p.chain = ?1 AND p.is_chain_leader AND p.enterprise IS NOT NULL ORDER BY e))
      AS firms,
    (SELECT round(coalesce(sum(l.area_mu), 0), 2) FROM parcels l WHERE l.zone_id = z.zone_id AND l.chain = ?1) AS mu
  FROM zones z
)
WHERE declared = '是' OR leaders > 0  -- a zone leads a chain it lists or whose 链主 it hosts
ORDER BY invest DESC, n DESC, fid
"""
