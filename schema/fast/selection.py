"""What a client selected below a field, read from the document before it is executed.

A list page reads from the database only the columns its selection needs: fetching and decoding
all thirty columns of an event list cost more than twice as much as the eight a typical page
shows. The names come from the document itself, fragments followed. `@skip` and `@include` are
not evaluated: a field they may leave out still counts, since reading a column too many is
harmless and one too few is not. With the fast path off (GRIDGOV_FAST_EXECUTION=false) nothing
is read from the document: the answer is "everything"."""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.types import Info

from schema.fast.switch import is_on

# (field nodes, path) → (the nodes, kept so their ids stay theirs, and the names). Documents
# come from the parser cache, the same objects for the same text, so a page's selection is
# walked once; the bound keeps a stream of distinct documents from growing it without end.
_cache: dict[tuple[tuple[int, ...], tuple[str, ...]], tuple[object, frozenset[str]]] = {}
_CACHE_LIMIT = 2000


def selected_below(
    info: Info, path: tuple[str, ...], *, always: bool = False
) -> frozenset[str] | None:
    """The names of the fields selected at `path` below the field being resolved: for a
    connection, `("edges", "node")` gives the fields of its rows. None: read everything.
    `always` reads the document with the fast path off too, for a caller whose answer
    depends on it beyond speed (which identifiers a page audits as read whole)."""
    if not always and not is_on(info.schema.config):
        return None
    raw = info._raw_info
    nodes = raw.field_nodes
    key = (tuple(map(id, nodes)), path)
    entry = _cache.get(key)
    if entry is not None and entry[0] is nodes:
        return entry[1]
    names: set[str] = set()
    for node in nodes:
        if node.selection_set is not None:
            _collect(node.selection_set, path, raw.fragments, names, set())
    found = frozenset(names)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[key] = (nodes, found)
    return found


def _collect(
    selection_set: SelectionSetNode,
    path: tuple[str, ...],
    fragments: dict[str, FragmentDefinitionNode],
    names: set[str],
    spread: set[str],
) -> None:
    for selection in _flatten(selection_set, fragments, spread):
        name = selection.name.value
        if not path:
            names.add(name)
        elif name == path[0] and selection.selection_set is not None:
            _collect(selection.selection_set, path[1:], fragments, names, spread)


def _flatten(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    spread: set[str],
) -> Iterable[FieldNode]:
    """The fields of a selection set, those of its fragments included (each named fragment
    once: validation already refused cycles, this keeps a walk finite regardless)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _flatten(selection.selection_set, fragments, spread)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in spread:
                spread.add(name)
                yield from _flatten(fragment.selection_set, fragments, spread)
                spread.discard(name)
