"""A 市级 account in headless Chromium: edits a parcel of its city, gets no form on a neighbouring city's parcel."""

from __future__ import annotations

import pytest

from domain.scope import Scope
from geodata.store import GpkgStore
from testing import harness
from tests.conftest import artifact, sample_server_with_account
from tests.test_browser_ui import fresh, wait_for

pytestmark = pytest.mark.browser

OWN = "JK-56GW"  # 综改区晋中新兴产业园区 (SXZG-JZ): 晋中市
NEIGHBOUR = "P-SXZG-XF-01"  # 综改区学府园区 (SXZG-XF): 太原市
PASSWORD = "jinzhong-2026"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    city = Scope("city", frozenset({"140700"}), "晋中市")
    with sample_server_with_account(tmp_path_factory.mktemp("scope"), "jz", "晋中市商务局", PASSWORD, city) as both:
        yield both


def test_a_city_account_edits_its_city_and_reads_its_neighbour(server, playwright_browser):
    url, data = server
    context, page = fresh(playwright_browser)
    try:
        page.goto(f"{url}/supply?sel=parcels:{OWN}")
        harness.wait_for_map(page)
        page.get_by_label("用户名").fill("jz")
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.get_by_text("权限：市级（晋中市）").wait_for(timeout=30_000)
        note = page.get_by_label("备注")
        note.wait_for(timeout=30_000)
        note.fill("晋中市商务局核实")
        page.get_by_role("button", name="保存修改").click()
        page.get_by_text("已保存，现为第 2 版", exact=False).first.wait_for(timeout=30_000)
        assert GpkgStore(data).read_record("parcels", OWN)[0]["note"] == "晋中市商务局核实"
        page.screenshot(path=artifact("scope-city-own-parcel.png"))

        page.goto(f"{url}/supply?sel=parcels:{NEIGHBOUR}")
        harness.wait_for_map(page)
        page.get_by_text("只读：不在您的权限范围（晋中市）", exact=False).wait_for(timeout=30_000)
        wait_for(page, lambda: page.get_by_text("权限：市级（晋中市）").count() == 1)  # still signed in
        assert page.get_by_role("button", name="保存修改").count() == 0
        page.screenshot(path=artifact("scope-city-neighbour-parcel.png"))
        assert page.external == [] and page.errors == []
    finally:
        context.close()
