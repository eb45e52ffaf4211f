"""Personal data as lists and public pages show it: enough to tell people apart, too little to
identify or reach them. Framework-free.

Each function takes what a form stored (possibly empty or None) and never fails, and no non-empty
value comes back whole: a value shorter than the usual kind keeps proportionally less of itself.
"""

from __future__ import annotations

import re

MASK = "*"
_MOBILE = re.compile(r"1\d{10}")
_LANDLINE = re.compile(r"(0\d{2,3}?)(-?)(\d{7,8})(?:-(\d{1,6}))?")  # the shorter area code first: 010 88881234


def _keep(value: str, head: int, tail: int) -> str:
    """``value`` with all but its first ``head`` and last ``tail`` characters hidden."""
    head, tail = min(head, len(value) // 4), min(tail, len(value) // 4)
    return value[:head] + MASK * (len(value) - head - tail) + (value[len(value) - tail:] if tail else "")


def mask_id_number(value: str) -> str:
    """3301**********1234: the region and the last four of an 18-character 居民身份证号码."""
    return _keep(value or "", 4, 4)


def mask_phone(value: str) -> str:
    """138****5678 for a mobile number, 0571-****1234 for a landline (its area code kept)."""
    value = value or ""
    if _MOBILE.fullmatch(value):
        return value[:3] + MASK * 4 + value[7:]
    landline = _LANDLINE.fullmatch(value)
    if landline:
        area, dash, number, extension = landline.groups()
        masked = area + dash + MASK * (len(number) - 4) + number[-4:]
        return masked + ("-" + MASK * len(extension) if extension else "")
    return _keep(value, 3, 4)


def mask_name(value: str) -> str:
    """张* and 欧***: the first character, one star for each of the others."""
    value = value or ""
    return value[:1] + MASK * (len(value) - 1) if len(value) > 1 else MASK * len(value)


def mask_email(value: str) -> str:
    """d***@example.com: the mailbox's first character, and the domain."""
    value = value or ""
    mailbox, at, domain = value.rpartition("@")
    if not at:
        return value[:1] + MASK * 3 if len(value) > 1 else MASK * len(value)
    return mailbox[:1] + MASK * 3 + "@" + domain


def mask_address(value: str) -> str:
    """浙江省杭州市****: the first six characters (province and city, as a rule), never more than half."""
    value = value or ""
    return value[:min(6, len(value) // 2)] + MASK * 4 if value else ""


def mask_postcode(value: str) -> str:
    """31****: the province's two digits."""
    value = value or ""
    return value[:2] + MASK * (len(value) - 2) if len(value) > 2 else MASK * len(value)
