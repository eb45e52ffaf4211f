"""Small helpers the organisation and staff pages share."""

from __future__ import annotations

from typing import Iterable

from pyramid.i18n import TranslationString
from pyramid.request import Request

from adapters.web.i18n import _
from govcore.orgs import OrgTree, OrgUnitRepository, Problem, RowProblem


def message(problem: Problem | RowProblem) -> TranslationString:
    """A rule's Chinese message as one catalogue entry, its ``${name}`` placeholders filled on display."""
    return _(problem.message, mapping=dict(problem.mapping))


def by_field(problems: Iterable[Problem]) -> dict[str, list[TranslationString]]:
    errors: dict[str, list[TranslationString]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(message(problem))
    return errors


def posted_id(value: str | None) -> int | None:
    """A posted unit id: None for "none chosen", −1 for anything unreadable (which names no unit)."""
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) < 12 else -1


def load_tree(request: Request) -> OrgTree:
    return OrgTree(request.uow.repository(OrgUnitRepository).all_units())


def never_store(request: Request) -> None:
    """For pages that show a one-time password: no browser or proxy keeps a copy."""
    request.response.cache_control = "no-store"
    request.response.headers["Pragma"] = "no-cache"


def flash(request: Request, text: TranslationString) -> None:
    request.session.flash(request.localizer.translate(text), "success")
