"""Field rules of registry records: each input value is checked against its declared rule and
normalised (ID numbers upper-case, phones E.164, codes against their live code table); the first
bad value raises ValidationFailed naming the field as the client spelled it (camelCase).

Codes are checked against the process's copy of the live tables (`codes.refresh()`, awaited by
the service first): a retired code is refused, a region's extension only in its subtree (the
`region_code` given; without one, extensions are refused)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import phonenumbers
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from api import resident_ids
from api.domains.registry.codes import table
from api.errors import ErrorCode, ValidationFailed
from api.i18n import _


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def field_name(name: str, prefix: str = "") -> str:
    return f"{prefix}{camel(name)}"


# ---------------------------------------------------------------- single values


def id_number(value: str, *, field: str = "idNumber") -> str:
    """A resident identity number (居民身份证号码) or a foreign permanent residence ID, by the
    rule the import pipeline applies too (`api.resident_ids`); returned compact, upper-case X."""
    try:
        return resident_ids.validate(value)
    except resident_ids.InvalidResidentId as error:
        raise ValidationFailed(
            _("not a valid 18-character resident ID number: {reason}", reason=error.reason),
            field=field,
            code=ErrorCode.INVALID_CODE,
        ) from error


def phone(value: str, *, field: str = "phone") -> str:
    """A phone number, mainland by default; stored in E.164 (+86…)."""
    try:
        parsed = phonenumbers.parse(value.strip(), "CN")
    except phonenumbers.NumberParseException as error:
        raise ValidationFailed(
            _("not a phone number"), field=field, code=ErrorCode.INVALID_CODE
        ) from error
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationFailed(
            _("not a valid phone number"), field=field, code=ErrorCode.INVALID_CODE
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def credit_code(value: str, *, field: str = "creditCode") -> str:
    """A unified social credit code (统一社会信用代码) with its check character."""
    try:
        return str(uscc.validate(value.strip().upper()))
    except StdnumError as error:
        raise ValidationFailed(
            _("not a valid unified social credit code ({error})", error=error),
            field=field,
            code=ErrorCode.INVALID_CODE,
        ) from error


def code(table_key: str, value: str, *, field: str, region_code: str | None = None) -> str:
    found = table(table_key)
    entry = found.codes.get(value)
    if entry is None:
        raise ValidationFailed(
            _(
                "{value!r} is not a code of {standard} {name}",
                value=value,
                standard=found.standard,
                name=found.name,
            ),
            field=field,
            code=ErrorCode.INVALID_CODE,
        )
    if not entry.is_active:
        raise ValidationFailed(
            _("{value!r} of {name} is retired", value=value, name=found.name),
            field=field,
            code=ErrorCode.INVALID_CODE,
        )
    if not entry.usable_at(region_code):
        raise ValidationFailed(
            _(
                "{value!r} of {name} is {region_code}'s own code, used in its area only",
                value=value,
                name=found.name,
                region_code=entry.region_code,
            ),
            field=field,
            code=ErrorCode.INVALID_CODE,
        )
    return value


# ---------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class Rule:
    """How one input value is checked: `kind` picks the check, the rest parameterises it."""

    kind: str
    max_length: int = 0
    table: str = ""
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    enum: type[StrEnum] | None = None

    def clean(self, value: Any, *, field: str, region_code: str | None = None) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise ValidationFailed(_("{field} is required", field=field), field=field)
            return [] if self.kind in {"codes", "texts"} else None
        match self.kind:
            case "text":
                text = str(value).strip()
                if len(text) > self.max_length:
                    raise ValidationFailed(
                        _(
                            "{field} is at most {max_length} characters",
                            field=field,
                            max_length=self.max_length,
                        ),
                        field=field,
                    )
                return text
            case "texts":
                items = [str(item).strip() for item in value if str(item).strip()]
                if len(items) > 20 or any(len(item) > self.max_length for item in items):
                    raise ValidationFailed(
                        _(
                            "{field}: at most 20 entries of {max_length} characters",
                            field=field,
                            max_length=self.max_length,
                        ),
                        field=field,
                    )
                return sorted(set(items), key=items.index)
            case "code":
                return code(self.table, str(value), field=field, region_code=region_code)
            case "codes":
                return sorted(
                    {
                        code(self.table, str(item), field=field, region_code=region_code)
                        for item in value
                    }
                )
            case "id_number":
                return id_number(str(value), field=field)
            case "phone":
                return phone(str(value), field=field)
            case "credit_code":
                return credit_code(str(value), field=field)
            case "date":
                return _date(value, field=field)
            case "bool":
                if not isinstance(value, bool):
                    raise ValidationFailed(
                        _("{field} must be true or false", field=field), field=field
                    )
                return value
            case "int" | "decimal" | "float":
                return self._number(value, field=field)
            case "enum":
                assert self.enum is not None
                try:
                    return self.enum(value)
                except ValueError as error:
                    raise ValidationFailed(
                        _("{value!r} is not a {field}", value=value, field=field), field=field
                    ) from error
            case "nationality":
                text = str(value).strip().upper()
                if len(text) != 3 or not text.isalpha():
                    raise ValidationFailed(
                        _("nationality is an ISO 3166 alpha-3 code"), field=field
                    )
                return text
        raise AssertionError(self.kind)

    def _number(self, value: Any, *, field: str) -> Any:
        try:
            number: Any = (
                int(value)
                if self.kind == "int"
                else Decimal(str(value))
                if self.kind == "decimal"
                else float(value)
            )
        except (TypeError, ValueError, InvalidOperation) as error:
            raise ValidationFailed(
                _("{field} must be a number", field=field), field=field
            ) from error
        if self.kind == "decimal" and not number.is_finite():
            raise ValidationFailed(_("{field} must be a number", field=field), field=field)
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            raise ValidationFailed(
                _(
                    "{field} must lie between {minimum} and {maximum}",
                    field=field,
                    minimum=self.minimum,
                    maximum=self.maximum,
                ),
                field=field,
            )
        return number


def _date(value: Any, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ValidationFailed(
            _("{field} must be a date (YYYY-MM-DD)", field=field), field=field
        ) from error


def text(max_length: int, *, required: bool = False) -> Rule:
    return Rule("text", max_length=max_length, required=required)


def coded(table_key: str, *, required: bool = False) -> Rule:
    return Rule("code", table=table_key, required=required)


def clean(
    rules: Mapping[str, Rule],
    values: Mapping[str, Any],
    *,
    partial: bool = False,
    prefix: str = "",
    region_code: str | None = None,
) -> dict[str, Any]:
    """Check every given value against its rule; on creation (not `partial`) also require the
    required ones; codes as used at `region_code`. Returns the normalised values, keyed like the
    model's columns."""
    unknown = set(values) - set(rules)
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(
            _("unknown field {camel}", camel=camel(name)), field=field_name(name, prefix)
        )
    cleaned: dict[str, Any] = {}
    for name, rule in rules.items():
        if name not in values:
            if rule.required and not partial:
                raise ValidationFailed(
                    _("{camel} is required", camel=camel(name)), field=field_name(name, prefix)
                )
            continue
        cleaned[name] = rule.clean(
            values[name], field=field_name(name, prefix), region_code=region_code
        )
    return cleaned
