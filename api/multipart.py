"""The GraphQL multipart request (`operations`, `map`, file parts) checked before use: strawberry
would follow any path the map names and put whatever part it names there, so a malformed map
failed as an internal error ("'str' object has no attribute 'filename'", an index out of range).
Here each is a 400 that says what is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import UploadFile

MAX_PATHS_PER_FILE = 10


class MultipartRefused(ValueError):
    """The request is not a well-formed GraphQL multipart request."""


def operations_with_files(
    operations: Any, files_map: Any, parts: Mapping[str, Any], *, max_files: int
) -> dict[str, Any]:
    """`operations` with each file put where the map says: every map entry names a file part
    and paths to null placeholders inside `variables` that exist."""
    if not isinstance(operations, dict):
        raise MultipartRefused("operations must be a JSON object (batches take no files)")
    if not isinstance(files_map, dict):
        raise MultipartRefused('map must be a JSON object: {"0": ["variables.file"]}')
    if len(files_map) > max_files:
        raise MultipartRefused(f"at most {max_files} files per request")
    variables = operations.get("variables")
    for name, paths in files_map.items():
        part = parts.get(name)
        if not isinstance(part, UploadFile):
            raise MultipartRefused(f"map names part {name!r}, which is not a file part")
        if (
            not isinstance(paths, list)
            or not paths
            or len(paths) > MAX_PATHS_PER_FILE
            or not all(isinstance(path, str) for path in paths)
        ):
            raise MultipartRefused(
                f"map[{name!r}] must list 1 to {MAX_PATHS_PER_FILE} paths like variables.file"
            )
        for path in paths:
            container, key = _placeholder(variables, path)
            container[key] = part  # type: ignore[index]
    return operations


def _placeholder(variables: Any, path: str) -> tuple[dict[str, Any] | list[Any], str | int]:
    """The container and key of the null at `path` ("variables.files.0")."""
    head, _, rest = path.partition(".")
    if head != "variables" or not rest:
        raise MultipartRefused(f"map path {path!r} must point into variables")
    steps = rest.split(".")
    target: Any = variables
    for depth, step in enumerate(steps):
        key: str | int
        if isinstance(target, dict) and step in target:
            key = step
        elif isinstance(target, list) and step.isdigit() and int(step) < len(target):
            key = int(step)
        else:
            raise MultipartRefused(f"map path {path!r} names nothing in the variables")
        if depth == len(steps) - 1:
            if target[key] is not None:
                raise MultipartRefused(f"map path {path!r} must point at a null placeholder")
            return target, key
        target = target[key]
    raise MultipartRefused(f"map path {path!r} names nothing in the variables")
