"""The timestamps in the caches shared with AWS CLI v2 and boto3 (``expiresAt``, ``Expiration``).

Written as botocore writes them: UTC, ``YYYY-MM-DDTHH:MM:SSZ`` without fractional seconds. Read as
tolerantly as botocore's ``dateutil.parser.parse`` for the shapes real tools write: ``Z``, ``UTC``,
``+00:00`` or ``+0000`` offsets, fractional seconds, a space instead of ``T``, no zone (taken as UTC).
Standard library only and no ``re``/``_strptime``: the credential hot path parses role expirations.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

UTC = timezone.utc


def format_timestamp(value: datetime) -> str:
    """``2026-11-21T07:29:54Z``: botocore's ``_serialize_utc_timestamp`` (fraction dropped, UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
    )


def parse_timestamp(value: object) -> datetime:
    """An aware UTC datetime from a cache timestamp; ValueError when it is not one.

    Numbers are epoch seconds (botocore accepts them for ``Expiration``).
    """
    if isinstance(value, bool):
        raise ValueError("not a timestamp")
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    text = value.strip()
    if len(text) < 19 or text[4] != "-" or text[7] != "-" or text[10] not in "Tt " or text[13] != ":":
        raise ValueError("not a timestamp")
    if text[16] != ":":
        raise ValueError("not a timestamp")
    fields = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
    if not all(f.isdigit() and f.isascii() for f in fields):
        raise ValueError("not a timestamp")
    year, month, day, hour, minute, second = (int(f) for f in fields)
    rest = text[19:]
    microsecond = 0
    if rest[:1] in (".", ","):
        digits = rest[1:]
        count = len(digits) - len(digits.lstrip("0123456789"))
        if count == 0:
            raise ValueError("not a timestamp")
        microsecond = int((digits[:count] + "000000")[:6])
        rest = digits[count:]
    offset = _parse_zone(rest.strip())
    parsed = datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)
    return parsed - offset


def _parse_zone(zone: str) -> timedelta:
    if zone in ("", "Z", "z", "UTC", "GMT", "+00:00", "-00:00"):
        return timedelta(0)
    if zone[0] not in "+-":
        raise ValueError("not a timestamp")
    sign = -1 if zone[0] == "-" else 1
    body = zone[1:].replace(":", "")
    if len(body) not in (2, 4) or not (body.isdigit() and body.isascii()):
        raise ValueError("not a timestamp")
    hours = int(body[:2])
    minutes = int(body[2:] or "0")
    if hours > 23 or minutes > 59:
        raise ValueError("not a timestamp")
    return sign * timedelta(hours=hours, minutes=minutes)
