"""Which language a response's labels and messages are in: the one asked for, else the request's
`Accept-Language`, else the signed-in user's saved language, else the deployment's default
(zh-CN for a Chinese city)."""

from __future__ import annotations

SUPPORTED = ("zh-CN", "en")
MAX_HEADER = 500  # a longer Accept-Language is read no further


def choose(accept_language: str | None, saved: str | None, default: str) -> str:
    """A request's language: the header's, else the user's saved one, else the default."""
    return negotiate(accept_language, "") or (saved if saved in SUPPORTED else default)


def negotiate(accept_language: str | None, default: str) -> str:
    """The first supported language by the header's weights (zh, zh-CN, zh-Hans → zh-CN;
    en, en-GB → en); `default` where none is acceptable or the header is malformed."""
    if not accept_language:
        return default
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language[:MAX_HEADER].split(",")):
        tag, _, parameters = part.strip().partition(";")
        weight = 1.0
        parameter = parameters.strip()
        if parameter.startswith("q="):
            try:
                weight = float(parameter[2:])
            except ValueError:
                continue
        if not 0 < weight <= 1:
            continue
        primary = tag.strip().lower().split("-")[0]
        language = {"zh": "zh-CN", "en": "en"}.get(primary)
        if language is None and tag.strip() == "*":
            language = default
        if language is not None:
            choices.append((-weight, position, language))
    return min(choices)[2] if choices else default
