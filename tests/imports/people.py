"""Valid (and deliberately invalid) resident ID numbers for test files."""

from __future__ import annotations

from datetime import date, timedelta

from stdnum.cn import ric

PLACE = "110105"  # 北京市朝阳区: a birth place valid for every year in stdnum's table


def id_number(index: int, *, place: str = PLACE) -> str:
    """A valid number, different for every index (birth date and sequence vary)."""
    born = date(1940, 1, 1) + timedelta(days=index % 25_000)
    body = f"{place}{born:%Y%m%d}{index // 25_000 % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def bad_checksum(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last
