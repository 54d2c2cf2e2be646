"""Phone numbers as citizens and hotlines type them: parsed with phonenumbers, kept as E.164."""

from __future__ import annotations

import phonenumbers

from api.errors import ValidationFailed
from api.i18n import _

DEFAULT_REGION = "CN"


def normalise(raw: str, *, field: str = "phone") -> str:
    """E.164 (+8613912345678) of a valid number; national numbers are read as Chinese."""
    text = raw.strip()
    if not text or len(text) > 32:
        raise ValidationFailed(_("give a phone number"), field=field)
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValidationFailed(
            _("not a phone number: {error}", error=error), field=field
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(_("not a valid phone number"), field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    number = phonenumbers.parse(e164, None)
    return phonenumbers.number_type(number) in {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }


def masked(e164: str) -> str:
    """139****5678: enough for the owner to recognise, too little to call."""
    digits = e164.lstrip("+")
    national = digits[2:] if digits.startswith("86") else digits
    if len(national) < 8:
        return "*" * len(national)
    return f"{national[:3]}{'*' * (len(national) - 7)}{national[-4:]}"
