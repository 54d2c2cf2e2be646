"""CI: the README's run command on a fresh copy, in an environment without the test extra.

The test command installs `.[test]`, which hides a runtime dependency declared only there; this
script is the newcomer's and the operator's first minutes instead:

1. copy the tracked tree to a temporary folder and run the README's run command there,
   exactly as written, with DATABASE_URL and REDIS_URL unset (embedded servers under .gridgov/);
2. import every module of api, schema, workers and policies in that environment, so a missing
   runtime dependency fails with its name;
3. wait for /readyz, sign in as a demo user, ask `me`, see the worker's arq health check;
4. the production-like path against the given servers: GRIDGOV_ENV=production with a secret,
   `gridgov migrate`, `gridgov create-user`, `gridgov serve --no-worker` and `gridgov worker`;
5. stop everything by PID and check that no process it started is left.

Any failing step prints the logs of the processes it started and exits non-zero. Standard
library only: the script must not lean on what it checks (httpx, say) being installed.

    python3 .ci/smoke.py [--python PATH] [--skip-production]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "Gridgov-demo-2026"  # README: every demo user's password
READY_SECONDS = 300  # first start: initdb, migrations and the demo city on two busy cores
SMOKE_REDIS_DB = 11
# Runs one statement on the server named by argv[1] (asyncpg is a runtime dependency).
ADMIN_SQL = """
import asyncio, sys
import asyncpg

async def main():
    connection = await asyncpg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1))
    await connection.execute(sys.argv[2])
    await connection.close()

asyncio.run(main())
"""


class SmokeFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def readme_run_command() -> str:
    """The first fenced `sh` block of the README's "Two commands" section."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1]
    match = re.search(r"```sh\n(.+?)\n```", section, re.DOTALL)
    if match is None:
        raise SmokeFailed("README.md: no ```sh block under '## Two commands'")
    command = match.group(1).strip()
    if "serve" not in command:
        raise SmokeFailed(f"README.md: the first command does not serve: {command!r}")
    return command


def copy_tracked_tree(target: Path) -> None:
    """The files git tracks, as they are in the working tree (a clean clone's content in CI)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if not source.is_file():
            continue  # deleted in the working tree
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Processes:
    """Processes started by the smoke run, each with its log file, stopped by PID."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, command: str | list[str], *, cwd: Path, env: dict[str, str]):
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(
            command,
            shell=isinstance(command, str),
            cwd=cwd,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((name, process, log))
        say(f"started {name} (pid {process.pid})")
        return process

    def stop(self, process: subprocess.Popen[bytes], *, seconds: float = 60) -> None:
        """SIGTERM as a process manager sends it; the process must clean up after itself."""
        if process.poll() is None:
            # The whole group: the README's command is a shell line whose last command
            # (`gridgov serve`) is the shell's child, not the shell itself.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=seconds)
            except subprocess.TimeoutExpired as error:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                raise SmokeFailed(
                    f"pid {process.pid} did not stop within {seconds:.0f} s"
                ) from error

    def dump_logs(self) -> None:
        for name, _, log in self.started:
            print(f"\n----- {name} ({log}) -----", flush=True)
            text = log.read_text(errors="replace") if log.exists() else "(no log)"
            print(text[-20000:], flush=True)

    def kill_all(self) -> None:
        for _, process, _ in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)


def processes_under(root: Path) -> list[str]:
    """Live processes whose command line names a path under `root` (ours, by construction:
    the venv, the copy and the embedded servers' data all live there)."""
    found = []
    marker = str(root).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            shown = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{entry.name}: {shown}")
    return found


def request(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    call = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SmokeFailed(f"the server exited with {server.returncode} before it was ready")
        with contextlib.suppress(OSError):
            status, body = request(f"{base}/readyz")
            if status == 200:
                say(f"ready: {body}")
                return
        time.sleep(1)
    raise SmokeFailed(f"/readyz did not answer 200 within {READY_SECONDS} s")


def sign_in_and_ask_me(base: str, username: str, password: str) -> None:
    login = (
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) {"
        " __typename ... on AuthPayload { accessToken } ... on Error { code message } } }"
    )
    status, body = request(
        f"{base}/graphql", {"query": login, "variables": {"u": username, "p": password}}
    )
    payload = (body.get("data") or {}).get("login") or {}
    if status != 200 or payload.get("__typename") != "AuthPayload":
        raise SmokeFailed(f"login as {username}: HTTP {status} {body}")
    status, body = request(
        f"{base}/graphql",
        {"query": "{ me { username roles { role regionCode } } }"},
        token=payload["accessToken"],
    )
    me = (body.get("data") or {}).get("me") or {}
    if status != 200 or me.get("username") != username:
        raise SmokeFailed(f"me as {username}: HTTP {status} {body}")
    say(f"signed in as {username}; me answered {me}")


# Reads (or with "delete", removes) the worker's arq health-check key, named in
# workers/settings.py, with redis-py from the runtime environment.
HEALTH_PROBE = """
import sys
import redis
from workers.settings import WorkerSettings

client = redis.Redis.from_url(sys.argv[1])
if sys.argv[2:] == ["delete"]:
    client.delete(WorkerSettings.health_check_key)
    sys.exit(0)
value = client.get(WorkerSettings.health_check_key)
print(value.decode() if value else "")
sys.exit(0 if value else 1)
"""


def health_probe(python: Path, redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-c", HEALTH_PROBE, redis_url, *args],
        capture_output=True,
        text=True,
        check=False,
    )


def wait_worker_healthy(python: Path, redis_url: str, worker: subprocess.Popen[bytes]) -> None:
    """arq writes its health-check key on the worker's first poll."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SmokeFailed(f"the worker exited with {worker.returncode}")
        answer = health_probe(python, redis_url)
        if answer.returncode == 0:
            say(f"worker healthy: {answer.stdout.strip()}")
            return
        time.sleep(1)
    raise SmokeFailed(f"the worker wrote no arq health check within 120 s: {answer.stderr}")


def clear_health_key(python: Path, redis_url: str) -> None:
    answer = health_probe(python, redis_url, "delete")
    if answer.returncode != 0:
        raise SmokeFailed(f"could not clear the health check: {answer.stderr}")


def base_env(root: Path) -> dict[str, str]:
    """The machine's environment less anything that would point the service elsewhere."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GRIDGOV_")
        and key not in {"DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV"}
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["TMPDIR"] = str(root / "tmp")
    (root / "tmp").mkdir(exist_ok=True)
    return env


def embedded_run(root: Path, work: Path, run: Processes, python_exe: str) -> Path:
    """The README's run command, as written, in the copy; returns the venv's python."""
    command = readme_run_command()
    if python_exe != "python3":
        command = command.replace("python3 -m venv", f"{python_exe} -m venv", 1)
    port = free_port()
    env = base_env(root) | {"GRIDGOV_PORT": str(port)}
    say(f"README run command: {command}  (GRIDGOV_PORT={port}, no DATABASE_URL/REDIS_URL)")
    server = run.start("serve-embedded", command, cwd=work, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, server)
    python = work / ".venv" / "bin" / "python"

    say("importing every module of api, schema, workers, policies without the test extra")
    imported = subprocess.run(
        [str(python), str(REPO / ".ci" / "import_all.py")], cwd=work, env=env, check=False
    )
    if imported.returncode != 0:
        raise SmokeFailed("a module does not import in the runtime environment")

    sign_in_and_ask_me(base, "admin", DEMO_PASSWORD)
    port_text = (work / ".gridgov" / "redis" / "server.json").read_text().partition(":")[0]
    embedded_redis = f"redis://127.0.0.1:{port_text}/0"
    wait_worker_healthy(python, embedded_redis, server)  # the worker `serve` started

    run.stop(server)
    say("embedded run stopped")
    return python


def production_run(root: Path, work: Path, run: Processes, python: Path) -> None:
    """The same service against the given servers, as an operator deploys it."""
    database_url = os.environ["DATABASE_URL"]
    redis_url = re.sub(r"/\d*$", "", os.environ["REDIS_URL"].rstrip("/")) + f"/{SMOKE_REDIS_DB}"
    database = f"gridgov_smoke_{secrets.token_hex(4)}"
    server_url = re.sub(
        r"/[^/?]*(\?|$)", rf"/{database}\1", database_url.split("://", 1)[1], count=1
    )
    url = database_url.split("://", 1)[0] + "://" + server_url
    gridgov = str(work / ".venv" / "bin" / "gridgov")
    port = free_port()
    env = base_env(root) | {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "GRIDGOV_ENV": "production",
        "GRIDGOV_SECRET_KEY": secrets.token_urlsafe(48),
        "GRIDGOV_PORT": str(port),
        "GRIDGOV_DATA_DIR": str(root / "production-data"),
    }
    subprocess.run(
        [str(python), "-c", ADMIN_SQL, database_url, f'CREATE DATABASE "{database}"'], check=True
    )
    try:
        for name, args in (
            ("migrate", [gridgov, "migrate"]),
            (
                "create-user",
                [
                    gridgov,
                    "create-user",
                    "smoke.admin",
                    "--role",
                    "admin",
                    "--region",
                    "4106",
                    "--region-name",
                    "鹤壁市",
                    "--password",
                    "Smoke-Admin-2026",
                ],
            ),
        ):
            done = run.start(name, args, cwd=work, env=env)
            if done.wait(timeout=300) != 0:
                raise SmokeFailed(f"gridgov {name} exited with {done.returncode}")
        clear_health_key(python, redis_url)
        server = run.start("serve-production", [gridgov, "serve", "--no-worker"], cwd=work, env=env)
        worker = run.start("worker-production", [gridgov, "worker"], cwd=work, env=env)
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, server)
        sign_in_and_ask_me(base, "smoke.admin", "Smoke-Admin-2026")
        wait_worker_healthy(python, redis_url, worker)
        run.stop(worker)
        run.stop(server)
        say("production-like run stopped")
    finally:
        subprocess.run(
            [
                str(python),
                "-c",
                ADMIN_SQL,
                database_url,
                f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
            ],
            check=False,
        )


@contextlib.contextmanager
def workspace() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="gridgov-smoke-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default="python3", help="interpreter for the venv")
    parser.add_argument("--skip-production", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    with workspace() as root:
        work = root / "gridgov"
        copy_tracked_tree(work)
        run = Processes(root)
        try:
            python = embedded_run(root, work, run, args.python)
            if not args.skip_production:
                if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
                    raise SmokeFailed("the production-like run needs DATABASE_URL and REDIS_URL")
                production_run(root, work, run, python)
            time.sleep(1)  # pgserver's last user leaving stops PostgreSQL a moment later
            left = processes_under(root)
            deadline = time.monotonic() + 30
            while left and time.monotonic() < deadline:
                time.sleep(1)
                left = processes_under(root)
            if left:
                raise SmokeFailed("processes left running:\n  " + "\n  ".join(left))
        except (SmokeFailed, subprocess.SubprocessError, OSError) as error:
            say(f"FAILED: {error}")
            run.dump_logs()
            run.kill_all()
            for line in processes_under(root):
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(line.split(":", 1)[0]), signal.SIGKILL)
            return 1
    say(f"passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
