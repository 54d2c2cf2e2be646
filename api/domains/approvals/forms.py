"""Electronic forms: an item's template is a JSON Schema (Draft 2020-12), checked against the
metaschema and bounded when saved; an application's form data is checked against it, each
fault named by its path (`form.householdSize`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as SchemaViolation
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from api.errors import ValidationFailed
from api.i18n import _

MAX_TEMPLATE_BYTES = 32 * 1024
MAX_TEMPLATE_DEPTH = 12
MAX_FORM_BYTES = 64 * 1024


def _depth(value: Any) -> int:
    if isinstance(value, Mapping):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def check_template(template: Any) -> None:
    """A template a form can be filled against: a bounded object schema, valid by the
    Draft 2020-12 metaschema, with no references outside itself."""
    if not isinstance(template, Mapping) or template.get("type") != "object":
        raise ValidationFailed(
            _('a form template is a JSON Schema with "type": "object"'), field="formTemplate"
        )
    if len(orjson.dumps(template)) > MAX_TEMPLATE_BYTES:
        raise ValidationFailed(
            _(
                "a form template is at most {MAX_TEMPLATE_BYTES} KiB",
                MAX_TEMPLATE_BYTES=MAX_TEMPLATE_BYTES // 1024,
            ),
            field="formTemplate",
        )
    if _depth(template) > MAX_TEMPLATE_DEPTH:
        raise ValidationFailed(
            _(
                "a form template nests at most {MAX_TEMPLATE_DEPTH} levels",
                MAX_TEMPLATE_DEPTH=MAX_TEMPLATE_DEPTH,
            ),
            field="formTemplate",
        )
    references = _references(template)
    if any(not str(ref).startswith("#") for ref in references):
        # a reference elsewhere could only be followed by fetching it: forms refer to themselves
        raise ValidationFailed(_("a form template refers only to itself"), field="formTemplate")
    resolver = Registry().with_resource("", DRAFT202012.create_resource(template)).resolver()
    for ref in references:
        try:
            resolver.lookup(str(ref))
        except Unresolvable as error:
            raise ValidationFailed(
                _("{ref} leads nowhere", ref=ref), field="formTemplate"
            ) from error
    try:
        # the format checker holds `pattern`s to be regular expressions, which validating a
        # form would otherwise find out
        Draft202012Validator.check_schema(
            template, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
    except SchemaError as error:
        where = ".".join(str(part) for part in error.path)
        raise ValidationFailed(
            f"not a valid JSON Schema: {error.message}"[:300] + (f" (at {where})" if where else ""),
            field="formTemplate",
        ) from error
    # A template valid by the metaschema may still be unusable: a reference to nowhere inside
    # it, or one to itself with nothing in between (endless). Try it on an empty form.
    _errors(template, {}, field="formTemplate")


def _references(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        found = [v for k, v in value.items() if k in ("$ref", "$dynamicRef")]
        return found + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def _errors(template: Mapping[str, Any], form: Any, *, field: str) -> list[SchemaViolation]:
    try:
        return list(Draft202012Validator(template).iter_errors(form))
    except (Unresolvable, RecursionError) as error:
        raise ValidationFailed(
            _("the form template cannot be used: a reference leads nowhere or to itself"),
            field=field,
        ) from error


def _field_of(error: SchemaViolation) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, Mapping):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            path.append(str(missing[0]))
    return ".".join(["form", *path])


def check_form(template: Mapping[str, Any], form: Any) -> None:
    """Raise for the first fault of `form` (in path order), naming its field."""
    if len(orjson.dumps(form)) > MAX_FORM_BYTES:
        raise ValidationFailed(
            _("form data is at most {MAX_FORM_BYTES} KiB", MAX_FORM_BYTES=MAX_FORM_BYTES // 1024),
            field="form",
        )
    errors = sorted(
        _errors(template, form, field="form"), key=lambda e: [str(p) for p in e.absolute_path]
    )
    if errors:
        first = errors[0]
        raise ValidationFailed(first.message[:300], field=_field_of(first))
