# The app's image: gunicorn serving create_app() as `make run` does, as an unprivileged user,
# with Graphviz and fonts from Debian. compose.yaml runs several behind nginx; see the README's
# "Serving a class". Build: docker build -t backprop-circuits .
FROM python:3.11-slim-bookworm

# Graphviz lays out and draws every diagram (libgvc, loaded by graphlib/gvc.py, and `dot`);
# dot measures labels in real fonts: DejaVu for Latin and Greek, Nanum for Hangul.
# Debian's versions within the release, with its security updates, rather than pins that
# would stop building once a fix replaces them.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz fonts-dejavu-core fonts-nanum \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Every package pinned, as for `make run`; a layer of its own, rebuilt only when they change.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# The app's files (.dockerignore lets in only these), owned by root: the app cannot change them.
COPY app.py gunicorn.conf.py ./
COPY graphlib/ graphlib/
COPY templates/ templates/
COPY static/ static/

RUN groupadd --system --gid 10001 backprop \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin backprop
USER 10001:10001

# No proxy believed: run alone (docker run -p 8000:8000), a client's X-Forwarded-For must not
# choose the address the rate limit counts it by. compose.yaml, which puts nginx in front, sets 1.
# The access log on standard output, for `docker compose logs`.
ENV BACKPROP_PROXY_HOPS=0 \
    BACKPROP_ACCESS_LOG=-
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "app:create_app()"]
