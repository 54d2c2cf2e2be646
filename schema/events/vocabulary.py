"""The `vocabulary` query's types: the labels of the closed loop's codes, per language."""

from __future__ import annotations

from enum import Enum

import strawberry

from api import vocabulary
from schema.registry.types import CodeTableType
from schema.types import Info


@strawberry.enum(description="A language the labels and messages are served in.")
class Language(Enum):
    ZH_CN = "zh-CN"
    EN = "en"


@strawberry.type(description="A code as the API returns it, and what to show for it.")
class VocabularyTerm:
    code: str
    label: str


@strawberry.type(description="The labels of one enum of the schema.")
class VocabularyList:
    name: str = strawberry.field(description="The GraphQL enum: EventStatus, EventStep …")
    terms: list[VocabularyTerm]


@strawberry.type(description="Labels of the closed loop's codes, for a client to cache by version.")
class Vocabulary:
    language: Language
    version: str = strawberry.field(description="Changes when any label or code changes.")
    lists: list[VocabularyList]
    categories_version: int = strawberry.field(
        description="The event categories' table version (`categories`): changes whenever a"
        " code is added, renamed or retired; refetch the categories when it does."
    )
    code_tables_version: int = strawberry.field(
        default=0,
        description="The registry code tables' version: changes whenever a code is added,"
        " renamed or retired; a client caching `codeTables` refetches when it does.",
    )
    code_tables: list[CodeTableType] = strawberry.field(
        default_factory=list,
        description="The registry's code tables as they are now (GB/T 31000 §5 and the national"
        " ones, with the city's local codes and its regions' extensions; retired codes flagged,"
        " so old records still show them), each with its version.",
    )


def vocabulary_for(
    info: Info,
    language: Language | None,
    *,
    categories_version: int,
    code_tables_version: int = 0,
    code_tables: list[CodeTableType] | None = None,
) -> Vocabulary:
    """In the language asked for, else the request's (Accept-Language, the user's saved
    language, the default: `Context.language`)."""
    if language is None:
        language = Language(info.context.language)
    return Vocabulary(
        language=language,
        version=vocabulary.version(),
        categories_version=categories_version,
        code_tables_version=code_tables_version,
        code_tables=code_tables or [],
        lists=[
            VocabularyList(
                name=name, terms=[VocabularyTerm(code=code, label=label) for code, label in terms]
            )
            for name, terms in vocabulary.terms(language.value).items()
        ],
    )
