# Two commands do all set-up: `make book` and `make test`. See README.md.
# Everything is installed into .venv from requirements.txt (exact pins); nothing else is touched.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BSTAMP := $(VENV)/.installed-browser
SITE   := _build/html
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with .ci/nbval-sanitize.cfg -p no:cacheprovider

.PHONY: install book pdf test test-code test-notebooks test-site test-browser test-lab lab bench execute clean

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

# `make book SOLUTIONS=hide`: the site without solutions, in $(NOSOLUTIONS)/_build/html (its own
# folder: the default site in $(SITE) is untouched). .ci/homework.py writes the configuration.
book: $(STAMP)
ifeq ($(SOLUTIONS),hide)
	$(BIN)/python .ci/homework.py book-config $(NOSOLUTIONS)/_config.yml
	$(BIN)/jupyter-book build . -W --keep-going --config $(NOSOLUTIONS)/_config.yml --path-output $(NOSOLUTIONS)
	@echo "The book without solutions is built: open file://$(CURDIR)/$(NOSOLUTIONS)/_build/html/index.html"
else
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book is built: open file://$(CURDIR)/$(SITE)/index.html"
endif

test: test-code test-notebooks test-site test-browser test-lab test-homework

test-code: $(STAMP)
	$(BIN)/python -m pytest code

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL) chapters
	$(BIN)/python .ci/check_notebooks.py
	$(BIN)/python .ci/bibliography.py --check

test-site: $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going --all
	$(MAKE) --no-print-directory pdf
	$(BIN)/python .ci/check_links.py $(SITE)

# `make pdf`: the whole book as one PDF, _build/pdf/transposed-convolution.pdf, printed by Debian's
# Chromium from Jupyter Book's single-page build (.ci/pdf.py; without Chromium it says it was
# skipped, exit code 77, and with CI=true that fails). A copy goes into the built site, where
# every page's download menu links to it.
pdf: $(BSTAMP)
	$(BIN)/python .ci/pdf.py || test $$? = 77
	if [ -d $(SITE) ] && [ -f _build/pdf/transposed-convolution.pdf ]; then \
	  cp _build/pdf/transposed-convolution.pdf $(SITE)/; fi

# The site in a real browser: Debian's Chromium (`apt-get install chromium`) driven by Playwright,
# every page at desktop and phone width and in dark mode, screenshots in _build/screenshots/site.
# Without Chromium it says it was skipped and why (exit code 77); with CI=true that fails.
$(BSTAMP): $(STAMP) requirements-browser.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt
	touch $(BSTAMP)

test-browser: $(BSTAMP)
	test -f $(SITE)/index.html || $(BIN)/jupyter-book build . -W --keep-going
	$(BIN)/python .ci/browser_site.py $(SITE) --screenshots _build/screenshots/site || test $$? = 77

# The chapters in JupyterLab, in Debian's Chromium (.ci/browser_lab.py): rendered MyST, folded
# solutions, trusted notebooks, working links, one chapter per part run in the browser;
# screenshots in _build/screenshots/lab. Without Chromium it says it was skipped and why (exit
# code 77); with CI=true that fails. --trust trusts the chapters first, as `make lab` does.
test-lab: $(BSTAMP)
	$(BIN)/python .ci/browser_lab.py --trust --screenshots _build/screenshots/lab || test $$? = 77

# JupyterLab on chapters/, opening on the intro rendered (binder/overrides.json: Markdown files open
# in the preview, which jupyterlab-myst renders). The notebooks are trusted first, so that their
# saved figures and animations show before anything runs; trust is per user and lost when a
# notebook changes, hence every time. (As root, as in many containers, JupyterLab refuses to
# start without --allow-root.)
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings

lab: $(STAMP)
	$(BIN)/jupyter trust chapters/*/*.ipynb
	mkdir -p $(LAB_SETTINGS) && cp binder/overrides.json $(LAB_SETTINGS)/overrides.json
	$(BIN)/jupyter lab --ServerApp.root_dir=chapters --LabApp.default_url=/lab/tree/intro.md \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: $(STAMP)
	$(BIN)/python .ci/bench.py

# Re-execute notebooks in a fresh kernel before committing them: `make execute` for all,
# `make execute NB=chapters/part1-convolution/01-convolution-by-hand.ipynb` for one.
execute: $(STAMP)
	$(BIN)/python .ci/execute.py $(NB)

clean:
	rm -rf _build

# ---------------------------------------------------------------- homework (instructors)
# nbgrader and what it needs, pinned in requirements-instructor.txt, installed into .venv on the
# first `make student`/`make grade`; students never need it. See chapters/instructors.md.
ISTAMP           := $(VENV)/.installed-instructor
CH               ?=
SUBMISSIONS      ?=
TIMEOUT          ?= 300
NOTEBOOK_TIMEOUT ?= 1800
SOLUTIONS        ?= show
NOSOLUTIONS      := _build/nosolutions

.PHONY: instructor student grade test-homework

instructor: $(ISTAMP)

$(ISTAMP): $(STAMP) requirements-instructor.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-instructor.txt
	touch $(ISTAMP)

# `make student` (every chapter) or `make student CH=05` (one): _build/student/<part>/<notebook>.ipynb
student: $(ISTAMP)
	$(BIN)/python .ci/homework.py student $(if $(CH),--chapter $(CH))

# `make grade SUBMISSIONS=dir` with dir/<student>/<notebook>.ipynb: _build/grades/grades.csv and
# _build/grades/feedback/<student>/<notebook>.html. TIMEOUT: seconds per cell; NOTEBOOK_TIMEOUT:
# seconds per notebook, after which its kernel is killed and it scores 0.
grade: $(ISTAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir  (dir/<student>/<notebook>.ipynb)"; exit 2; }
	$(BIN)/python .ci/homework.py grade $(SUBMISSIONS) --timeout $(TIMEOUT) --notebook-timeout $(NOTEBOOK_TIMEOUT)

test-homework: $(ISTAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider .ci/test_homework.py
