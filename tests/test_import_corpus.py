"""The generated corpus of users' files through ``python -m geodata validate``, and nothing written when refused."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from geodata import cli
from geodata.dataset import load_dataset
from geodata.io.imports import ImportRefused, commit_import, prepare
from geodata.io.sources import SourceError
from geodata.store import SAMPLE_PATH, GpkgStore
from tests.import_corpus import CANARY, CASES

IDS = [c.name for c in CASES]


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


@pytest.fixture(scope="module")
def corpus(sample, tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    return {c.name: c.build(folder, sample) for c in CASES}


def test_the_corpus_covers_enough_cases():
    assert len(CASES) >= 25 and len(set(IDS)) == len(IDS)
    assert {c.exit_code for c in CASES} == {0, 1, 3} and {c.command for c in CASES} == {"validate", "convert"}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_validate_gives_the_expected_outcome(case, corpus, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ZONEMAP_DATA", str(SAMPLE_PATH))
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    out_file = [str(tmp_path / "out.geojson")] if case.command == "convert" else []
    code = cli.main([case.command, str(corpus[case.name]), *out_file, "--layer", case.layer, *case.args])
    out = capsys.readouterr().out
    assert code == case.exit_code, out
    if case.command == "convert":
        assert (tmp_path / "out.geojson").exists() == case.ok
    assert CANARY not in out  # nothing from outside the file reaches the report
    for leak in ("Traceback", "Error:", "Exception", "/tmp/", str(corpus[case.name].parent)):
        assert leak not in out, (leak, out)
    for word in case.expect:
        assert word in out, (word, out)


REFUSED = [c for c in CASES if not c.ok and c.command == "validate" and not c.args]


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_a_refused_file_leaves_the_store_unchanged(case, corpus, sample, tmp_path, monkeypatch):
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    store = tmp_path / "data.gpkg"
    shutil.copyfile(SAMPLE_PATH, store)
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    existing = {n: sample.layer(n) for n in ("admin", "zones", "parcels", "projects", "chains", "rounds")}
    try:
        plan = prepare(corpus[case.name], case.layer, existing)  # the case's options would make some importable
    except SourceError:
        pass
    else:
        assert not plan.ok
        with pytest.raises(ImportRefused):
            commit_import(GpkgStore(store), plan, "tester")
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_a_failure_no_check_foresaw_is_a_chinese_sentence_with_an_error_id(corpus, capsys, monkeypatch, caplog):
    """Planning the import (after reading) raises something unexpected: the CLI and the page get a sentence."""
    import shapely

    from geodata.io import imports

    def broken(*args, **kwargs):
        raise shapely.errors.GEOSException("UnsupportedOperationException: getX called on empty Point")

    monkeypatch.setenv("ZONEMAP_DATA", str(SAMPLE_PATH))
    monkeypatch.setattr(imports, "_derive", broken)
    code = cli.main(["validate", str(corpus["kml_ovital"]), "--layer", "parcels"])
    out = capsys.readouterr().out
    assert code == 1 and "无法检查文件“奥维地块.kml”" in out and "错误编号" in out, out
    assert "GEOS" not in out and "Traceback" not in out
    assert "GEOSException" in caplog.text  # the details are in the log
