"""What ships the service: the compose stack (read, and built where Docker runs), the Dockerfile,
the Prometheus and Grafana files, the lock files against pyproject, and CI's audit script."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from api import metrics

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_compose_stack_has_its_services_health_checks_and_profiles() -> None:
    services = compose()["services"]

    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "api",
        "worker",
        "prometheus",
        "grafana",
    }
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        if name != "migrate":  # a one-shot job; the others are waited for by health
            assert service["healthcheck"]["test"], name
    for name in ("migrate", "api", "worker"):
        assert services[name]["build"] == {"context": ".", "dockerfile": "Dockerfile"}
        environment = services[name]["environment"]
        assert environment["GRIDGOV_ENV"] == "production"
        assert "${GRIDGOV_SECRET_KEY:?" in environment["GRIDGOV_SECRET_KEY"]
    assert services["api"]["command"][:2] == ["gridgov", "serve"]
    assert services["worker"]["command"] == ["gridgov", "worker"]
    assert services["worker"]["environment"]["GRIDGOV_WORKER_METRICS_PORT"] == "9100"
    # the observability services start only with their profile, after what they watch
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["observability"]
    for name in ("postgres", "redis", "migrate", "api", "worker"):
        assert "profiles" not in services[name]
    assert services["prometheus"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert compose()["secrets"]["metrics_token"] == {"environment": "GRIDGOV_METRICS_TOKEN"}


def test_every_file_the_stack_mounts_or_builds_from_exists() -> None:
    services = compose()["services"]
    mounted = [
        volume.split(":")[0]
        for service in services.values()
        for volume in service.get("volumes", [])
        if volume.startswith("./")
    ]

    assert mounted  # prometheus.yml, grafana's provisioning and dashboard
    for source in mounted:
        assert (ROOT / source).exists(), source
    for path in ("Dockerfile", "requirements.lock", "README.md", "pyproject.toml"):
        assert (ROOT / path).is_file(), path


def test_the_dockerfile_builds_in_two_stages_from_the_lock_and_runs_unprivileged() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)

    assert len(stages) == 2 and all(stage.startswith("python:3.11") for stage in stages)
    assert "--require-hashes -r /tmp/requirements.lock" in dockerfile
    assert "pip install --no-deps /src" in dockerfile
    assert users == ["gridgov"]
    for copied in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.MULTILINE):
        for source in copied.split():
            assert (ROOT / source).exists(), source


def test_prometheus_scrapes_the_api_with_the_token_and_the_worker() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}

    api = jobs["gridgov-api"]
    assert api["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    assert api["dns_sd_configs"][0]["names"] == ["api"]
    assert api["dns_sd_configs"][0]["port"] == 8000
    assert jobs["gridgov-worker"]["static_configs"][0]["targets"] == ["worker:9100"]


def test_the_dashboard_charts_only_series_the_service_exports() -> None:
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "gridgov.json").read_text())
    exported = {
        metric._name  # type: ignore[attr-defined]
        for metric in vars(metrics).values()
        if hasattr(metric, "_type") and hasattr(metric, "_name")
    } | {"gridgov_outbox_lag_rows", "gridgov_outbox_lag_seconds", "gridgov_arq_queue_depth"}
    charted = {
        re.sub(r"_(bucket|count|sum|total)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"gridgov_[a-z_]+", target["expr"])
    }

    assert charted <= {re.sub(r"_total$", "", name) for name in exported}, charted
    assert len(charted) >= 15
    providers = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/dashboards/gridgov.yml").read_text()
    )
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def _pins(lock: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", lock.read_text(), re.MULTILINE)
    return {canonicalize_name(name): version for name, version in pins}


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", []), ("requirements-test.lock", ["test", "otel"])]
)
def test_the_lock_files_agree_with_pyproject(lock: str, extras: list[str]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(text) for text in project["dependencies"]]
    for extra in extras:
        wanted += [Requirement(text) for text in project["optional-dependencies"][extra]]
    pins = _pins(ROOT / lock)
    text = (ROOT / lock).read_text()

    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in {lock}: run pip-compile (README)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {name}=={pins[name]}, pyproject wants {requirement}"
        )
    # every pin is hash-checked (pip install --require-hashes)
    assert text.count("==") == len(pins) and text.count("--hash=sha256:") >= len(pins)
    if not extras:
        assert "opentelemetry-sdk" not in pins  # the extra stays out of the runtime


def test_ci_audit_fails_on_a_vulnerability_and_says_when_it_could_not_audit(
    tmp_path: Path,
) -> None:
    def fake_pip_audit(dependencies: list[dict[str, Any]]) -> str:
        tool = tmp_path / f"pip-audit-{len(list(tmp_path.iterdir()))}"
        tool.write_text(
            f"#!{sys.executable}\nimport sys\nprint({json.dumps(json.dumps({'dependencies': dependencies}))})\n"
            "open(sys.argv[0] + '.args', 'w').write(' '.join(sys.argv[1:]))\n"
        )
        tool.chmod(0o755)
        return str(tool)

    def audit(tool: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / ".ci" / "audit.py"), tool, "requirements.lock"],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", **env},
            timeout=60,
        )

    vulnerable = fake_pip_audit(
        [
            {
                "name": "jinja2",
                "version": "2.11.0",
                "vulns": [{"id": "PYSEC-1", "fix_versions": ["2.11.3"]}],
            },
            {"name": "orjson", "version": "3.10.0", "vulns": []},
        ]
    )
    clean = fake_pip_audit([{"name": "orjson", "version": "3.10.0", "vulns": []}])
    unreachable = fake_pip_audit(
        [{"name": "orjson", "version": "3.10.0", "skip_reason": "Dependency not found on PyPI"}]
    )

    failed = audit(vulnerable)
    assert failed.returncode == 1 and "VULNERABLE jinja2 2.11.0: PYSEC-1" in failed.stdout
    assert "--no-deps" in Path(vulnerable + ".args").read_text()
    assert audit(clean).returncode == 0
    unaudited = audit(unreachable)
    assert unaudited.returncode == 0 and "could not be reached" in unaudited.stdout
    assert audit(unreachable, GRIDGOV_AUDIT_REQUIRED="1").returncode == 1


def test_the_image_builds_where_docker_runs() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client on this machine: the image build is not tried")
    info = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or ["docker info failed"])[-1]
        pytest.skip(f"no Docker engine reachable ({reason}): the image build is not tried")
    built = subprocess.run(
        [docker, "build", "--tag", "gridgov:test", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    config = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"GRIDGOV_SECRET_KEY": "x" * 48, "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert config.returncode == 0, config.stderr
