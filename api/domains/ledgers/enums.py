"""Which ledger (台账) a list of events is."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from api.domains.events.enums import CategoryScheme
from api.vocabulary import register


class LedgerKind(StrEnum):
    """The two ledgers a grid keeps of its events (工作台账制度)."""

    PUBLIC_OPINION = "public_opinion"  # 社情民意信息台账: what people raise (city catalogue)
    DISPUTES = "disputes"  # 矛盾纠纷排查台账: disputes (GB/T 31000 §5.56)


# A ledger holds the events of one category scheme; its groups are the scheme's top categories.
SCHEME: Final = {
    LedgerKind.PUBLIC_OPINION: CategoryScheme.CITY,
    LedgerKind.DISPUTES: CategoryScheme.DISPUTE,
}

TITLE: Final = {
    LedgerKind.PUBLIC_OPINION: "社情民意信息台账",
    LedgerKind.DISPUTES: "矛盾纠纷排查台账",
}


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "LedgerKind",
    LedgerKind,
    {
        LedgerKind.PUBLIC_OPINION: ("社情民意信息台账", "Public opinion ledger"),
        LedgerKind.DISPUTES: ("矛盾纠纷排查台账", "Disputes ledger"),
    },
)
