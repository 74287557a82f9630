"""The case page's context, and the answers every case action gives (loading a case is in
`portal/case_access.py`).

A successful change answers htmx with the refreshed case (`#case`) and a plain browser with a
303 to the case page; a failed form answers with the form again (422), in place for htmx.
"""

from urllib.parse import urlsplit

from flask import url_for
from flask_login import current_user

from portal import policy, queries, service_lists
from portal.access import current_actor
from portal.cases import panels
from portal.htmx import current_page_url, form_response, is_htmx_request, redirect_to, replace
from portal.models import Case, CaseParty, CaseSession, utcnow
from portal.pagination import BatchedPage, page_number
from portal.stages import StageFacts, case_stage
from portal.vocab import SessionStatus

# How many of each long list the case page shows at once, newest first (sessions: in date
# order); the rest are a page link away (`?notes_page=2`), with or without JavaScript.
PER_PAGE = {"notes": 20, "sessions": 20, "events": 25}


def section_pages(args):
    """The page of each long section a request asks for (junk is the first page)."""
    return {name: page_number(args.get(f"{name}_page")) for name in PER_PAGE}


def case_context(case, facts, pages=None, *, clamp=True):
    """Everything the case page shows, each list from `queries` and each panel's extras from
    `panels`: the templates only read these values (no template global runs a query).

    Every list travels in one statement (`queries.Batch`), so the page runs the same few
    statements whatever the size of the case; the long ones (notes, sessions, the timeline)
    are paged, `pages` saying which page of each."""
    actor = current_actor()
    pages = {**dict.fromkeys(PER_PAGE, 1), **(pages or {})}
    service_lists.load()  # the dispute type, outcome, office and scheme words the page shows
    lists, shown, seats, note_rows, session_rows, under_way = _CASE_PAGE.run(
        current_user._get_current_object(), case, tuple(pages[name] for name in PER_PAGE), now=utcnow())
    paged = {name: part.page() for name, part in shown.items()}
    if clamp and any(page.number > page.pages for page in paged.values()):
        # A page past the end (an old link after notes were deleted, or junk): its last page.
        return case_context(case, facts, {name: min(page.number, page.pages)
                                          for name, page in paged.items()}, clamp=False)
    loaded = {name: part.rows for name, part in lists.items()}
    parties, notes, sessions = loaded["parties"], paged["notes"].rows, paged["sessions"].rows
    history, attendees = {}, {}
    for event in loaded["consent_history"]:
        history.setdefault(event.party_id, []).append(event)
    for seat in seats.rows:
        attendees.setdefault(seat.session_id, []).append(seat)
    return {
        "case": case,
        "facts": facts,
        "parent_case": next(iter(loaded["parent_case"]), None),
        "parties": parties,
        "consent_history": history,
        "coaches": loaded["coaches"],
        "sessions": sessions,
        "sessions_page": paged["sessions"],
        "attendees": attendees,
        "notes": notes,
        "notes_page": paged["notes"],
        "note_panel": panels.note_panel(case, facts, notes, note_rows),
        "session_panel": panels.session_panel(case, sessions, session_rows),
        "action_points": loaded["action_points"],
        "changeable_action_points": panels.changeable_action_points(facts, loaded["action_points"]),
        "invitations_waiting": panels.invitations_waiting(parties, loaded["waiting"]),
        "goals": loaded["goals"],
        "concerns": loaded["concerns"],
        "events": paged["events"].rows,
        "events_page": paged["events"],
        # The case page's address with the page of each section now on show (the first is
        # the default), so that a section's pager keeps the others where they are.
        "page_args": {"reference": case.reference,
                      **{f"{name}_page": page.number for name, page in paged.items() if page.number > 1}},
        "agreements": loaded["agreements"],
        "stage": case_stage(StageFacts.of(
            closed=case.is_closed, consent_states=[party.consent_state for party in parties],
            has_current_coach=bool(loaded["coaches"]),
            session_states=[session.status for session in under_way.rows],
            agreement_states=[agreement.state for agreement in loaded["agreements"]])),
        "follow_on_cases": loaded["follow_on_cases"],
        "feedback": loaded["feedback"],
        "feedback_comments": loaded["feedback_comments"],
        "coaching_outcome": next(iter(loaded["coaching_outcome"]), None),
        "equality": {answers.party_id: answers for answers in loaded["equality"]},
        "coaching_offers": loaded["coaching_offers"],
        "may": {
            "run": policy.can_run_case(actor, facts),
            "change": policy.can_change_case(actor, facts),
            "schedule": policy.can_schedule_session(actor, facts),
            "deal_with_requests": policy.can_deal_with_session_request(actor, facts),
            "close": policy.can_close_case(actor, facts),
            "reopen": policy.can_reopen_case(actor, facts),
            "see_funding": policy.can_view_funding(actor, facts),
            "raise_concern": policy.can_raise_concern(actor, facts),
            "manage_party_items": policy.can_manage_party_items(actor, facts),
            "draft_agreement": policy.can_draft_agreement(actor, facts),
            "see_feedback": policy.can_view_feedback(actor, facts),
            "read_feedback_comments": policy.can_read_feedback_comment(actor, facts),
            "see_coaching_outcome": policy.can_view_coaching_outcome(actor, facts),
            "record_coaching_outcome": policy.can_record_coaching_outcome(actor, facts),
            "see_equality": policy.can_view_equality_answers(actor, facts),
            "record_equality": policy.can_record_equality_answers(actor, facts),
            # The parties post-mediation coaching may be offered to: each once.
            "offer_coaching": _may_offer_coaching(actor, facts, parties, loaded["coaching_offers"]),
            # Retention (portal/rights): the case's legal hold, and each party's data rights.
            "manage_retention": policy.can_manage_retention(actor),
            "set_hold": policy.can_set_legal_hold(actor, hold_set=case.legal_hold_reason is not None,
                                                  anonymised=case.anonymised_at is not None),
            "lift_hold": policy.can_lift_legal_hold(actor, hold_set=case.legal_hold_reason is not None),
        },
        "summary": _summary(actor, facts, parties, loaded),
    }


def _may_offer_coaching(actor, facts, parties, offers):
    offered = {offer.offered_from_id for offer in offers}
    return {p.id for p in parties if policy.can_offer_follow_on(actor, facts, offered=p.id in offered)}


def _summary(actor, facts, parties, loaded):
    """The case page's summary header: each party's contact details together (for whoever may
    see them), the next session, and whether a concern is unresolved (of those the user sees).
    The case's stage is for the lead to add (see templates/cases/_summary.html)."""
    return {
        "contacts": {p.id for p in parties if policy.can_view_party_contact(actor, facts, p.id)},
        "next_session": next(iter(loaded["next_session"]), None),
        "unresolved_concerns": sum(1 for c in loaded["concerns"]
                                   if c.state in policy.UNRESOLVED_CONCERN_STATES),
    }


def _reserve(batch, user, case, pages, now):
    """Every list of the case page, reserved in `batch`; `pages`: which page of each long list.

    Its SQL text is made once per shape (`queries.PreparedBatch`): the user, the case and the
    time are read only from the arguments, which are stand-ins when the text is made."""
    lists = _reserve_lists(batch, user, case, now)
    shown = {name: BatchedPage(batch, query, number, PER_PAGE[name])
             for (name, query), number in zip(_long_lists(user, case).items(), pages, strict=True)}
    seats = batch.rows(queries.session_seats(shown["sessions"].query))
    note_rows = panels.note_panel_rows(batch, case, shown["notes"].query)
    session_rows = panels.session_panel_rows(batch, case, shown["sessions"].query)
    # Whether any session is under way is all the stage asks of the sessions: one row at most.
    under_way = batch.rows(queries.sessions_under_way(case).limit(1))
    return lists, shown, seats, note_rows, session_rows, under_way


_CASE_PAGE = queries.PreparedBatch("the case page", _reserve)


def _reserve_lists(batch, user, case, now):
    """The case page's short lists, reserved in `batch`."""
    parties = queries.parties_with_contact_visible_to(user, case)
    return {
        "parties": batch.rows(parties),
        "consent_history": batch.rows(queries.consent_history_visible_to(user, case)),
        "coaches": batch.rows(queries.current_coaches(case)),
        "action_points": batch.rows(queries.action_points_visible_to(user, case)),
        "goals": batch.rows(queries.goals_visible_to(user, case)),
        "concerns": batch.rows(queries.concerns_on_case(user, case)),
        "agreements": batch.rows(queries.agreement_versions_visible_to(user, case)),
        "follow_on_cases": batch.rows(queries.cases_visible_to(user)
                                      .where(Case.parent_case == case.id)),
        "parent_case": batch.rows(queries.parent_case_of(case)),
        # Post-mediation coaching offered from this case, and each party's answer.
        "coaching_offers": batch.rows(queries.coaching_offers_from(current_user, case)),
        # The summary header's next session: the first still to come, whichever page is shown.
        "next_session": batch.rows(queries.sessions_visible_to(user, case)
                                   .where(CaseSession.status == SessionStatus.SCHEDULED,
                                          CaseSession.starts_at >= now)
                                   .limit(1)),
        "waiting": batch.rows(panels.waiting_accounts(parties.select(CaseParty.user).order_by())),
        # Feedback (coded answers; the free text apart, for staff on the case alone), a coaching
        # case's outcome, and equality monitoring answers (coordinators alone).
        "feedback": batch.rows(queries.feedback_visible_to(user, case)),
        "feedback_comments": batch.rows(queries.feedback_comments_visible_to(user, case)),
        "coaching_outcome": batch.rows(queries.coaching_outcome_visible_to(user, case)),
        "equality": batch.rows(queries.equality_answers_visible_to(user, case)),
    }


def _long_lists(user, case):
    """The case page's long lists, which it shows a page at a time."""
    return {
        "notes": queries.notes_visible_to(user, case),
        "sessions": queries.sessions_visible_to(user, case),
        "events": queries.case_events_visible_to(user, case),
    }


def case_updated(case, facts=None, *, anchor=None):
    """After a successful change: the refreshed case for htmx, a 303 to the case page otherwise.

    `anchor` is the id of what changed (a section such as "notes", or one item): the plain
    browser lands there (a #fragment on the 303) rather than at the top of a long page, and the
    htmx page moves focus there after the swap (static/js/accord.js listens for `accord:focus`)
    rather than losing it to the page body. A form on a page of its own (opened from a link in
    a new tab, or from another page) has no `#case` to swap: htmx moves the whole page instead."""
    if is_htmx_request() and _made_on_case_page(case):
        case = queries.get_or_404(queries.cases_visible_to(current_user).where(Case.id == case.id))
        return replace("#case", "cases/_case.html", focus=f"#{anchor or 'case'}",
                       **case_context(case, queries.case_facts(case)))
    return redirect_to(url_for("cases.show", reference=case.reference, _anchor=anchor))


def _made_on_case_page(case):
    # htmx names the page it is on (HX-Current-URL); a request that does not is taken to come
    # from the case page, where every in-place form lives.
    current = current_page_url()
    return current is None or urlsplit(current).path == url_for("cases.show", reference=case.reference)


def form_page(case, form, fragment, title, *, form_id, status=200, **context):
    """A case form: in place (htmx) or as a page of its own (no JavaScript)."""
    return form_response(fragment, "form_page.html", form_id=form_id, status=status,
                         back_to=(url_for("cases.show", reference=case.reference),
                                  f"Back to case {case.reference}"),
                         title_trail=[case.reference], case=case, form=form, title=title, **context)


def failed_status(form):
    return 422 if form.is_submitted() else 200
