"""Marking texts of the framework-free code for translation.

The core may not import Pyramid, so it cannot translate; it marks its user-facing texts with
``_`` so that ``scripts/i18n`` extracts them, and the web layer translates them on display.
"""


def _(text: str) -> str:
    """Return ``text`` unchanged: a marker for the translation catalogue (like gettext_noop)."""
    return text
