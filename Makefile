# The two commands of the README: `make up` runs the hub, `make test` runs every test.
# Both set up what they need on a fresh machine (a virtualenv, Neo4j through Maven).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

# The pages' browser assets (GOV.UK Frontend, Cytoscape.js, Chart.js, GraphiQL), pinned by package-lock.json
# and copied into web/static/vendor (git-ignored); rebuilt when the lock file changes.
WEB_VENDOR := web/static/vendor
WEB_STAMP := $(WEB_VENDOR)/.built-$(shell sha256sum package-lock.json | cut -c1-12)

.PHONY: up test lint bench clean web-assets chromium deploy-lint

$(WEB_STAMP): package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(WEB_VENDOR)
	mkdir -p $(WEB_VENDOR)/govuk $(WEB_VENDOR)/cytoscape $(WEB_VENDOR)/chartjs $(WEB_VENDOR)/graphiql
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(WEB_VENDOR)/govuk/
	cp -R node_modules/govuk-frontend/dist/govuk/assets $(WEB_VENDOR)/govuk/assets
	cp node_modules/cytoscape/dist/cytoscape.min.js $(WEB_VENDOR)/cytoscape/
	cp node_modules/chart.js/dist/chart.umd.min.js $(WEB_VENDOR)/chartjs/
	cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css $(WEB_VENDOR)/graphiql/
	cp node_modules/react/umd/react.production.min.js node_modules/react-dom/umd/react-dom.production.min.js $(WEB_VENDOR)/graphiql/
	touch $@

web-assets: $(WEB_STAMP)

# The browser tests drive Debian's Chromium: installed here when missing and apt can, else say how.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "the browser tests need Chromium: run 'sudo apt-get install chromium' and then make test again" >&2; exit 1; fi; }

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip==26.3
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

up: $(STAMP) $(WEB_STAMP)
	$(VENV)/bin/hub up

# pytest exits 5 when it collected nothing: a run that proves nothing fails.
test: $(STAMP) $(WEB_STAMP) chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$status

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The deployment files, each checked by the tool that reads it: the chart by Helm (lint, then
# a render with a deployment's values) and kube-score (probes, limits, security context), both
# built once through the Go module proxy into .cache/go/bin; the compose file by docker-compose.
GOBIN := $(CURDIR)/.cache/go/bin
HELM := $(GOBIN)/helm-v3.22.0
KUBE_SCORE := $(GOBIN)/kube-score-v1.20.0
CHART := deploy/helm/safeguarding-hub

$(HELM):
	GOBIN=$(GOBIN) go install helm.sh/helm/v3/cmd/helm@v3.22.0 && mv $(GOBIN)/helm $@

$(KUBE_SCORE):
	GOBIN=$(GOBIN) go install github.com/zegl/kube-score/cmd/kube-score@v1.20.0 && mv $(GOBIN)/kube-score $@

# kube-score's pull policy check wants Always; the chart pins its image, so IfNotPresent is right.
deploy-lint: $(HELM) $(KUBE_SCORE)
	$(HELM) lint --strict --kube-version 1.30.0 $(CHART) -f deploy/helm/lint-values.yaml
	$(HELM) template hub $(CHART) --kube-version 1.30.0 -f deploy/helm/lint-values.yaml > .cache/chart-rendered.yaml
	$(KUBE_SCORE) score --ignore-test container-image-pull-policy .cache/chart-rendered.yaml
	docker-compose config -q

clean:
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache .pytest_cache .hypothesis node_modules $(WEB_VENDOR)
