# policykg: two commands on a fresh Debian machine with Python 3.11.
#   make demo   set up, ingest the bundled corpus into the default store, print a summary,
#               write the HTML graphs and say where
#   make test   set up with test needs (Chromium, CJK fonts, Virtuoso, Oxigraph server), run every test

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
OUT    := out
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_TEST_PACKAGES := chromium fonts-noto-cjk virtuoso-opensource poppler-utils

.PHONY: demo test install install-test system-test-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# PYTHONWARNINGS: setuptools' notice that an editable install uses a path finder is not for analysts
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian packages the tests drive for real: a browser, CJK fonts, a second SPARQL server.
system-test-deps:
	@missing=""; for p in $(APT_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: install
	$(BIN)/policykg ingest corpus
	$(BIN)/policykg align >/dev/null
	$(BIN)/policykg stats
	@mkdir -p $(OUT)
	$(BIN)/policykg viz agencies --out $(OUT)/agencies.html
	$(BIN)/policykg viz network --out $(OUT)/network.html
	$(BIN)/policykg viz lineage --out $(OUT)/lineage.html
	@echo "HTML graphs written to $(CURDIR)/$(OUT)/ (open agencies.html in a browser)"
	@echo "policykg is in $(CURDIR)/$(BIN)/: run 'source $(VENV)/bin/activate' to put it on PATH, then 'policykg serve' for the workbench"

test: install-test system-test-deps
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info .pytest_cache
