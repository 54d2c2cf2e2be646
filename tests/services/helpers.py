"""What the services tests share: the regions they use and a citizen's account."""

from __future__ import annotations

from api.domains.accounts.models import User
from tests import factories

COMMUNITY = "410611001001"
GRID = "410611001001001"
OTHER_COMMUNITY = "410602001001"


async def citizen(phone: str) -> tuple[User, str]:
    """A citizen's account (held at the city, as sign-up makes it) and its token."""
    return await factories.signed_in("citizen", "4106", username=phone)
