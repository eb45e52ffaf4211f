"""Scoped permission checks for views: contexts that name what they concern, and list filters.

The security policy grants a scoped role's permissions on a context whose ``govcore_scope`` is
``(scope type, id)`` inside the scope. A route whose objects live in a tree (columns, org units)
gets such a context from :func:`scope_factory`, so ``permission=`` on the view checks the very
object the URL names, before the view runs. Lists use :func:`covers` to keep only what the user
may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request


@dataclass(frozen=True)
class ScopedContext:
    """The object a request concerns, for the security policy: e.g. ``("column", 12)``."""

    govcore_scope: tuple[str, int]


def scope_factory(scope_type: str, key: str = "id") -> Callable[[Request], ScopedContext]:
    """A route factory giving the object named by ``matchdict[key]`` as a scoped context.

    The object is not loaded here: an id that names nothing lies in nobody's scope, so scoped
    users are refused and unscoped ones reach the view, which answers 404.
    """

    def factory(request: Request) -> ScopedContext:
        try:
            object_id = int(request.matchdict[key])
        except (KeyError, TypeError, ValueError):
            raise HTTPNotFound() from None
        return ScopedContext((scope_type, object_id))

    return factory


def covers(request: Request, permission: str, scope_type: str, chain: Iterable[int]) -> bool:
    """Whether the user holds ``permission`` on an object whose ids from itself up are ``chain``.

    For filtering lists whose tree is already loaded, without asking the scope type for each
    object's ancestors: pass the ids of the object and everything above it.
    """
    allowed = request.permission_scopes(permission, scope_type)
    return allowed is None or not allowed.isdisjoint(chain)
