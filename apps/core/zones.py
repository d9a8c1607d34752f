"""Time zones as people know them: by city, with the offset they have today (issue 13). The
IANA name stays the value everywhere; only what is shown changes."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# Old names that browsers still report (ICU keeps them as its canonical ids) for zones
# whose IANA name changed: Chromium in Kolkata says "Asia/Calcutta".
RENAMED = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Thimbu": "Asia/Thimphu",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Cordoba": "America/Argentina/Cordoba",
    "America/Jujuy": "America/Argentina/Jujuy",
    "America/Mendoza": "America/Argentina/Mendoza",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Louisville": "America/Kentucky/Louisville",
    "America/Godthab": "America/Nuuk",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Enderbury": "Pacific/Kanton",
}

# The areas of the IANA names people live in (not "Etc/GMT+5", "US/Eastern" or "GB").
_AREAS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/",
          "Europe/", "Indian/", "Pacific/")  # fmt: skip


def canonical(name: str) -> str:
    return RENAMED.get(name, name)


def city_of(name: str) -> str:
    """ "Asia/Kolkata" → "Kolkata", "America/Argentina/Buenos_Aires" → "Buenos Aires"."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


def offset_of(name: str, at: datetime) -> str:
    offset = at.astimezone(ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def label(name: str, at: datetime) -> str:
    """ "Kolkata (Asia) · UTC+05:30"; a zone with no region ("UTC") is its own name."""
    if "/" not in name:
        return f"{name} · {offset_of(name, at)}"
    region = name.split("/", 1)[0].replace("_", " ")
    return f"{city_of(name)} ({region}) · {offset_of(name, at)}"


def choices(at: datetime) -> list[tuple[str, str]]:
    """Every zone, by city name (so that typing a city's first letters finds it), with the
    offset at `at`. Cached per hour: offsets change only at a DST switch."""
    return _choices(at.replace(minute=0, second=0, microsecond=0))


@lru_cache(maxsize=4)
def _choices(hour: datetime) -> list[tuple[str, str]]:
    names = sorted(
        (
            n
            for n in available_timezones()
            if n == "UTC" or (n.startswith(_AREAS) and n not in RENAMED)
        ),
        key=lambda n: (city_of(n).lower(), n),
    )
    return [(name, label(name, hour)) for name in names]
