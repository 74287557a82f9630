"""Every form in the portal, sent empty: its error summary links each message to a real field.

The demo service is loaded; anonymous visitors and one demo user of each role walk every page
they are offered (the leak walk's `walk`) and send every POST form on those pages with nothing
filled in (only its hidden fields and CSRF token), as a page and as htmx would send it. Each
refused answer (422) must list each message once, and every link in its error summary must
point at an element of the same answer (for radios and checkboxes: the first choice, which can
take focus).
"""

from collections import Counter
from html.parser import HTMLParser

import pytest

from portal import demo
from tests.conftest import Browser, csrf_from
from tests.test_leak_walk import signed_in_browser, walk

HTMX = {"HX-Request": "true"}
# Inputs a person fills in; a form with none of them is a button (sign out, deactivate...).
FILLED_BY_A_PERSON = {"text", "email", "password", "date", "time", "number", "tel", "url",
                      "radio", "checkbox", "file", "search"}


class Forms(HTMLParser):
    """The POST forms of a page: action, hx-post, hidden values and whether a person fills it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._open = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._open = {"action": attrs.get("action"), "hx_post": attrs.get("hx-post"),
                          "hidden": {}, "fields": False}
            self.forms.append(self._open)
        elif self._open and tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind == "hidden" and attrs.get("name"):
                self._open["hidden"][attrs["name"]] = attrs.get("value") or ""
            self._open["fields"] |= kind in FILLED_BY_A_PERSON
        elif self._open and tag in ("textarea", "select"):
            self._open["fields"] = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


class Summary(HTMLParser):
    """Every id in a page, and the links and messages of its error summaries."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.messages = set(), [], []
        self._depth, self._item = 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "div" and "error-summary" in (attrs.get("class") or "").split():
            self._depth = 1
        elif self._depth and tag == "div":
            self._depth += 1
        elif self._depth and tag == "li":
            self._item = []
        elif self._depth and tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.links.append(attrs["href"][1:])

    def handle_data(self, data):
        if self._item is not None:
            self._item.append(data)

    def handle_endtag(self, tag):
        if self._depth and tag == "li" and self._item is not None:
            self.messages.append(" ".join("".join(self._item).split()))
            self._item = None
        elif self._depth and tag == "div":
            self._depth -= 1


def forms_on(html):
    parser = Forms()
    parser.feed(html)
    return [f for f in parser.forms if f["fields"]]


def summary_of(html):
    parser = Summary()
    parser.feed(html)
    return parser


def send_empty(browser, page_address, form, as_htmx):
    """The form as a person who fills nothing in sends it: its hidden values and the token."""
    url = (form["hx_post"] if as_htmx else None) or form["action"] or page_address
    page = browser.get(page_address).get_data(as_text=True)
    data = {**form["hidden"], "csrf_token": csrf_from(page)}
    return url, browser.client.post(url, data=data, headers=HTMX if as_htmx else {})


def check_every_form(browser, start_addresses=()):
    """Walk, send every form empty; {(url, htmx): problems} and the summaries seen."""
    visits = walk(browser)
    addresses = [v.address for v in visits if v.status == 200 and v.is_html and not v.as_htmx]
    addresses += list(start_addresses)
    problems, checked = {}, []
    done = set()
    for address in addresses:
        for form in forms_on(browser.get(address).get_data(as_text=True)):
            for as_htmx in (False, True) if form["hx_post"] else (False,):
                key = (form["hx_post"] if as_htmx else form["action"] or address, as_htmx)
                if key in done:
                    continue
                done.add(key)
                url, response = send_empty(browser, address, form, as_htmx)
                if response.status_code != 422:
                    continue
                summary = summary_of(response.get_data(as_text=True))
                checked.append((url, as_htmx, summary))
                dangling = [link for link in summary.links if link not in summary.ids]
                twice = [m for m, n in Counter(summary.messages).items() if n > 1]
                if dangling or twice or not summary.messages:
                    problems[key] = {"links to nothing": dangling, "listed twice": twice,
                                     "messages": summary.messages}
    return problems, checked


@pytest.fixture
def demo_service(app):
    with app.app_context():
        demo.load()
    return app


def test_every_error_summary_link_reaches_its_field(demo_service, client):
    app = demo_service
    anonymous = Browser(client)
    problems, checked = check_every_form(anonymous, ["/refer", "/sign-in", "/forgot-password"])
    for email in ("coordinator@example.org", "coach@example.org", "alex@example.org"):
        more_problems, more_checked = check_every_form(signed_in_browser(app, email))
        problems.update(more_problems)
        checked.extend(more_checked)
    assert not problems, problems
    # The walk really reached the forms with choices: the referral form, and the case page's.
    urls = {url.split("?")[0] for url, _, _ in checked}
    assert "/refer" in urls
    assert any("/consent" in url for url in urls), sorted(urls)
    assert any(as_htmx for _, as_htmx, _ in checked)
    radio_links = [link for _, _, s in checked for link in s.links if link.endswith("-0")]
    assert len(radio_links) >= 5, radio_links


def test_the_referral_form_lists_the_first_person_once_and_links_every_choice(client):
    browser = Browser(client)
    html = browser.submit("/refer", {}).get_data(as_text=True)
    summary = summary_of(html)
    assert summary.links == ["source-0", "people-0-name", "dispute_type-0", "description",
                             "urgency-0", "understood"]
    assert set(summary.links) <= summary.ids
    # The form says it twice (at the name and for the list): the summary says it once.
    assert summary.messages[1] == "Enter the name of the first person involved."
    assert "Enter the name of the first person." not in summary.messages


def test_a_list_message_takes_the_place_of_the_entry_message_it_restates(client):
    browser = Browser(client)
    html = browser.submit("/refer", {"people-0-name": "Robin Ash", "people-0-email": "not-an-email",
                                     "people-1-phone": "0123"}).get_data(as_text=True)
    summary = summary_of(html)
    people = [(link, message) for link, message in zip(summary.links, summary.messages, strict=True)
              if link.startswith("people-")]
    assert people == [
        ("people-0-email", "Enter an email address like name@example.org."),
        ("people-1-name", "Enter the name of person 2, or leave their details empty."),
    ]
