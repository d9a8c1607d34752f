"""Browser tests: headless Debian Chromium driven by Playwright against the live server."""

import os
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; Django would then refuse the
    # test's own ORM calls. Allowed only while the browser runs, and only in these tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh context (own cookies) in the given time zone."""
    contexts = []

    def make(time_zone: str = "UTC"):
        context = browser.new_context(base_url=live_server.url, timezone_id=time_zone)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def assert_accessible(page) -> None:
    """No serious or critical axe-core violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)


ARTEFACTS = Path(os.environ.get("LAUNCHPAD_TEST_ARTEFACTS", "test-artefacts")) / "screenshots"

# The elements that reach past the viewport's right edge, innermost last (for the message).
OVERFLOWING = """() => Array.from(document.querySelectorAll("body *"))
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                && el.getBoundingClientRect().width > 0)
  .slice(-8)
  .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
       (typeof el.className === "string" && el.className ? "." + el.className.split(" ")[0] : "")
       + " " + Math.round(el.getBoundingClientRect().right))"""


def assert_fits(page, name: str) -> None:
    """No horizontal scrolling at this viewport, and a screenshot kept as a test artefact
    (LAUNCHPAD_TEST_ARTEFACTS, default ./test-artefacts)."""
    width = page.viewport_size["width"]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}-{width}.png"))
    page.screenshot(path=str(ARTEFACTS / f"{name}-{width}-full.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (
        f"{name}: {overflow}px of horizontal scrolling at {width}px: {page.evaluate(OVERFLOWING)}"
    )


@pytest.fixture
def sized_page(browser, live_server):
    """A page in a fresh context at a given viewport, collecting console errors."""
    contexts = []

    def make(width: int, height: int, time_zone: str = "UTC", locale: str = "en-GB"):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height},
            timezone_id=time_zone, locale=locale,
        )  # fmt: skip
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda m: page.console_errors.append(m.text) if m.type == "error" else None,
        )
        return page

    yield make
    for context in contexts:
        context.close()


def choose_day(page, n: int = 0) -> str:
    """Click the n-th free day of the booking calendar counted from the first one offered
    (into the next month when this one has fewer), wait for its times, and return the day."""
    while True:
        free = page.locator("a.month__day--free")
        count = free.count()
        if n < count:
            break
        n -= count
        title = page.locator("#month-title").inner_text()
        page.locator('a[data-focus-key="next"]').click()
        page.wait_for_function(
            "t => document.getElementById('month-title').textContent.trim() !== t", arg=title
        )
    day = free.nth(n).get_attribute("data-day")
    free.nth(n).click()
    page.locator(f'a[data-day="{day}"][aria-current="date"]').wait_for()
    return day


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the focused element matches `selector` (a keyboard-only journey)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    focused = page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
    raise AssertionError(f"Tab never reached {selector}; focus is on {focused}")
