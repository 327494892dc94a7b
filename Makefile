# Qadam — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
API_SERVICES := enrollment sessions risk notify
SERVICES := $(API_SERVICES) portal

.PHONY: run test test-unit install lint docs bench clean browser chaos restore-drill screenshots papers lock

# Qadam's own packages, installed editable
LOCAL_PACKAGES := -e libs/qadam -e libs/contracts -e libs/words $(foreach s,$(SERVICES),-e services/$(s)) -e tools -e libs/testing

# Third-party packages come from requirements.lock only, each file checked against its hash (`--require-hashes`: a
# package that is not pinned there with its hashes, or whose file differs, stops the install), pip and setuptools
# among them; then Qadam's own packages, editable, with no dependency fetched (`--no-deps`) and built by the
# setuptools just installed (`--no-build-isolation`: nothing comes from the index unhashed); `pip check` fails if
# the lock lacks something they ask for. CI (.ci/run) and deploy/Dockerfile install the same way.
$(STAMP): requirements.lock constraints.txt libs/qadam/pyproject.toml libs/contracts/pyproject.toml libs/words/pyproject.toml libs/testing/pyproject.toml tools/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	# (setuptools' warning that a folder named like a package may shadow it, once per editable package: not ours)
	PYTHONWARNINGS='ignore:Editable installation' $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation $(LOCAL_PACKAGES)
	$(BIN)/python -m pip check
	# the `qadam` command moved from the kit to qadam-tools: in a venv made before, removing the kit's old copy can
	# take the new one with it
	test -x $(BIN)/qadam || PYTHONWARNINGS='ignore:Editable installation' $(BIN)/python -m pip install --quiet --no-deps \
	  --no-build-isolation --force-reinstall -e tools
	touch $(STAMP)

install: $(STAMP)

## run: the whole system as local processes against PostgreSQL and RabbitMQ on localhost (Ctrl-C stops it)
run: $(STAMP)
	$(BIN)/qadam run

UNIT_TESTS := libs/qadam/tests/unit libs/contracts/tests/unit libs/words/tests/unit $(foreach s,$(SERVICES),services/$(s)/tests/unit)
# workers (pytest-xdist), each with its own databases, vhosts and running systems; a unit of work (a folder's tests,
# the cross-service tests that share one running system, the browser tests, the fault suite on its private servers,
# `make run`'s own test) stays on one worker, the longest first (qadam_testing.tiers)
TEST_WORKERS ?= 3
# Python may keep the bytecode it compiles (__pycache__, ignored by git) during the tests, even where the environment
# says not to (PYTHONDONTWRITEBYTECODE, as deploy/Dockerfile's images do): without it each xdist worker compiled and
# assertion-rewrote every test module again at every run (9.2 s of a worker's CPU to collect, 3.6 s with the cache),
# and each service process of a running system compiled the services again
KEEP_BYTECODE := env -u PYTHONDONTWRITEBYTECODE

## test: every test (unit, integration, end-to-end, browser, the fault suite's short form) in parallel
## (pytest-xdist) against the real PostgreSQL and RabbitMQ, with lint and types checked beside them
test: $(STAMP) browser papers
	@mkdir -p var; $(MAKE) --no-print-directory lint > var/lint.log 2>&1 & lint=$$!; \
	$(KEEP_BYTECODE) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope; tests=$$?; \
	wait $$lint; linted=$$?; cat var/lint.log; \
	if [ $$linted -ne 0 ]; then echo "lint or types failed (above)"; fi; \
	exit $$(( tests || linted ))

## test-unit: every unit test of every service and the kit (no I/O: a unit test that reaches a server fails)
test-unit: $(STAMP)
	$(KEEP_BYTECODE) $(BIN)/python -m pytest -q $(UNIT_TESTS)

## chaos: the full fault suite (5,000 marks; broker, workers and database killed or restarted) on a private
## PostgreSQL cluster and RabbitMQ node it starts itself; 5,000 marks while nodes of a private 3-node RabbitMQ
## cluster stop and start; the PostgreSQL failover test and the restore drill (tests/chaos/postgres). `make test` runs
## the short form of each
chaos: $(STAMP)
	QADAM_CHAOS=full $(BIN)/python -m pytest tests/chaos -m chaos -p no:cacheprovider

## restore-drill: the full restore drill alone: a private PostgreSQL cluster archiving its WAL, a base backup, marks
## through the services after it, a restore to a new cluster at a point in time, and what it holds checked (row
## counts, each service's outbox, inbox and audit chain) against what was written by then; prints the recovery time
restore-drill: $(STAMP)
	QADAM_CHAOS=full $(BIN)/python -m pytest tests/chaos/postgres/test_restore_drill.py -m chaos -p no:cacheprovider

## screenshots: the browser tests again, each page they check pictured at tablet and phone size under
## var/screenshots/<role>-<page>-<language>-<size>.png, for a person to look at (`make test` takes none)
screenshots: $(STAMP) browser
	QADAM_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser -p no:cacheprovider

## browser: Debian's Chromium headless shell for the portal's browser tests (nothing is downloaded by Playwright
## itself: the same headless build Playwright uses, some 45 % less CPU over the browser tests than the whole browser
## run headless), and what the tests take from npm (package.json: axe-core, the accessibility checker they load into
## the page; the KEDA and Prometheus Operator models tests/deploy validates deploy/k8s with) into node_modules
browser: node_modules/.package-lock.json
	command -v chromium-headless-shell >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell)

## papers: what enrollment's PDF papers need beside Python (WeasyPrint's Pango and HarfBuzz, Debian's DejaVu fonts for
## Uzbek, Cyrillic and Karakalpak letters), and poppler's pdftoppm, with which their tests draw each paper's first page
papers:
	command -v pdftoppm >/dev/null && ldconfig -p | grep -q libpangoft2-1.0 && fc-list 2>/dev/null | grep -q DejaVuSans \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils libpango-1.0-0 \
	       libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fontconfig)

node_modules/.package-lock.json: package.json package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm)
	npm ci --no-audit --no-fund --loglevel=error

lint: $(STAMP)
	$(BIN)/ruff check libs services tests bench tools
	$(BIN)/mypy libs/qadam/qadam libs/contracts/qadam_contracts libs/words/qadam_words libs/testing/qadam_testing tools/qadam_tools $(foreach s,$(SERVICES),services/$(s)/$(s)) --exclude migrations

## docs: regenerate the committed OpenAPI, AsyncAPI and RabbitMQ definitions, and the portal's clients written from
## the OpenAPI documents (tests check they are current)
docs: $(STAMP)
	$(BIN)/qadam asyncapi --out deploy/asyncapi.json
	$(BIN)/qadam definitions --out deploy/rabbitmq/definitions.json
	$(BIN)/qadam rabbitmq-operator --out deploy/k8s/rabbitmq/topology.yaml
	$(foreach s,$(API_SERVICES),$(BIN)/qadam openapi $(s) --out services/$(s)/openapi.json;)
	$(BIN)/python -m qadam_tools.portal_clients

## lock: the hashed locks from constraints.txt (uv; PyPI reached): requirements.lock (everything `make install` puts in
## .venv) and deploy/requirements-runtime.lock (what the images install, from deploy/requirements-runtime.in). Change a
## pin in constraints.txt, then run this and commit the three files; tests/deploy fails while they disagree.
lock: $(STAMP)
	$(BIN)/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	  --no-header --output-file requirements.lock constraints.txt
	cd deploy && ../$(BIN)/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	  --no-header --output-file requirements-runtime.lock requirements-runtime.in

## bench: benchmarks beside their ceilings measured in the same run (figures, never a pass/fail on time)
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
