"""Import every module of the service's packages; a missing runtime dependency fails by name.

Run by .ci/smoke.py with the environment the README's run command made (no test extra)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

PACKAGES = ("api", "schema", "workers", "policies")


def main() -> int:
    failed = 0
    count = 0
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        names = [package_name] + [
            info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}.")
        ]
        for name in names:
            count += 1
            try:
                importlib.import_module(name)
            except Exception as error:
                failed += 1
                missing = getattr(error, "name", None)
                print(f"import_all: {name}: {type(error).__name__}: {error}", file=sys.stderr)
                if missing:
                    print(f"import_all:   missing module {missing!r}", file=sys.stderr)
                traceback.print_exc(limit=3)
    print(f"import_all: {count - failed} of {count} modules import")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
