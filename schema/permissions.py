"""Every root field declares who may call it; services then check the exact region."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from api.errors import PermissionDenied, Unauthenticated
from api.i18n import _
from policies import terms


class Allowed(BasePermission):
    """Signed in, and holding some role that may do `action` on `obj` at some level.

    A cheap pre-check (memoized policy, no database); the service applies the same policy at the
    target's own region, where out of scope is "not found"."""

    def __init__(self, obj: str, action: str):
        self.obj = obj
        self.action = action

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        principal = context.principal
        if not principal.is_authenticated:
            raise Unauthenticated(context.auth_error or _("sign in first"))
        enforcer = context.enforcer
        if any(enforcer.levels(a.role, self.obj, self.action) for a in principal.assignments):
            return True
        raise PermissionDenied(
            _(
                "your roles do not allow {action} on {obj}",
                action=terms.action(self.action),
                obj=self.obj,
            )
        )


class SignedIn(BasePermission):
    """Any signed-in user or integration (the field itself only reveals the caller's own data)."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not info.context.principal.is_authenticated:
            raise Unauthenticated(info.context.auth_error or _("sign in first"))
        return True


class Public(BasePermission):
    """Open to anyone (sign-in itself); such fields must guard themselves (throttling)."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


def allow(obj: str, action: str) -> list[FieldExtension]:
    return [PermissionExtension(permissions=[Allowed(obj, action)], use_directives=False)]


def signed_in() -> list[FieldExtension]:
    return [PermissionExtension(permissions=[SignedIn()], use_directives=False)]


def public() -> list[FieldExtension]:
    return [PermissionExtension(permissions=[Public()], use_directives=False)]
