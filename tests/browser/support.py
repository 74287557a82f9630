"""What the browser tests do on a page: sign in, check it with axe, check it fits a phone."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from portal import demo
from portal.db import database
from tests.conftest import totp_code

REPO = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_ROLE_OF = {email: role for email, _name, role, _lead, _admin in demo.PEOPLE}
# The first demo sign-in of each role: role -> email.
DEMO_ACCOUNTS = {}
for _email, _about in demo.SIGN_INS:
    DEMO_ACCOUNTS.setdefault(_ROLE_OF[_email], _email)


def sign_in(page, email, password=demo.DEMO_PASSWORD):
    """Sign in through the real forms, as a person would: the password, then, for staff, the
    code their authenticator app shows (from the account's demo secret)."""
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if urlsplit(page.url).path == "/sign-in/code":
        enter_code(page, email)


def enter_code(page, email):
    """The code step: the code the account's authenticator app shows now."""
    with database.connection_context():  # the test's own thread, not the server's
        code = totp_code(email)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def assert_accessible(page):
    """Run axe-core on the page as it is now; fail with a readable list of any violations.

    The app's Content-Security-Policy (script-src 'self') blocks inline scripts, which is what
    add_script_tag(path=...) would create. Rather than weaken the page's CSP (bypass_csp) or fake a
    same-origin URL, axe is evaluated through Playwright's DevTools channel, which runs in the
    page's own JavaScript world but is not a script the page loads, so CSP does not apply to it,
    just as it does not to a browser extension. The page is checked exactly as users get it.
    """
    if getattr(page, "accord_javascript_off", False):
        # axe is JavaScript: on a page without it, its promise never settles and the test hangs.
        pytest.fail("assert_accessible needs JavaScript: check the same page with `page`", pytrace=False)
    page.wait_for_load_state("load")  # styles applied, so colours and sizes are the real ones
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})
             .then(results => ({
               passes: results.passes.length,
               violations: results.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
               })),
             }))""",
        AXE_TAGS,
    )
    assert results["passes"], f"axe checked nothing on {page.url}: is the page empty?"
    violations = results["violations"]
    if violations:
        lines = [f"axe found {len(violations)} accessibility violation(s) on {page.url}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            lines.extend("    at " + node.replace("\n", "\n       ") for node in v["nodes"])
        pytest.fail("\n".join(lines), pytrace=False)


def assert_no_horizontal_scroll(page):
    """Nothing wider than the screen: the page itself never scrolls sideways (WCAG 1.4.10)."""
    page.wait_for_load_state("load")
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], (
        f"{page.url} scrolls sideways: {widths['scroll']}px of content in a {widths['client']}px viewport"
    )
