"""Hostile files at the reader: GDAL locked down, no network, no files from outside, bounded time and memory."""

from __future__ import annotations

import contextlib
import resource
import socket
import threading
import time

import pytest

from geodata.dataset import load_dataset
from geodata.io import gdal
from geodata.io.sandbox import SandboxLimits, run_limited, stop_worker
from geodata.io.sources import SourceError, read_source
from geodata.store import SAMPLE_PATH, GpkgStore
from tests import import_corpus


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


def test_only_the_four_drivers_are_registered_here_and_in_the_worker():
    assert gdal.unlocked_drivers() == set()
    assert run_limited(gdal.unlocked_drivers) == set()
    assert {gdal.driver_for(s) for s in (".shp", ".gpkg", ".geojson", ".json", ".kml")} == gdal.KEPT_DRIVERS


class _Listener:
    """A TCP server on the loopback that counts connections (what an SSRF would hit)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def _ssrf_files(folder, port: int) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}/x"
    vrt = f"<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>/vsicurl/{url}.csv</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"  # noqa: E501
    return {
        "vsicurl.geojson": vrt,
        "vsicurl.kml": vrt,
        "remote.geojson": f'{{"type": "FeatureCollection", "features": [], "$ref": "{url}"}}',
        "netlink.kml": (
            '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<NetworkLink><Link><href>{url}.kml</href></Link></NetworkLink>"
            f'<Style id="s"><IconStyle><Icon><href>{url}.png</href></Icon></IconStyle></Style>'
            "<Placemark><styleUrl>" + url + "#s</styleUrl><Point><coordinates>112.5,37.8</coordinates></Point>"
            "</Placemark></Document></kml>"
        ),
        "gdalg.json": f'{{"type": "gdal_streamed_alg", "command_line": "gdal vector read /vsicurl/{url}.csv"}}',
    }


def test_no_file_makes_the_server_open_a_network_connection(tmp_path):
    listener = _Listener()
    try:
        for name, body in _ssrf_files(tmp_path, listener.port).items():
            path = tmp_path / name
            path.write_text(body)
            with contextlib.suppress(SourceError):
                read_source(path)
        time.sleep(0.5)
    finally:
        listener.close()
    assert listener.hits == 0


@pytest.mark.parametrize(
    "build",
    [import_corpus.vrt_as_geojson, import_corpus.vrt_as_kml, import_corpus.vrt_as_json_in_zip,
     import_corpus.vrt_in_kmz, import_corpus.gdalg_json, import_corpus.csv_named_geojson],
)  # fmt: skip
def test_nothing_from_outside_the_file_reaches_the_reader(build, sample, tmp_path):
    path = build(tmp_path, sample)
    with pytest.raises(SourceError) as refused:
        read_source(path)
    assert import_corpus.CANARY not in str(refused.value) and str(tmp_path) not in str(refused.value)


def test_an_endless_layer_is_stopped_at_the_time_limit(sample, tmp_path):
    path = import_corpus.gpkg_endless_view(tmp_path, sample)
    stop_worker()  # a fresh worker: the limit, not an earlier file, decides
    started = time.monotonic()
    with pytest.raises(SourceError, match="超过 2 秒"):
        read_source(path, sandbox=SandboxLimits(timeout_s=2))
    assert time.monotonic() - started < 15  # 2 s plus restarting nothing in this process
    assert run_limited(gdal.unlocked_drivers) == set()  # a fresh worker serves the next file


def test_a_file_too_big_for_memory_is_stopped_in_the_worker_not_the_server(tmp_path):
    path = tmp_path / "big.csv"
    row = "112.5,37.8," + "备注" * 200 + "\n"
    path.write_text("经度,纬度,备注\n" + row * 60_000)  # ~ 75 MB of text
    stop_worker()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(SourceError, match="内存"):
        read_source(path, sandbox=SandboxLimits(memory_mb=700, timeout_s=60))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 50, grown_mb


def test_the_reader_process_never_runs_the_main_script(tmp_path, monkeypatch):
    """Streamlit makes the page script ``__main__``; a spawned reader must not run it."""
    import sys
    import types

    from geodata.io.sandbox import stop_worker

    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('the page script ran in the reader')\n")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake)
    stop_worker()
    assert run_limited(gdal.unlocked_drivers) == set()
    assert sys.modules["__main__"] is fake
    stop_worker()


def test_an_upload_is_named_as_the_user_named_it_but_cannot_climb_out():
    from geodata.io.sources import local_name

    assert local_name("地块台账.ZIP") == "地块台账.zip"
    assert local_name("../../etc/accounts.geojson") == "accounts.geojson"
    assert local_name("C:\\\\用户\\\\x.kml") == "x.kml" and local_name("a\x00b.csv") == "a_b.csv"
    assert len(local_name("地" * 300 + ".gpkg").encode()) < 255


# --- issue #27: caps that add up over the whole file, time linear in the input, temp owned by the server ------------


def test_one_parcel_of_200_000_boundary_points_is_read_in_seconds(sample, tmp_path):
    from geodata.io.sources import read_source_here

    path = import_corpus.jzd_huge_parcel(tmp_path, sample)
    started = time.monotonic()
    src = read_source_here(path)
    took = time.monotonic() - started
    assert len(src.frame) == 1 and len(src.frame.geometry.iloc[0].exterior.coords) == 199_999 + 1
    assert took < 20, took  # ~2 s; the quadratic duplicate-number check took minutes


def test_a_worker_killed_on_the_time_limit_leaves_no_unpacked_archive(sample, tmp_path, monkeypatch):
    import tempfile

    path = import_corpus.zip_endless_gpkg(tmp_path, sample)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))  # the worker, started afresh, unpacks there too
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    stop_worker()
    try:
        with pytest.raises(SourceError, match="超过 3 秒"):
            read_source(path, sandbox=SandboxLimits(timeout_s=3))
    finally:
        stop_worker()
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize(
    ("build", "count", "cap"),
    [(import_corpus.kml_split_over_cap, 400, 100), (import_corpus.kml_utf16_over_cap, 400, 100),
     (import_corpus.kmz_nested_over_cap, 180, 100), (import_corpus.kmz_300k, 300_000, None)],
)  # fmt: skip
def test_placemarks_are_counted_over_the_whole_kml_before_any_parser_runs(build, count, cap, sample, tmp_path,
                                                                          monkeypatch):  # fmt: skip
    import pyogrio

    from geodata.io import sources

    def parsed(*args, **kwargs):
        raise AssertionError("GDAL opened the file before the count refused it")

    monkeypatch.setattr(sources.gdal, "opened_by", parsed)
    monkeypatch.setattr(pyogrio, "read_dataframe", parsed)
    path = build(tmp_path, sample)
    limits = sources.Limits(features=cap) if cap else sources.Limits()
    started = time.monotonic()
    with pytest.raises(SourceError, match=f"有 {count:,} 条记录，超过 {limits.features:,} 条"):
        sources.read_source_here(path, limits=limits)
    assert time.monotonic() - started < 20


def test_a_kml_of_3000_folders_is_read_in_one_pass(sample, tmp_path):
    from geodata.io.sources import read_source_here

    path = import_corpus.kml_many_folders(tmp_path, sample)
    started = time.monotonic()
    src = read_source_here(path)
    took = time.monotonic() - started
    assert len(src.frame) == 3000 and src.frame["XMBH"].tolist() == [f"XM-{k}" for k in range(3000)]
    assert "KML 有 3000 个文件夹，已全部读取" in src.notes
    assert took < 20, took  # < 1 s; reading folder by folder parsed the file 3 000 times (minutes)


def test_folders_read_in_one_pass_give_what_reading_them_one_by_one_gave(sample, tmp_path):
    import warnings

    import pandas as pd
    import pyogrio

    from geodata.io.sources import read_source_here

    path = import_corpus.kml_schema_folders(tmp_path, sample)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
        one_by_one = pd.concat([pyogrio.read_dataframe(path, layer=n) for n in layers], ignore_index=True)
    src = read_source_here(path)
    assert layers == ["A", "B", "B1"] and src.layers == ("A", "B", "B1")
    columns = ["Name", "description", "DKBH", "MJ"]
    assert src.frame[columns].astype(str).values.tolist() == one_by_one[columns].astype(str).values.tolist()
    assert src.frame.loc[0, "Name"] == "一号 & <地>" and src.frame.loc[0, "MJ"] == 12.5
    assert src.frame.geometry.to_wkt().tolist() == one_by_one.geometry.to_wkt().tolist()
