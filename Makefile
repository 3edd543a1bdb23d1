# smtp-restriction lab — the front door. `make` (or `make help`) lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LAB := $(PY) -m lab
# one verify-<id>, apply-<id> and show-<id> target per file in scenarios/
VARIANTS := $(sort $(basename $(notdir $(wildcard scenarios/*.yaml))))
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: help bootstrap venv build lab-up lab-down status test test-unit typecheck clean verify list report bench bench-cold publish audit audit-all \
        class-up class-status class-verify class-report class-down bench-class web \
        $(addprefix verify-,$(VARIANTS)) $(addprefix apply-,$(VARIANTS)) $(addprefix show-,$(VARIANTS)) \
        $(addprefix quiz-,$(VARIANTS)) $(addprefix predict-,$(VARIANTS)) $(addprefix grade-,$(VARIANTS)) try diff

# Targets with a name part (verify-method1): GNU Make never applies a pattern rule to a
# .PHONY target ("Nothing to be done for ..."), so every variant gets an explicit (static
# pattern) rule; the plain pattern rule after it catches any other name and lets the lab say
# in one line what exists. shell-<host> and logs-<host> are plain pattern rules only: the
# hosts are defined once, in compose.yaml, and the lab names them when one is wrong.

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_%-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 24
	@echo "variants (scenarios/): $(VARIANTS)"

bootstrap: ## set up what the lab needs from the machine (Docker engine, compose, debootstrap, make, python3-venv)
	@python3 -m lab.bootstrap

$(STAMP): pyproject.toml
	@python3 -m lab.bootstrap --venv
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP) ## create the Python virtualenv (.venv) with the lab package and test tools

# make web's browser-side dependency (the terminal's xterm.js): package-lock.json, installed by
# npm ci into node_modules/ (never copied into the repository), served by the lab
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || python3 -m lab.bootstrap --browser
	npm ci --no-audit --no-fund --loglevel=error

build: bootstrap $(STAMP) ## build the images that changed (the base image too, offline if no registry answers)
	$(LAB) build

lab-up: bootstrap $(STAMP) ## build what changed, start the lab, wait until every host is healthy, print the summary
	$(LAB) up

lab-down: $(STAMP) ## remove this lab's containers, networks and volumes (and nothing else)
	$(LAB) down

status: $(STAMP) ## which hosts are running and healthy
	$(LAB) status

TEST_JOBS ?= 3
test: bootstrap $(STAMP) typecheck $(NODE_STAMP) ## the whole suite: mypy on lab/, then unit, image, lab and browser tests, in TEST_JOBS (3) pytest workers
	@python3 -m lab.bootstrap --browser
	$(LAB) build
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadgroup

typecheck: $(STAMP) ## mypy on lab/: every function typed, no type error (pyproject.toml [tool.mypy])
	$(PY) -m mypy

test-unit: $(STAMP) ## only the fast tests: no Docker, no browser (make test runs them all)
	$(PY) -m pytest -m 'not docker and not browser'

list: $(STAMP) ## every variant with its title
	$(LAB) list

VERIFY_FLAGS = $(if $(WIDE),--wide) $(if $(AUDIT),--audit)

verify: bootstrap $(STAMP) ## run every variant: apply, probe, print the tables, save results/<lab>/ (exit 0 only if all match; WIDE=1: every column; AUDIT=1: nmap's audit too)
	$(LAB) verify $(VERIFY_FLAGS)

$(addprefix verify-,$(VARIANTS)): verify-%: bootstrap $(STAMP)
	$(LAB) verify $* $(VERIFY_FLAGS)

verify-%: $(STAMP) ## verify-<variant>: apply one variant and run its probes (e.g. make verify-method1; WIDE=1: every column; AUDIT=1: nmap's audit too)
	@$(LAB) verify $* $(VERIFY_FLAGS)

audit: bootstrap $(STAMP) ## nmap's smtp-open-relay against what is applied now, beside the lab's rows (exit 0 agree closed, 1 relay, 2 disagreement)
	@$(LAB) audit

audit-all: bootstrap $(STAMP) ## every variant: apply, probe, audit with nmap; one line at the end (results/<lab>/ as make verify)
	@$(LAB) audit --all

$(addprefix apply-,$(VARIANTS)): apply-%: bootstrap $(STAMP)
	$(LAB) apply $*

apply-%: $(STAMP) ## apply-<variant>: put the server in that variant without probing, to try it by hand
	@$(LAB) apply $*

$(addprefix show-,$(VARIANTS)): show-%: $(STAMP)
	@$(LAB) show $*

show-%: $(STAMP) ## show-<variant>: its configuration, expected outcomes and lesson (e.g. make show-method1)
	@$(LAB) show $*

# teaching: read a variant as a quiz, predict, run, grade the prediction, compare two variants,
# try one's own configuration against the note's goal (README: "Teaching with it")
$(addprefix quiz-,$(VARIANTS)): quiz-%: $(STAMP)
	@$(LAB) show $* --quiz

quiz-%: $(STAMP) ## quiz-<variant>: its configuration and probes, no expected outcomes, no lesson (e.g. make quiz-method1)
	@$(LAB) show $* --quiz

$(addprefix predict-,$(VARIANTS)): predict-%: $(STAMP)
	@$(LAB) predict $* $(if $(SHEET),--out $(SHEET))

predict-%: $(STAMP) ## predict-<variant>: write a prediction sheet to fill in (results/<lab>/sheets/<variant>.yaml; SHEET=: elsewhere)
	@$(LAB) predict $* $(if $(SHEET),--out $(SHEET))

$(addprefix grade-,$(VARIANTS)): grade-%: bootstrap $(STAMP)
	@$(LAB) grade $* $(SHEET) $(if $(RUN),--run)

grade-%: $(STAMP) ## grade-<variant> [SHEET=file]: grade the sheet against this lab's latest run (RUN=1: run it again first)
	@$(LAB) grade $* $(SHEET) $(if $(RUN),--run)

diff: bootstrap $(STAMP) ## diff A=<variant> B=<variant>: the probes whose outcome differs, beside the configuration lines that differ
	@if [ -z "$(A)" ] || [ -z "$(B)" ]; then echo "make diff A=<variant> B=<variant>, e.g. make diff A=method1 B=method1-addendum" >&2; exit 2; fi
	@$(LAB) diff $(A) $(B) $(if $(RUN),--run)

try: bootstrap $(STAMP) ## try FILE=<main.cf fragment> [SERVER=sendmail]: apply one's own configuration, run every probe, judge it against the note's goal
	@if [ -z "$(FILE)" ]; then echo "make try FILE=<a main.cf fragment> [SERVER=sendmail], e.g. make try FILE=my-main.cf" >&2; exit 2; fi
	@$(LAB) try $(FILE) $(if $(SERVER),--server $(SERVER))

report: $(STAMP) ## this lab's runs on one self-contained HTML page (results/<lab>/report.html): topology, matrices, configs, transcripts
	$(LAB) report

bench: bootstrap $(STAMP) ## measure warm lab-up, one probe, each variant, the whole matrix (agent, docker exec, before), make verify as typed, memory, idle CPU, image sizes -> results/<lab>/bench.json (RECORD=1: the docs' figures -> docs/bench.json)
	$(PY) -m lab.bench.one_lab $(if $(RECORD),--record)

bench-cold: bootstrap $(STAMP) ## the same, after removing the lab's images and the base image (times the cold build; minutes)
	$(PY) -m lab.bench.one_lab --cold $(if $(RECORD),--record)

# A whole class on one machine (README): CLASS names the class (default "class"), JOBS the
# labs at a time (default: measured).
CLASS_ARGS = $(if $(CLASS),--class '$(CLASS)') $(if $(JOBS),--jobs '$(JOBS)')

class-up: bootstrap $(STAMP) ## one lab per student: STUDENTS=N (student01 ...) or NAMES="ann bob" [ENGINES="ctx1 ctx2"]; the roster
	@$(PY) -m lab.cli.classes $(CLASS_ARGS) up $(if $(STUDENTS),--students '$(STUDENTS)') $(if $(NAMES),--names '$(NAMES)') $(if $(ENGINES),--engines '$(ENGINES)')

class-status: $(STAMP) ## one line per lab of the class: healthy, active variant, last result
	@$(PY) -m lab.cli.classes $(CLASS_ARGS) status

class-verify: $(STAMP) ## VARIANT=<variant> in every lab of the class at once; a summary table (exit 1 on any mismatch)
	@$(PY) -m lab.cli.classes $(CLASS_ARGS) verify $(VARIANT)

class-report: $(STAMP) ## results/class.<class>.html: every student's matrix side by side, who ran what, when
	@$(PY) -m lab.cli.classes $(CLASS_ARGS) report

class-down: $(STAMP) ## remove exactly the labs class-up created (and nothing else)
	@$(PY) -m lab.cli.classes $(CLASS_ARGS) down

bench-class: bootstrap $(STAMP) ## STUDENTS=N labs up, idle CPU and memory per lab, class-verify method1, class-down -> results/bench-class.json
	$(PY) -m lab.bench.whole_class $(CLASS_ARGS) --students '$(or $(STUDENTS),10)'

web: $(STAMP) $(NODE_STAMP) ## the lab (or CLASS=<class>) in a browser: live matrix, projector view, class page, predictions; the student's page (every exercise, a terminal); prints a link with a token for the instructor and per lab (WEB_LISTEN=0.0.0.0:8025 for a classroom, ROTATE=1 new tokens, WEB_CERT= WEB_KEY= for HTTPS)
	@$(PY) -m lab.web

publish: bootstrap $(STAMP) ## opt-in, while it runs: 127.0.0.1:2525/1110 -> postfix SMTP/POP3, 127.0.0.1:2526 -> sendmail
	$(LAB) publish

shell-%: $(STAMP) ## shell-<host>: a shell on that host (outside, inside, postfix, ...); stdin may be a pipe
	@$(LAB) shell $*

logs-%: $(STAMP) ## logs-<host>: follow that host's mail log (postfix, sendmail, relay, remote, dns; RAW=1: every line)
	@$(LAB) logs -f $* $(if $(RAW),--raw)

clean: lab-down ## stop the lab and remove the virtualenv and results
	rm -rf $(VENV) results .pytest_cache
