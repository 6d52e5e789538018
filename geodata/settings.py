"""Every setting zonemap reads from the environment: one table, one reader, each documented in the README.

:data:`SETTINGS` names each variable with its default and what it does; the
README's table of variables must list every one of them and the code may read
no other (``tests/test_settings.py`` checks both, as Datasette tests its docs).
Modules read a setting through :func:`raw` (text) or :func:`env_number`, and
keep their own parsing and validation (e.g. ``access.sessions.session_hours``).

- ``ZONEMAP_REQUIRED_ASSESSMENTS``: the 区域评估 a parcel needs before it is
  具备供地条件, as keys or Chinese labels separated by ``,`` ``;`` or ``、``.
  Empty or unset: the six that 国办发〔2019〕11号 names (domain.supply).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from domain.supply import REQUIRED_ASSESSMENTS, parse_required

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # as the README states it
    what: str  # one line, for readers of this table


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("ZONEMAP_DATA", "var/zonemap.gpkg", "the data: a GeoPackage path or a postgresql:// URL"),
        Setting("TIANDITU_TOKEN", "", "天地图 key for its online basemaps"),
        Setting("ZONEMAP_ACCOUNTS", "config/accounts.toml", "the accounts file"),
        Setting("ZONEMAP_SESSION_HOURS", "8", "how long a sign-in lasts"),
        Setting("ZONEMAP_SECRET", "var/secret.key", "the key of failed sign-in pseudonyms (>= 32 characters)"),
        Setting("ZONEMAP_LOGIN_MAX_FAILURES", "5", "failed sign-ins before a lock"),
        Setting("ZONEMAP_LOGIN_LOCK_MINUTES", "15", "how long a lock lasts"),
        Setting("ZONEMAP_ALLOWED_HOSTS", "", "Host names answered besides the loopback"),
        Setting("ZONEMAP_MAX_UPLOAD_MB", "100", "largest upload"),
        Setting("ZONEMAP_UPLOADS_HELD_MB", "400", "upload bytes held by the whole server"),
        Setting("ZONEMAP_MAX_UNZIP_MB", "500", "largest unpacked archive"),
        Setting("ZONEMAP_MAX_FEATURES", "200000", "records in one file"),
        Setting("ZONEMAP_IMPORT_TIMEOUT_S", "120", "seconds to read one file"),
        Setting("ZONEMAP_IMPORT_MEMORY_MB", "2048", "memory to read one file"),
        Setting("ZONEMAP_REQUIRED_ASSESSMENTS", "6 items of 国办发〔2019〕11号", "区域评估 needed to be 具备供地条件"),
        Setting("ZONEMAP_REVIEW_ROLES", "", "roles whose changes wait for review"),
        Setting("ZONEMAP_OGC_API", "on", "off switches the OGC API and tiles off"),
        Setting("ZONEMAP_SCORECARD", "geodata/scorecard_default.toml", "亩均效益 and 年度考核 settings"),
        Setting("ZONEMAP_CLI_LOG", "var/log/geodata-cli.log", "where the command line logs"),
        Setting("ZONEMAP_NEW_PASSWORD", "", "password for scripted account set-up"),
        Setting("ZONEMAP_PG_PORT", "54329", "port of the development PostGIS (make db)"),
        Setting("ZONEMAP_TEST_PG", "", "PostGIS server the tests use instead of make db's"),
    )
}


def raw(name: str, env: Mapping[str, str] | None = None) -> str:
    """The setting ``name`` as text (stripped; "" when unset); ``env`` stands in for the environment in tests."""
    if name not in SETTINGS:
        raise KeyError(f"{name} is not in geodata.settings.SETTINGS")
    return (os.environ if env is None else env).get(name, "").strip()


def env_number(name: str, default: float) -> float:
    """A positive number from ``$name``; the default when unset, not a number, or not positive (logged)."""
    text = raw(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        log.warning("%s=%r is not a positive number: using %s", name, text, default)
        return default
    return value


def required_assessments() -> tuple[str, ...]:
    """The required 区域评估 list: ``$ZONEMAP_REQUIRED_ASSESSMENTS`` or the 国办发〔2019〕11号 default.

    An unreadable value is an error (a Chinese sentence), not a silent default.
    """
    text = raw("ZONEMAP_REQUIRED_ASSESSMENTS")
    if not text:
        return REQUIRED_ASSESSMENTS
    try:
        return parse_required(text)
    except ValueError as error:
        log.warning("ZONEMAP_REQUIRED_ASSESSMENTS=%r: %s", text, error)
        raise ValueError(f"环境变量 ZONEMAP_REQUIRED_ASSESSMENTS 有误：{error}") from error


def review_role_names() -> frozenset[str]:
    """Roles whose changes wait for review (``$ZONEMAP_REVIEW_ROLES``, e.g. ``zone``; default: none)."""
    from geodata.store.proposals import review_roles

    return review_roles(raw("ZONEMAP_REVIEW_ROLES"))


def ogc_api_enabled() -> bool:
    """``ZONEMAP_OGC_API``: ``off`` (or ``0``, ``false``, ``no``) switches the OGC API and its tiles off (404)."""
    return raw("ZONEMAP_OGC_API").lower() not in ("off", "0", "false", "no")
