# Qadam — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
API_SERVICES := enrollment sessions risk notify
SERVICES := $(API_SERVICES) portal

.PHONY: run test install lint docs bench clean browser chaos

$(STAMP): constraints.txt libs/qadam/pyproject.toml libs/contracts/pyproject.toml tools/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e 'libs/qadam[testing]' -e libs/contracts $(foreach s,$(SERVICES),-e services/$(s)) -e tools
	# the `qadam` command moved from the kit to qadam-tools: in a venv made before, removing the kit's old copy can
	# take the new one with it
	test -x $(BIN)/qadam || $(BIN)/python -m pip install --quiet --no-deps --force-reinstall -e tools
	touch $(STAMP)

install: $(STAMP)

## run: the whole system as local processes against PostgreSQL and RabbitMQ on localhost (Ctrl-C stops it)
run: $(STAMP)
	$(BIN)/qadam run

## test: lint and types, then unit, integration, end-to-end and browser tests against the real PostgreSQL and RabbitMQ
test: lint browser
	$(BIN)/python -m pytest

## chaos: the full fault suite (5,000 marks; broker, workers and database killed or restarted) on a private
## PostgreSQL cluster and RabbitMQ node it starts itself; `make test` runs its short form
chaos: $(STAMP)
	QADAM_CHAOS=full $(BIN)/python -m pytest tests/chaos -m chaos -p no:cacheprovider

## browser: Debian's Chromium for the portal's browser tests (nothing is downloaded by Playwright itself)
browser:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)

lint: $(STAMP)
	$(BIN)/ruff check libs services tests bench tools
	$(BIN)/mypy libs/qadam/qadam libs/contracts/qadam_contracts tools/qadam_tools $(foreach s,$(SERVICES),services/$(s)/$(s)) --exclude migrations

## docs: regenerate the committed OpenAPI, AsyncAPI and RabbitMQ definitions, and the portal's clients written from
## the OpenAPI documents (tests check they are current)
docs: $(STAMP)
	$(BIN)/qadam asyncapi --out deploy/asyncapi.json
	$(BIN)/qadam definitions --out deploy/rabbitmq/definitions.json
	$(foreach s,$(API_SERVICES),$(BIN)/qadam openapi $(s) --out services/$(s)/openapi.json;)
	$(BIN)/python -m qadam_tools.portal_clients

## bench: benchmarks beside their ceilings measured in the same run (figures, never a pass/fail on time)
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
