"""CI's dependency audit: pip-audit over the locked requirements, failing on any known
vulnerability not listed in .ci/audit-ignore.txt.

pip-audit asks PyPI's JSON API which vulnerabilities a pinned release has. Where that service
cannot be reached (this machine reaches PyPI's package index, not its per-release JSON), pip-audit
skips every package as "not found on PyPI"; then nothing was audited, which is said plainly and,
unless GRIDGOV_AUDIT_REQUIRED=1, does not fail the run: CI fails on vulnerabilities it could see,
not on a service it cannot reach. A run where some packages were audited and others skipped lists
the skipped ones.

    python .ci/audit.py PIP_AUDIT LOCK_FILE
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

IGNORE_FILE = Path(__file__).with_name("audit-ignore.txt")


def ignored() -> list[str]:
    ids = []
    for line in IGNORE_FILE.read_text().splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            ids.append(entry)
    return ids


def main(pip_audit: str, lock_file: str) -> int:
    command = [
        pip_audit,
        "--requirement",
        lock_file,
        "--no-deps",  # the lock file is complete: nothing to resolve
        "--disable-pip",
        "--vulnerability-service",
        "pypi",
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    for vulnerability in ignored():
        command += ["--ignore-vuln", vulnerability]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit failed:\n{result.stderr}", file=sys.stderr)
        return 2
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dependency in vulnerable:
        for vulnerability in dependency["vulns"]:
            fixed = ", ".join(vulnerability.get("fix_versions") or []) or "no fix yet"
            print(
                f"VULNERABLE {dependency['name']} {dependency['version']}: "
                f"{vulnerability['id']} (fixed in {fixed})"
            )
    if not audited and skipped:
        print(
            f"pip-audit: the vulnerability service could not be reached; none of the "
            f"{len(skipped)} locked packages was audited ({skipped[0]['skip_reason']})"
        )
        return 1 if os.environ.get("GRIDGOV_AUDIT_REQUIRED") == "1" else 0
    for dependency in skipped:
        print(
            f"not audited: {dependency['name']} {dependency['version']}: {dependency['skip_reason']}"
        )
    print(
        f"pip-audit: {len(audited)} packages audited, {len(vulnerable)} vulnerable, "
        f"{len(ignored())} vulnerabilities ignored by {IGNORE_FILE.name}"
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
