"""Checks on rendered pages for what a person would see as broken copy."""

import re

_CONTROL = re.compile(r"<(a|button)\b([^>]*)>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def copy_faults(response) -> list[str]:
    """What a person would see as broken: a button or link with no text and no label (the
    availability page drew one when it had no overrides), the product's placeholder domain,
    a label said twice."""
    html = response.content.decode()
    faults = []
    for tag, attrs, inner in _CONTROL.findall(html):
        if not _TAG.sub("", inner).strip() and "aria-label" not in attrs and "<svg" not in inner:
            faults.append(f"an empty <{tag}{attrs[:60]}>")
    if "example.com" in html:
        faults.append("example.com in the page")
    text = " ".join(_TAG.sub(" ", html).split())
    if "(optional) (optional)" in text:
        faults.append("a label says (optional) twice")
    return faults
