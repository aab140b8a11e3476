# Two commands do all set-up: `make book` and `make test`. See README.md.
# Everything is installed into .venv from requirements.txt (exact pins); nothing else is touched.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SITE   := _build/html
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with .ci/nbval-sanitize.cfg -p no:cacheprovider

.PHONY: install book test test-code test-notebooks test-site lab bench execute clean

install: $(STAMP)

# Reinstall only when the pins or the package metadata change.
$(STAMP): requirements.txt code/pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "the course needs Python 3.11; run: make PYTHON=/path/to/python3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@# Build matplotlib's font cache now, so that no notebook prints "building the font cache".
	MPLBACKEND=Agg $(BIN)/python -c "import matplotlib.pyplot"
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book is built: open file://$(CURDIR)/$(SITE)/index.html"

test: test-code test-notebooks test-site

test-code: $(STAMP)
	$(BIN)/python -m pytest code

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL) chapters
	$(BIN)/python .ci/check_notebooks.py

test-site: $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going --all
	$(BIN)/python .ci/check_links.py $(SITE)

# (As root, as in many containers, JupyterLab refuses to start without --allow-root.)
lab: $(STAMP)
	$(BIN)/jupyter lab chapters $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: $(STAMP)
	$(BIN)/python .ci/bench.py

# Re-execute notebooks in a fresh kernel before committing them: `make execute` for all,
# `make execute NB=chapters/part1-convolution/01-convolution-by-hand.ipynb` for one.
execute: $(STAMP)
	$(BIN)/python .ci/execute.py $(NB)

clean:
	rm -rf _build
