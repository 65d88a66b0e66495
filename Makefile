# Set-up and everyday commands. `make app` and `make test` create the environment on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: app test lint install clean-env

app: $(STAMP)  ## start the web app on http://localhost:8501 (data in data/)
	$(BIN)/streamlit run app.py

test: $(STAMP)  ## run the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP)  ## style and common mistakes (ruff)
	$(BIN)/ruff check .

install: $(STAMP)

# torch is pinned to 2.13.0 (pyproject.toml): on the project's machines that is a local CPU wheel.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean-env:
	rm -rf $(VENV)
