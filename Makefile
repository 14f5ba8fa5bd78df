# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make figures   install into .venv, then regenerate every figure from seeds/ into figures/
#   make test      install into .venv (with test extras), then run the test suite
#   make results   compute the seeds study once into results/ (then `textlab figures results` draws in seconds)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.textlab-installed

.PHONY: install figures results report test bench lock clean-venv

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

figures: $(STAMP)
	$(BIN)/textlab figures seeds/study.toml --out figures

results: $(STAMP)
	$(BIN)/textlab analyze seeds/study.toml --out results

report: $(STAMP)
	$(BIN)/textlab report seeds/study.toml --out reports/seeds_report.html

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean-venv:
	rm -rf $(VENV)

# Rewrite requirements.lock from the current environment (after changing pyproject.toml).
lock: $(STAMP)
	{ echo "# Exact versions the README's two commands install (pip constraints: make figures / make test)."; \
	  echo "# pyproject.toml keeps open ranges for library users. Regenerate with: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v "^pip=="; } > requirements.lock
