"""The deployment where Docker is not: the Dockerfile linted (hadolint), compose.yaml checked against the compose specification, the two read together with deploy/, /healthz, /readyz and the access log, and the README's "Serving a class"."""

import json
import re
import runpy
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis
from ruamel.yaml import YAML

import graphlib
from app import BUILT_FROM, READINESS_KEPT_SECONDS, build_id, create_app
from live_server import UNTHROTTLED, LiveServer, free_port
from real_servers import RedisServer, SilentListener

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = YAML(typ="safe").load(ROOT / "compose.yaml")
README = (ROOT / "README.md").read_text()


def dockerfile_instructions(name):
    """The arguments of each `name` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def readme_section(title):
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


# --- linters ----------------------------------------------------------------------------------------

def test_the_dockerfile_passes_hadolint_without_a_single_finding():
    lint = subprocess.run([BIN / "hadolint", "--failure-threshold", "style", "Dockerfile"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert (lint.returncode, lint.stdout) == (0, "")


def test_compose_yaml_follows_the_compose_specifications_schema():
    check = subprocess.run([BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr


# --- the image, compose.yaml and deploy/ agree ----------------------------------------------------------

def test_the_image_runs_gunicorn_as_make_run_does_as_an_unprivileged_user():
    assert dockerfile_instructions("FROM") == ["python:3.11-slim-bookworm"]
    (user,) = dockerfile_instructions("USER")
    assert user.split(":")[0] not in ("0", "root")
    (command,) = dockerfile_instructions("CMD")
    assert json.loads(command) == ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000",
                                   "app:create_app()"]
    (healthcheck,) = dockerfile_instructions("HEALTHCHECK")
    assert "http://127.0.0.1:8000/healthz" in healthcheck
    assert dockerfile_instructions("EXPOSE") == ["8000"]


def test_the_image_has_graphviz_and_every_font_bootstrap_installs():
    installed = re.search(r"apt-get install -y --no-install-recommends ([a-z0-9 .-]+?) &&", " ".join(
        dockerfile_instructions("RUN"))).group(1).split()
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    fonts = set(re.findall(r"^\s*need (fonts-[a-z0-9-]+)", bootstrap, re.MULTILINE))
    assert "graphviz" in installed and fonts and fonts <= set(installed)


def test_the_image_copies_exactly_what_dockerignore_lets_in():
    allowed = [line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.startswith("!")]
    copied = [source.rstrip("/") for arguments in dockerfile_instructions("COPY") for source in arguments.split()[:-1]]
    assert sorted(copied) == sorted(allowed)


def test_the_files_the_image_copies_are_enough_to_serve(tmp_path):
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        if line.startswith("!"):
            source = ROOT / line[1:]
            target = tmp_path / line[1:]
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, target)
    serve = ("from app import create_app\n"
             "client = create_app().test_client()\n"
             "print([client.get(path).status_code for path in "
             "('/readyz', '/graph.svg?expr=x*2', '/?expr=x*2', '/static/style.css')])\n")
    run = subprocess.run([sys.executable, "-c", serve], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "BACKPROP_COMPUTE_PROCESSES": "0"})
    assert run.stdout.strip() == "[200, 200, 200, 200]", run.stderr[-2000:]


def test_compose_runs_nginx_with_deploy_files_in_front_of_the_app_sharing_redis():
    services = COMPOSE["services"]
    assert set(services) == {"app", "proxy", "redis"}
    proxy, app = services["proxy"], services["app"]
    mounted = dict(volume.rsplit(":", 1)[0].split(":") for volume in proxy["volumes"])
    assert mounted == {f"./deploy/{name}": f"/etc/nginx/backprop/{name}"
                       for name in ("nginx.conf", "listen.conf", "upstream.conf")}
    assert proxy["entrypoint"][proxy["entrypoint"].index("-c") + 1] == "/etc/nginx/backprop/nginx.conf"
    assert proxy["user"].split(":")[0] not in ("0", "root")
    listen_port = re.search(r"^listen (\d+);", (ROOT / "deploy" / "listen.conf").read_text(), re.MULTILINE).group(1)
    assert proxy["ports"] == [f"{listen_port}:{listen_port}"]
    upstream = re.findall(r"^server (\S+);", (ROOT / "deploy" / "upstream.conf").read_text(), re.MULTILINE)
    assert upstream == ["app:8000"] and app["expose"] == ["8000"] and "ports" not in app
    assert app["environment"] == {"BACKPROP_RATELIMIT_STORAGE_URI": "redis://redis:6379/0",
                                  "BACKPROP_CACHE_URI": "redis://redis:6379/1", "BACKPROP_PROXY_HOPS": "1"}


def test_the_image_alone_believes_no_proxy_and_compose_believes_its_one_nginx():
    """docker run -p 8000:8000 has no proxy in front: a client's X-Forwarded-For is its own word."""
    image_hops = re.search(r"BACKPROP_PROXY_HOPS=(\d+)", " ".join(dockerfile_instructions("ENV"))).group(1)
    assert (image_hops, COMPOSE["services"]["app"]["environment"]["BACKPROP_PROXY_HOPS"]) == ("0", "1")
    client = create_app({"PROXY_HOPS": int(image_hops), "RATE_LIMIT": "1 per minute"}).test_client()
    statuses = [client.get(f"/graph.svg?expr=x*{n}", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in (2, 3)]
    assert statuses == [200, 429]


def test_nginx_refuses_bodies_at_the_apps_limit():
    from app import MAX_BODY_BYTES

    nginx_conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"^\s*client_max_body_size (\d+)k;", nginx_conf, re.MULTILINE).group(1) == str(MAX_BODY_BYTES // 1024)
    assert f"larger than the {MAX_BODY_BYTES} bytes allowed" in nginx_conf


def test_nginx_lets_go_of_idle_connections_to_the_app_before_gunicorn_closes_them():
    upstream_block = re.search(r"upstream app \{(.*?)\}", (ROOT / "deploy" / "nginx.conf").read_text(), re.DOTALL).group(1)
    nginx_idle_seconds = int(re.search(r"keepalive_timeout (\d+)s;", upstream_block).group(1))
    assert nginx_idle_seconds < runpy.run_path(str(ROOT / "gunicorn.conf.py"))["keepalive"]


# --- /healthz, /readyz and the access log, in one process ------------------------------------------------

def test_healthz_and_readyz_answer_outside_the_rate_limit():
    client = create_app({"RATE_LIMIT": "1 per minute"}).test_client()
    for _ in range(3):
        assert client.get("/healthz").json == {"status": "alive"}
        answer = client.get("/readyz")
        assert (answer.status_code, answer.json) == (200, {"status": "ready", "checks": {"graphviz": "ok"}})


def test_readyz_is_503_saying_which_redis_does_not_answer():
    nowhere = f"redis://127.0.0.1:{free_port()}"
    client = create_app({"RATELIMIT_STORAGE_URI": nowhere, "CACHE_URI": f"{nowhere}/1"}).test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["status"] == "not ready" and answer.json["checks"]["graphviz"] == "ok"
    assert answer.json["checks"]["rate_limit_storage"] == "ConnectionError: the rate limit's storage does not answer"
    assert answer.json["checks"]["answer_cache"].startswith("ConnectionError: Error 111 connecting to 127.0.0.1")
    assert client.get("/healthz").status_code == 200


def test_readyz_answers_what_it_found_for_a_moment_rather_than_ask_again():
    with RedisServer() as redis_server:
        client = create_app({"CACHE_URI": f"{redis_server.url}/1"}).test_client()
        assert client.get("/readyz").status_code == 200
        redis_server.stop()
        assert client.get("/readyz").status_code == 200  # found a moment ago
        time.sleep(READINESS_KEPT_SECONDS)
        assert client.get("/readyz").json["checks"]["answer_cache"].startswith("ConnectionError")


def test_a_redis_that_never_answers_slows_no_request_past_a_moment():
    """Both stores in a Redis that accepts connections and never answers: each is given up after
    a fraction of a second, then left alone (the cache) or counted in memory (the rate limit)."""
    with SilentListener() as silent_redis, LiveServer(env={
            **UNTHROTTLED, "BACKPROP_RATELIMIT_STORAGE_URI": silent_redis.url,
            "BACKPROP_CACHE_URI": f"{silent_redis.url}/1"}) as server:
        for number in range(5):
            started = time.monotonic()
            status, _, _ = server.get(f"/graph.svg?expr=x*{number}", timeout=10)
            assert (status, time.monotonic() - started < 2) == (200, True), number
        started = time.monotonic()
        assert server.get("/readyz", timeout=10)[0] == 503 and time.monotonic() - started < 2


def test_the_shared_answers_are_kept_under_the_build_they_were_made_by(tmp_path):
    """Redis outlives the app's instances: a rebuilt app names its answers afresh, so that it
    never serves the answers of the code it replaced."""
    with RedisServer() as redis_server:
        create_app({"CACHE_URI": f"{redis_server.url}/1"}).test_client().get("/graph.svg?expr=x*2")
        names = [name.decode() for name in redis.Redis.from_url(f"{redis_server.url}/1").keys()]
    assert names and all(name.startswith(f"backprop:answers:{build_id()}:") for name in names)
    assert build_id().startswith(f"{graphlib.__version__}-")
    image, other_image, copy = (tmp_path / name for name in ("image", "other_image", "changed"))
    for built in (image, other_image, copy):
        built.mkdir()
        for part in BUILT_FROM:
            (shutil.copy if (ROOT / part).is_file() else shutil.copytree)(ROOT / part, built / part)
    computed_afresh = build_id.__wrapped__
    assert computed_afresh(image) == computed_afresh(other_image)  # every instance of one image agrees
    for changed in ("app.py", "graphlib/ops.py", "graphlib/translations/ko/LC_MESSAGES/messages.mo",
                    "templates/index.html", "static/style.css"):
        before = computed_afresh(copy)
        with open(copy / changed, "ab") as file:
            file.write(b"\n")
        assert computed_afresh(copy) != before, changed


ACCESS_LOG_FIELDS = ["time", "instance", "client", "method", "path", "query_bytes", "status", "bytes", "ms", "cache"]


def test_the_access_log_has_a_json_line_for_every_request(tmp_path):
    log = tmp_path / "access.jsonl"
    client = create_app({"ACCESS_LOG": str(log), "INSTANCE": "one"}).test_client()
    answers = [client.get(path) for path in ("/graph.svg?expr=x*2", "/graph.svg?expr=x*2", "/static/style.css",
                                             "/api/graph?expr=x*", "/nowhere%0A{%22forged%22: 1}")]
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [list(line) for line in lines] == [ACCESS_LOG_FIELDS] * 5
    assert [(line["path"], line["query_bytes"], line["status"], line["cache"]) for line in lines] == [
        ("/graph.svg", 8, 200, "miss"), ("/graph.svg", 8, 200, "hit"), ("/static/style.css", 0, 200, None),
        ("/api/graph", 7, 400, "miss"), ("/nowhere\n{\"forged\": 1}", 0, 404, None)]
    assert [line["bytes"] for line in lines] == [len(answer.data) for answer in answers]
    assert {(line["instance"], line["method"], line["client"]) for line in lines} == {("one", "GET", "127.0.0.1")}


# --- the README's "Serving a class" --------------------------------------------------------------------

def test_every_setting_the_section_names_is_read_by_the_app():
    config = create_app().config
    names = set(re.findall(r"BACKPROP_([A-Z_]+)", readme_section("Serving a class")))
    assert names >= {"RATELIMIT_STORAGE_URI", "CACHE_URI", "CACHE_TTL_SECONDS", "ANSWER_CACHE_BYTES", "PROXY_HOPS",
                     "ACCESS_LOG", "INSTANCE"}
    assert {name for name in names if name not in config} == set()
    assert (config["CACHE_TTL_SECONDS"], config["ANSWER_CACHE_BYTES"]) == (3600, 128 * 1024 * 1024)


def test_the_sections_commands_name_compose_services_and_its_log_line_has_the_logs_fields():
    section = readme_section("Serving a class")
    for service in re.findall(r"docker compose (?:logs -f|kill -s HUP|up -d --scale) (\w+)", section):
        assert service in COMPOSE["services"]
    example = json.loads(re.search(r"```json\n(.*?)\n```", section, re.DOTALL).group(1))
    assert list(example) == ACCESS_LOG_FIELDS



def test_the_access_log_names_the_client_the_proxy_names_and_no_other(tmp_path):
    log = tmp_path / "access.jsonl"
    client = create_app({"ACCESS_LOG": str(log), "PROXY_HOPS": 1}).test_client()
    for forwarded in ("203.0.113.7", "198.51.100.9, 203.0.113.7"):  # a client's claim, then the proxy's
        client.get("/healthz", headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    client.get("/healthz", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert [json.loads(line)["client"] for line in log.read_text().splitlines()] == [
        "203.0.113.7", "203.0.113.7", "10.0.0.2"]
