"""Write the SDL of the schema to schema/schema.graphql (the committed contract)."""

from __future__ import annotations

from pathlib import Path

from api.settings import Environment, Settings
from schema import build_schema


def main() -> None:
    path = Path(__file__).resolve().parent / "schema.graphql"
    path.write_text(
        build_schema(Settings(gridgov_env=Environment.TEST)).as_str().strip() + "\n",
        encoding="utf-8",
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
