"""Plain English for parties and volunteers: answers that say what they do, the mediation named
in words rather than by reference, whose words a shared note records, and hints without markup."""

from portal.vocab import Audience, ShareState
from tests.factories import make_note


def shared_page(w, user):
    return w.as_(user).get("/shared").get_data(as_text=True)


def test_a_party_says_no_to_sharing_in_words_of_their_own(world):
    w = world
    make_note(w.case, w.coach, Audience.PARTIES, body="Alex said the music is too loud.",
              source=w.alex, shares=[w.bea])
    html = shared_page(w, w.alex_user)
    assert "No, keep it between me and my coach" in html
    assert ">Refuse<" not in html


def test_a_shared_note_says_whose_words_it_records(world):
    w = world
    make_note(w.case, w.coach, Audience.PARTIES, body="Coach's own words.", shares=[w.bea])
    make_note(w.case, w.coach, Audience.PARTIES, body="Words of Alex.", source=w.alex,
              shares={w.bea: ShareState.GIVEN, w.alex: ShareState.NOT_NEEDED})
    make_note(w.case, w.coach, Audience.PARTIES, body="Words of Bea.", source=w.bea, shares=[w.bea])

    cards = shared_page(w, w.bea_user).split('<li class="card" id="shared-note-')[1:]
    by_body = {next(b for b in ("Coach's own words", "Words of Alex", "Words of Bea")
                    if b in card.replace("&#39;", "'")): card for card in cards}
    assert "Note from your coach" in by_body["Coach's own words"]
    assert "Note shared with permission" in by_body["Words of Alex"]
    assert "They agreed that you can read it." in by_body["Words of Alex"]
    assert "Note from your coach" not in by_body["Words of Alex"]
    assert "Alex" not in by_body["Words of Alex"].replace("Words of Alex", "")  # not named
    assert "Note of what you said" in by_body["Words of Bea"]
    # Alex, whose words they are, reads it as their own.
    assert "Note of what you said" in shared_page(w, w.alex_user)


def test_withdrawing_names_the_mediation_not_its_reference(world):
    w = world
    w.alex.consent_state = "given"
    w.alex.save()
    html = w.as_(w.alex_user).get("/party").get_data(as_text=True)
    assert "<summary>Withdraw from the mediation</summary>" in html
    assert f"Withdraw from {w.case.reference}" not in html


def test_the_note_hint_is_plain_words(world):
    w = world
    html = w.as_(w.coach).get(f"{w.case_url}/notes/new").get_data(as_text=True)
    assert "Write as you would in an email." in html
    assert "*like this*" not in html and "“- ”" not in html
