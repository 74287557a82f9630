"""What a person reading the pages met: a title with HTML in it, a hash where a party wanted
words, the acceptance above the agreement, and wording, dates and defaults that did not fit."""

import json
import re
from datetime import timedelta
from html import unescape

from portal.models import Agreement
from tests.test_agreements import accept, add_term, local_today, propose, start, url


def title_of(html):
    return unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1))


def final_agreement(w, review_in_days=None):
    agreement = start(w, "blank")
    add_term(w, agreement, "Keep music low after 10pm")
    if review_in_days is not None:
        review = local_today(w) + timedelta(days=review_in_days)
        w.as_(w.coach).submit(url(w, agreement, "details"),
                              {"title": "Noise", "review_on": review.isoformat(), "other_terms": ""})
    propose(w, agreement)
    accept(w, agreement, w.alex_user, "Alex Morgan")
    accept(w, agreement, w.bea_user, "Bea Lewis")
    final = Agreement.get_by_id(agreement.id)
    assert final.pdf_sha256
    return final


def test_the_staff_home_titles_are_plain_words_when_a_review_is_listed(w):
    final_agreement(w, review_in_days=10)  # within the coordinator's 14 days
    for user, home, words in ((w.coordinator, "/coordinator", "Referrals, cases and safeguarding"),
                              (w.coach, "/coach", "Your diary and to-do")):
        html = w.as_(user).get(home).get_data(as_text=True)
        assert "Agreement reviews" in html  # the list is on the page...
        assert title_of(html) == f"{words} · Accord Community Mediation"  # ...not in the title


def test_a_party_reads_that_the_final_agreement_is_final_and_staff_see_its_hash(w):
    final = final_agreement(w)
    party_page = w.as_(w.alex_user).get(url(w, final)).get_data(as_text=True)
    assert "This is the final copy. It cannot be changed." in party_page
    assert final.pdf_sha256 not in party_page and "SHA-256" not in party_page
    staff_page = w.as_(w.coach).get(url(w, final)).get_data(as_text=True)
    assert f'<code class="hash">{final.pdf_sha256}</code>' in staff_page
    assert "This is the final copy" not in staff_page


def test_a_party_is_asked_to_accept_after_the_agreement_text(w):
    agreement = start(w, "blank")
    add_term(w, agreement, "Keep music low after 10pm")
    propose(w, agreement)
    html = w.as_(w.alex_user).get(url(w, agreement)).get_data(as_text=True)
    answer = html.index('id="answer"')
    for text in ('id="issues"', "Keep music low after 10pm", 'id="details"'):
        assert html.index(text) < answer, text


def test_a_change_returns_to_the_section_that_changed_with_or_without_javascript(w):
    agreement = start(w, "blank")
    plain = add_term(w, agreement, "Keep music low after 10pm")
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"{url(w, agreement)}#terms")
    in_place = add_term(w, agreement, "Talk first", headers={"HX-Request": "true"})
    assert in_place.status_code == 200
    assert json.loads(in_place.headers["HX-Trigger-After-Settle"]) == {"accord:focus": "#terms"}
    details = w.as_(w.coach).submit(url(w, agreement, "details"),
                                    {"title": "Noise", "review_on": "", "other_terms": ""})
    assert details.headers["Location"].endswith(f"{url(w, agreement)}#details")


def test_a_case_change_in_place_names_what_changed_for_focus(w):
    coaches = w.as_(w.coordinator).submit(f"{w.case_url}/coaches",
                                          {"coach": str(w.coach.id), "second_coach": ""},
                                          headers={"HX-Request": "true"})
    assert coaches.status_code == 200
    assert json.loads(coaches.headers["HX-Trigger-After-Settle"]) == {"accord:focus": "#coaches"}
