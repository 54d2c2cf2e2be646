"""Which operations a streaming replica may answer (how it is chosen, checked and left out:
api/replicas.py).

A query is sent to a replica only when every root field it selects is in `STALE_TOLERANT`:
lists, statistics, rankings, maps and public boards, which a command centre or a leader reads
seconds behind without harm, and none of which writes. Anything else — a mutation, a record
opened by id to act on it, a read whose clear personal data is audited, the caller's own inbox
— runs on the primary. A root field added later runs on the primary until it is listed here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from graphql import FieldNode, OperationType
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType as Kind

from api import replicas
from schema.context import Context

STALE_TOLERANT = frozenset(
    {
        # events and the loop's figures
        "events",
        "eventStatistics",
        "assessmentFigures",
        "ranking",
        "rankingSnapshots",
        "rankingSnapshot",
        "dashboard",
        "eventCards",
        "eventLedger",
        # registry and grid figures
        "registryStatistics",
        "gridNorms",
        "gridsOutsideBand",
        "visitCoverage",
        # other domains' statistics
        "approvalStatistics",
        "emergencyStatistics",
        "projectStatistics",
        "indicatorAggregate",
        "indicatorTrend",
        "pointsLeaderboard",
        # maps
        "eventClusters",
        "mapEvents",
        "regionFeatures",
        "compoundFeatures",
        # public boards (no sign-in)
        "publicRankings",
        "publicAppeals",
        "publicOpinions",
        "publicPosts",
        "publicServiceProviders",
        "publicServiceTeams",
        "publishedPledges",
    }
)


@dataclass
class Attempt:
    """One operation's use of a replica: which one, and why it had to be run again."""

    alias: str | None = None
    primary_only: bool = False
    failed: Literal["gone", "write"] | None = None


ATTEMPT: ContextVar[Attempt | None] = ContextVar("gridgov_replica_attempt", default=None)


def stale_tolerant(document: object, operation_name: str | None) -> bool:
    operation = get_operation_ast(document, operation_name)  # type: ignore[arg-type]
    if operation is None or operation.operation is not OperationType.QUERY:
        return False
    names = set()
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode):  # a fragment at the root: not worth reading
            return False
        names.add(selection.name.value)
    names.discard("__typename")
    return bool(names) and names <= STALE_TOLERANT


class ReplicaReads(SchemaExtension):
    """Run a stale-tolerant query on a replica; mark a writer for read-your-writes."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        attempt = ATTEMPT.get()
        pool = context.replicas if isinstance(context, Context) else None
        if pool is None or not pool.configured or attempt is None:
            yield
            return
        if execution.operation_type is Kind.MUTATION:
            yield
            if context.principal.user_id is not None:
                await pool.wrote(context.principal.user_id)
            return
        alias = None
        if (
            not attempt.primary_only
            and execution.graphql_document is not None
            and stale_tolerant(execution.graphql_document, execution.operation_name)
            and await pool.may_read_stale(context.principal.user_id)
        ):
            alias = pool.pick()
        if alias is None:
            yield
            return
        attempt.alias = alias
        async with pool.reading(alias):
            yield
        result = execution.result
        if result is not None and result.errors:
            for error in result.errors:
                why = replicas.failure(error.original_error)
                if why is not None:
                    # the view runs the operation again on the primary; these errors are not
                    # the client's answer, nor bugs to log
                    attempt.failed = why
                    if why == "gone":
                        pool.failed(alias, error.original_error or error)
                    result.errors = []
                    break
