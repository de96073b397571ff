# make run    serve the app on http://127.0.0.1:$(PORT)   (PORT=8080 make run)
# make test   run the test suite                       (make test PYTEST_ARGS='-k parse -x')
# make clean  remove the virtualenv and caches
#
# Each target first runs scripts/bootstrap.sh, which installs whatever is
# missing (Python venv, pinned packages, Graphviz, fonts) and is a quick no-op
# when everything is already there.

PORT ?= 5000
PYTEST_ARGS ?=
VENV := .venv

.PHONY: run test clean

run:
	bash scripts/bootstrap.sh requirements.txt
	PORT=$(PORT) exec $(VENV)/bin/gunicorn --config gunicorn.conf.py 'app:create_app()'

test:
	bash scripts/bootstrap.sh --browser --redis --nginx requirements-dev.txt
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
