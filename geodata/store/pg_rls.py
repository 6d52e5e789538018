"""PostgreSQL's own wall behind the store's scope check: row-level security on zones, parcels and projects.

Each write transaction declares its writer's scope with ``set_config(…, true)``
(transaction-local, so a pooled connection never carries another user's scope
into the next transaction). Policies on the three layers then let an UPDATE,
INSERT or DELETE reach only rows of that scope — ``USING`` for the rows it
touches, ``WITH CHECK`` for the rows it leaves — even if a code path skipped
the contract's check (:mod:`geodata.store.authorize`). Reading is open to all,
as in the pages. ``FORCE ROW LEVEL SECURITY`` makes the policies bind the
tables' owner too; the application role is not a superuser and has no
``BYPASSRLS`` (``scripts/pg.sh``).

A transaction that declares nothing changes nothing: no scope is no right.
Tools that write without an account (``geodata copy``, tests) declare 省级.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from domain.scope import Scope

ROLE_SETTING = "zonemap.scope_role"
CODES_SETTING = "zonemap.scope_codes"
LAYERS = ("zones", "parcels", "projects")

_FUNCTIONS = (
    f"""CREATE OR REPLACE FUNCTION zonemap_scope_covers(zid text, city text, parent text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
      SELECT CASE current_setting('{ROLE_SETTING}', true)
        WHEN 'province' THEN true
        WHEN 'city' THEN city = ANY (string_to_array(current_setting('{CODES_SETTING}', true), ','))
        WHEN 'zone' THEN zid = ANY (string_to_array(current_setting('{CODES_SETTING}', true), ','))
                      OR parent = ANY (string_to_array(current_setting('{CODES_SETTING}', true), ','))
        ELSE false
      END
    $$""",
    f"""CREATE OR REPLACE FUNCTION zonemap_scope_covers_zone(zid text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
      SELECT current_setting('{ROLE_SETTING}', true) = 'province'
          OR EXISTS (SELECT 1 FROM zones z WHERE z.zone_id = zid
                     AND zonemap_scope_covers(z.zone_id, z.city_adcode, z.parent_id))
    $$""",
)


def row_security(conn: psycopg.Connection) -> None:
    """Create the scope functions and the policies, and switch row-level security on (FORCE) for the layers."""
    for statement in _FUNCTIONS:
        conn.execute(statement)
    for layer in LAYERS:
        table = sql.Identifier(layer)
        check = (
            sql.SQL("zonemap_scope_covers(zone_id, city_adcode, parent_id)")
            if layer == "zones"
            else sql.SQL("zonemap_scope_covers_zone(zone_id)")
        )
        for name, command, clauses in (
            ("read", "SELECT", sql.SQL("USING (true)")),
            ("change", "UPDATE", sql.SQL("USING ({c}) WITH CHECK ({c})").format(c=check)),
            ("add", "INSERT", sql.SQL("WITH CHECK ({})").format(check)),
            ("remove", "DELETE", sql.SQL("USING ({})").format(check)),
        ):
            conn.execute(
                sql.SQL("CREATE POLICY {} ON {} FOR {} ").format(
                    sql.Identifier(f"zonemap_{layer}_{name}"), table, sql.SQL(command)
                )
                + clauses
            )
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table))
        conn.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(table))


def declare_scope(conn: psycopg.Connection, scope: Scope | None) -> None:
    """Declare the writer's scope for the current transaction only (None: a tool without an account, 省级)."""
    role = "province" if scope is None else scope.role
    codes = "" if scope is None else ",".join(sorted(scope.codes))
    conn.execute(
        "SELECT set_config(%s, %s, true), set_config(%s, %s, true)", (ROLE_SETTING, role, CODES_SETTING, codes)
    )
