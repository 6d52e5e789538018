"""Settings the app reads from the environment, with the rules' defaults (each ``ZONEMAP_*`` is in the README).

- Limits of reading users' files (``ZONEMAP_MAX_*``, ``ZONEMAP_IMPORT_*``) through :func:`env_number`.
- ``ZONEMAP_OGC_API``: ``off`` switches the OGC API (tiles and features, :mod:`ogc`) off.
- ``ZONEMAP_REQUIRED_ASSESSMENTS``: the 区域评估 a parcel needs before it is
  具备供地条件, as keys or Chinese labels separated by ``,`` ``;`` or ``、``.
  Empty or unset: the six that 国办发〔2019〕11号 names (domain.supply).
"""

from __future__ import annotations

import logging
import os

from domain.supply import REQUIRED_ASSESSMENTS, parse_required

log = logging.getLogger(__name__)


def env_number(name: str, default: float) -> float:
    """A positive number from ``$name``; the default when unset, not a number, or not positive (logged)."""
    text = os.environ.get(name, "").strip()
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
    text = os.environ.get("ZONEMAP_REQUIRED_ASSESSMENTS", "").strip()
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

    return review_roles(os.environ.get("ZONEMAP_REVIEW_ROLES", ""))


def ogc_api_enabled() -> bool:
    """``ZONEMAP_OGC_API``: ``off`` (or ``0``, ``false``, ``no``) switches the OGC API and its tiles off (404)."""
    return os.environ.get("ZONEMAP_OGC_API", "").strip().lower() not in ("off", "0", "false", "no")
