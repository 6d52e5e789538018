"""``geodata synth`` streamed: generated and appended a chunk at a time, the same file whatever the chunk size."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pandas as pd
import pytest

from geodata.store import SAMPLE_PATH
from geodata.synth import BLOCK, _plan, parcel_chunks, synth_frames, write_synth
from geodata.tiles import FeatureQuery

PARCELS, PROJECTS = BLOCK + 3_000, 3_000  # in chunks of one block: three appends; of two blocks: two


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The same store written in chunks of one block and of two blocks."""
    folder = tmp_path_factory.mktemp("synth")
    return [write_synth(folder / f"chunk{c}.gpkg", PARCELS, PROJECTS, seed=4, chunk=c) for c in (BLOCK, 2 * BLOCK)]


def test_the_file_does_not_depend_on_the_chunk_size(stores):
    small, large = stores
    for layer in ("parcels", "projects"):
        a, b = small.read(layer), large.read(layer)
        assert len(a) == {"parcels": PARCELS, "projects": PROJECTS}[layer]
        assert a.geometry.geom_equals_exact(b.geometry, 0).all()
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    frames = synth_frames(PARCELS, PROJECTS, seed=4)  # the in-memory frames are the same records
    assert frames["parcels"]["parcel_id"].tolist() == small.read("parcels")["parcel_id"].tolist()


def test_chunks_are_no_larger_than_asked_and_projects_sit_on_their_parcels(stores):
    plan = _plan(PARCELS, PROJECTS, 4, SAMPLE_PATH)
    sizes = [len(c) for c in parcel_chunks(plan, BLOCK)]
    assert sizes[0] == 195 and max(sizes[1:]) == BLOCK and sum(sizes) == PARCELS  # the sample's, then blocks
    parcels = stores[0].read("parcels").set_index("parcel_id")
    projects = stores[0].read("projects").set_index("project_id")
    synthetic = projects[projects.index.str.startswith("SYN-")]
    site = parcels.loc[synthetic["parcel_id"]]
    assert synthetic["parcel_id"].is_unique  # fewer projects than parcels: one project a parcel
    assert (site["zone_id"].to_numpy() == synthetic["zone_id"].to_numpy()).all()
    assert (site["chain"].to_numpy() == synthetic["chain"].to_numpy()).all()
    assert (site["area_mu"].to_numpy() == synthetic["land_need_mu"].to_numpy()).all()
    assert site.geometry.contains(synthetic.geometry.set_axis(site.index)).all()


def test_the_spatial_index_holds_every_record_after_the_appends(stores):
    store = stores[1]
    with closing(sqlite3.connect(store.path)) as conn:
        for layer, n in (("parcels", PARCELS), ("projects", PROJECTS)):
            assert conn.execute(f"SELECT count(*) FROM rtree_{layer}_geom").fetchone()[0] == n
            assert conn.execute(f"SELECT count(*) FROM sqlite_master WHERE name = 'zm_{layer}_key'").fetchone()[0]
    last = store.read("parcels").iloc[-1]
    x0, y0, x1, y1 = last.geometry.bounds
    page = store.features(FeatureQuery("parcels", bbox=(x0, y0, x1, y1), limit=50, columns=("parcel_id",)))
    assert last["parcel_id"] in page.frame["parcel_id"].tolist()
