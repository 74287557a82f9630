"""The referral thank-you page survives a reload; the limit page keeps what was typed and gives
the service's phone number."""

import re
from html import unescape

from portal.config import Config
from portal.models import Referral
from tests.apps import read_form
from tests.test_referrals import GOOD, submit_referral


def test_reloading_the_thank_you_page_shows_the_reference_again(browser):
    response = submit_referral(browser)
    assert response.status_code == 303
    reference = Referral.get().reference
    first = browser.get(response.headers["Location"])
    again = browser.get(response.headers["Location"])
    assert first.status_code == again.status_code == 200
    assert reference in again.get_data(as_text=True)
    for submitted in ("Robin Ash", "robin@example.org", "Loud music", "Sam Birch", "07700 900303"):
        assert submitted not in again.get_data(as_text=True)


def test_the_thank_you_page_shows_the_latest_reference_and_nothing_to_a_stranger(app, browser):
    submit_referral(browser)
    submit_referral(browser)
    newest = Referral.select().order_by(Referral.id.desc()).first().reference
    page = browser.get("/refer/thank-you").get_data(as_text=True)
    assert re.findall(r"RF-\d{4}-\d{4}", page) == [newest]
    assert app.test_client().get("/refer/thank-you").status_code == 404


def test_the_service_phone_has_a_demo_default():
    assert Config.SERVICE_PHONE == "01632 960 123"


def test_over_the_limit_the_form_comes_back_filled_in_with_the_phone_number(app, browser):
    app.config["SERVICE_PHONE"] = "0300 123 4567"
    for _ in range(app.config["REFERRAL_LIMIT_PER_HOUR"]):
        assert submit_referral(browser).status_code == 303
    response = submit_referral(browser, **{"people-2-name": "Kim Oak", "people-2-no_post": "y",
                                           "safety_worry": "Threats last week."})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Your referral was not sent" in page
    assert "phone us on" in page and "0300 123 4567" in page and 'href="tel:03001234567"' in page
    assert Referral.select().count() == app.config["REFERRAL_LIMIT_PER_HOUR"]
    # Everything typed is still there, ready to send again.
    labelled, buttons = read_form(page)
    assert "Send referral" in buttons
    values = {name: unescape(value) for name, value in
              re.findall(r'<input[^>]*name="([\w-]+)"[^>]*value="([^"]*)"', page)}
    assert values["people-0-name"] == "Robin Ash"
    assert values["people-0-email"] == "robin@example.org"
    assert values["people-0-phone"] == "07700 900303"
    assert values["people-2-name"] == "Kim Oak"
    texts = {name: unescape(text).strip() for name, text in
             re.findall(r'<textarea[^>]*name="([\w-]+)"[^>]*>(.*?)</textarea>', page, re.S)}
    assert texts["description"] == GOOD["description"]
    assert texts["safety_worry"] == "Threats last week."
    checked = set(re.findall(r'<input[^>]*checked[^>]*>', page))
    checked_names = {(re.search(r'name="([\w-]+)"', tag).group(1), re.search(r'value="([^"]*)"', tag).group(1))
                     for tag in checked}
    assert ("source", GOOD["source"]) in checked_names
    assert ("dispute_type", GOOD["dispute_type"]) in checked_names
    assert ("urgency", GOOD["urgency"]) in checked_names
    assert ("people-0-no_phone", "y") in checked_names
    assert ("people-2-no_post", "y") in checked_names
    assert ("understood", "y") in checked_names


def test_the_spam_trap_page_also_gives_the_phone_number(app, browser):
    response = submit_referral(browser, website="http://spam.example")
    assert response.status_code == 400
    assert app.config["SERVICE_PHONE"] in response.get_data(as_text=True)
