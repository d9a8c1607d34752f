"""Discovering every route from the URL resolver, so that tests cover routes added later."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    route: str  # the full route string, converters included
    name: str | None
    view: object  # the view class (Django CBV or DRF APIView), or the function

    @property
    def kwargs(self) -> list[str]:
        return [m.group("name") for m in _CONVERTER.finditer(self.route)]

    @property
    def is_agency_scoped(self) -> bool:
        return "agency_slug" in self.kwargs

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def url(self, values: dict[str, str]) -> str:
        return "/" + _CONVERTER.sub(lambda m: str(values[m.group("name")]), self.route)


def _view_of(callback):
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback


def _walk(patterns, prefix: str, namespace: str | None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield Route(prefix + str(pattern.pattern), name, _view_of(pattern.callback))


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", None))
