# smtp-restriction lab — the front door. `make` (or `make help`) lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
LAB := $(PY) -m lab
HOSTS := dns postfix sendmail relay remote outside inside
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: help venv build lab-up lab-down status test test-unit clean \
        $(addprefix shell-,$(HOSTS)) $(addprefix logs-,$(HOSTS))

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_%-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 24

$(PY): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[test]'
	@touch $(PY)

venv: $(PY) ## create the Python virtualenv (.venv) with the lab package and test tools

build: $(PY) ## build the images that changed (the base image too, offline if no registry answers)
	$(LAB) build

lab-up: $(PY) ## build what changed, start the lab, wait until every host is healthy, print the summary
	$(LAB) up

lab-down: $(PY) ## remove this lab's containers, networks and volumes (and nothing else)
	$(LAB) down

status: $(PY) ## which hosts are running and healthy
	$(LAB) status

test: $(PY) ## the whole suite: unit tests, image tests and lab tests against real containers
	$(PY) -m pytest

test-unit: $(PY) ## only the fast tests that need no Docker
	$(PY) -m pytest -m 'not docker'

shell-%: $(PY) ## shell-<host>: a shell on that host (outside, inside, postfix, ...)
	@$(LAB) shell $*

logs-%: $(PY) ## logs-<host>: follow that host's mail log (postfix, sendmail, relay, remote, dns)
	@$(LAB) logs -f $*

clean: lab-down ## stop the lab and remove the virtualenv and results
	rm -rf $(VENV) results .pytest_cache
