"""The lists the service edits itself (issue 15): administrators add, rename, retire, reinstate
and order entries in the portal; a retired entry still names old records; every change is audited."""

import pytest

from portal import service_lists
from portal.models import AuditEvent, Case, ListEntry
from portal.vocab import CaseOutcome, DisputeType, Role, ServiceList
from tests.apps import error_summary, field_errors
from tests.conftest import csrf_from, enter_as
from tests.factories import make_case, make_user

HX = {"HX-Request": "true"}


@pytest.fixture
def admin_client(app):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    return enter_as(app.test_client(), admin), admin


def token(client, name="dispute_type"):
    return csrf_from(client.get(f"/admin/lists/{name}").get_data(as_text=True))


def labels_of(name):
    return [(e.code, e.label, e.retired) for e in service_lists.entries(name)]


def entry(name, code):
    return ListEntry.get(ListEntry.list == name, ListEntry.code == code)


def list_events():
    return [(e.event, e.detail) for e in AuditEvent.select().where(AuditEvent.event.startswith("list."))
            .order_by(AuditEvent.id)]


# --- who may see the pages ------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/admin/lists", "/admin/lists/dispute_type"])
@pytest.mark.parametrize(("role", "admin", "status"), [
    (Role.COORDINATOR, True, 200), (Role.COORDINATOR, False, 403), (Role.COACH, False, 403),
    (Role.PARTY, False, 403)])
def test_only_administrators_see_the_lists(app, path, role, admin, status):
    client = enter_as(app.test_client(), make_user(role, is_admin=admin))
    assert client.get(path).status_code == status


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/admin/lists/office")
    assert response.status_code == 303
    assert "/sign-in" in response.headers["Location"]


def test_a_list_that_does_not_exist_is_not_found(admin_client):
    client, _ = admin_client
    assert client.get("/admin/lists/colours").status_code == 404


def test_a_non_administrator_cannot_change_a_list(app):
    coordinator = enter_as(app.test_client(), make_user(Role.COORDINATOR))
    csrf = csrf_from(coordinator.get("/account/password").get_data(as_text=True))
    response = coordinator.post("/admin/lists/dispute_type/add", data={"csrf_token": csrf, "new-label": "Housing"})
    assert response.status_code == 403
    assert not ListEntry.select().where(ListEntry.label == "Housing").exists()


# --- the seed ---------------------------------------------------------------------------------------

def test_a_new_database_has_every_list_seeded(app):
    assert labels_of(ServiceList.DISPUTE_TYPE) == [
        ("neighbour", "Neighbour", False), ("workplace", "Workplace", False), ("family", "Family", False),
        ("other", "Other", False)]
    assert [e.code for e in service_lists.entries(ServiceList.CASE_OUTCOME)] == [o.value for o in CaseOutcome]
    assert [e.code for e in service_lists.entries(ServiceList.REFERRAL_SOURCE)] == ["self", "agency"]
    assert len(service_lists.entries(ServiceList.AGENCY_KIND)) == 8
    assert labels_of(ServiceList.FUNDING_SCHEME) == [
        ("housing_association_contract", "Housing association contract", False),
        ("council_community_safety_fund", "Council community safety fund", False),
        ("employer_funded", "Employer-funded", False),
        ("lottery_community_grant", "Lottery community grant", False)]
    assert labels_of(ServiceList.OFFICE) == [("accord_office_12_market_street", "Accord office, 12 Market Street",
                                              False)]


# --- changes ------------------------------------------------------------------------------------------

def test_adding_an_entry_puts_it_last_with_a_code_from_its_name(admin_client):
    client, _ = admin_client
    response = client.post("/admin/lists/dispute_type/add", data={"csrf_token": token(client),
                                                                 "new-label": "  Landlord and tenant "})
    new = entry(ServiceList.DISPUTE_TYPE, "landlord_and_tenant")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/lists/dispute_type#entry-{new.id}")
    assert labels_of(ServiceList.DISPUTE_TYPE)[-1] == ("landlord_and_tenant", "Landlord and tenant", False)
    assert list_events() == [("list.entry_added", "list=dispute_type code=landlord_and_tenant")]


def test_renaming_keeps_the_code_and_every_record_shows_the_new_name(admin_client):
    client, _ = admin_client
    case = make_case(dispute_type=DisputeType.WORKPLACE)
    workplace = entry(ServiceList.DISPUTE_TYPE, "workplace")
    response = client.post(f"/admin/lists/dispute_type/{workplace.id}/rename",
                           data={"csrf_token": token(client), f"entry-{workplace.id}-label": "At work"})
    assert response.status_code == 303
    assert entry(ServiceList.DISPUTE_TYPE, "workplace").label == "At work"
    assert Case.get_by_id(case.id).dispute_type == "workplace"
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "At work dispute" in page
    assert list_events() == [("list.entry_renamed", "list=dispute_type code=workplace")]


def test_moving_an_entry_swaps_it_with_its_neighbour(admin_client):
    client, _ = admin_client
    family = entry(ServiceList.DISPUTE_TYPE, "family")
    csrf = token(client)
    assert client.post(f"/admin/lists/dispute_type/{family.id}/up", data={"csrf_token": csrf}).status_code == 303
    assert [c for c, _, _ in labels_of(ServiceList.DISPUTE_TYPE)] == ["neighbour", "family", "workplace", "other"]
    assert client.post(f"/admin/lists/dispute_type/{family.id}/down", data={"csrf_token": csrf}).status_code == 303
    client.post(f"/admin/lists/dispute_type/{family.id}/down", data={"csrf_token": csrf})
    assert [c for c, _, _ in labels_of(ServiceList.DISPUTE_TYPE)] == ["neighbour", "workplace", "other", "family"]
    # At the bottom already: nothing moves, nothing is recorded.
    client.post(f"/admin/lists/dispute_type/{family.id}/down", data={"csrf_token": csrf})
    assert [c for c, _, _ in labels_of(ServiceList.DISPUTE_TYPE)] == ["neighbour", "workplace", "other", "family"]
    assert list_events() == [("list.entry_moved", "list=dispute_type code=family")] * 3


def test_a_move_by_htmx_swaps_the_list_and_keeps_focus_on_the_entry(admin_client):
    client, _ = admin_client
    family = entry(ServiceList.DISPUTE_TYPE, "family")
    response = client.post(f"/admin/lists/dispute_type/{family.id}/up", data={"csrf_token": token(client)},
                           headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#list-entries"
    assert response.headers["HX-Trigger-After-Settle"] == f'{{"accord:focus": "#entry-{family.id}"}}'
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<div id=\"list-entries\">") or '<div id="list-entries">' in body[:2000]
    assert "<html" not in body
    assert body.index(">Family<") < body.index(">Workplace<")


def test_a_retired_entry_keeps_naming_old_records_and_is_offered_only_to_them(admin_client, app):
    client, _ = admin_client
    added = service_lists.add(ServiceList.CASE_OUTCOME, "Referred elsewhere", by=admin_client[1])
    old = make_case(status="closed", outcome=added.code)
    response = client.post(f"/admin/lists/case_outcome/{added.id}/retire", data={"csrf_token": token(client)})
    assert response.status_code == 303
    assert entry(ServiceList.CASE_OUTCOME, "referred_elsewhere").retired_at is not None
    # Its label still shows on the old record.
    assert "Closed: Referred elsewhere" in client.get(f"/cases/{old.reference}").get_data(as_text=True)
    # Not offered for new records; still offered when editing the record that has it.
    with app.test_request_context():
        assert "referred_elsewhere" not in service_lists.codes(ServiceList.CASE_OUTCOME)
        assert "referred_elsewhere" in service_lists.codes(ServiceList.CASE_OUTCOME, current="referred_elsewhere")
        assert service_lists.label(ServiceList.CASE_OUTCOME, "referred_elsewhere") == "Referred elsewhere"
    response = client.post(f"/admin/lists/case_outcome/{added.id}/reinstate", data={"csrf_token": token(client)})
    assert response.status_code == 303
    assert entry(ServiceList.CASE_OUTCOME, "referred_elsewhere").retired_at is None
    assert [event for event, _ in list_events()] == ["list.entry_added", "list.entry_retired",
                                                     "list.entry_reinstated"]
    assert list_events()[1][1] == "list=case_outcome code=referred_elsewhere"


def test_a_built_in_entry_cannot_be_retired_and_the_page_says_so(admin_client):
    client, _ = admin_client
    agency = entry(ServiceList.REFERRAL_SOURCE, "agency")
    page = client.get("/admin/lists/referral_source").get_data(as_text=True)
    assert page.count("Built in: it can be renamed, not retired.") == 2
    assert f"/admin/lists/referral_source/{agency.id}/retire" not in page
    response = client.post(f"/admin/lists/referral_source/{agency.id}/retire", data={"csrf_token": token(client)},
                           follow_redirects=True)
    assert "is built in" in response.get_data(as_text=True)
    assert entry(ServiceList.REFERRAL_SOURCE, "agency").retired_at is None
    assert list_events() == []


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Enter a name for the entry."),
    ("x" * 101, "Use at most 100 characters."),
    ("family", "The list already has an entry with this name."),
])
def test_a_bad_name_is_refused_with_nothing_saved(admin_client, typed, message):
    client, _ = admin_client
    before = labels_of(ServiceList.DISPUTE_TYPE)
    response = client.post("/admin/lists/dispute_type/add", data={"csrf_token": token(client), "new-label": typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html) == {"new-label": message}
    assert 'href="#new-label"' in error_summary(html)
    assert labels_of(ServiceList.DISPUTE_TYPE) == before
    assert list_events() == []


def test_a_rename_to_another_entrys_name_is_refused_in_place_by_htmx(admin_client):
    client, _ = admin_client
    other = entry(ServiceList.DISPUTE_TYPE, "other")
    response = client.post(f"/admin/lists/dispute_type/{other.id}/rename",
                           data={"csrf_token": token(client), f"entry-{other.id}-label": "NEIGHBOUR"}, headers=HX)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#list-entries"
    assert field_errors(response.get_data(as_text=True)) == {
        f"entry-{other.id}-label": "The list already has an entry with this name."}
    assert entry(ServiceList.DISPUTE_TYPE, "other").label == "Other"
    assert list_events() == []


def test_a_retired_entrys_name_may_be_used_again(admin_client):
    _, admin = admin_client
    added = service_lists.add(ServiceList.OFFICE, "Riverside hub", by=admin)
    service_lists.retire(added, by=admin)
    again = service_lists.add(ServiceList.OFFICE, "Riverside hub", by=admin)
    assert (added.code, again.code) == ("riverside_hub", "riverside_hub_2")
    with pytest.raises(service_lists.ListError):
        service_lists.reinstate(ListEntry.get_by_id(added.id), by=admin)


# --- migration 19 on an existing database --------------------------------------------------------

def test_migration_19_seeds_an_existing_database_and_names_its_schemes_by_code(tmp_path):
    from portal.config import TestConfig
    from portal.db import database
    from tests.apps import build_app, closing_database, new_database_url
    from tests.test_migrations import database_at, flask
    with new_database_url(tmp_path, "at-18") as url, closing_database():
        app = build_app(TestConfig, tmp_path, DATABASE_URL=url)
        with database.connection_context():
            database_at(18)
            for n, scheme in enumerate(["Lottery community grant", "Parish fund", None], start=1):
                database.execute_sql(
                    'INSERT INTO "case" (reference, kind, status, dispute_type, session_allowance, funding, '
                    "funding_scheme, created_at, stage) VALUES "
                    f"('AC-2025-000{n}', 'mediation', 'open', 'family', 3, 'funded', "
                    f"{'NULL' if scheme is None else repr(scheme)}, '2025-01-0{n} 10:00:00', 'waiting_for_consent')")
        result = flask(app, "db", "upgrade")
        assert result.exit_code == 0, result.output
        with database.connection_context():
            schemes = [(e.code, e.label, e.position) for e in ListEntry.select()
                       .where(ListEntry.list == ServiceList.FUNDING_SCHEME).order_by(ListEntry.position)]
            stored = dict(Case.select(Case.reference, Case.funding_scheme).tuples())
            outcomes = ListEntry.select().where(ListEntry.list == ServiceList.CASE_OUTCOME).count()
            offices = [e.code for e in ListEntry.select().where(ListEntry.list == ServiceList.OFFICE)]
            office_column = {c.name for c in database.get_columns("case")} >= {"office"}
    # The four configured schemes, then the one only a case named (the other is among them).
    assert schemes == [("housing_association_contract", "Housing association contract", 10),
                       ("council_community_safety_fund", "Council community safety fund", 20),
                       ("employer_funded", "Employer-funded", 30),
                       ("lottery_community_grant", "Lottery community grant", 40),
                       ("parish_fund", "Parish fund", 50)]
    assert stored == {"AC-2025-0001": "lottery_community_grant", "AC-2025-0002": "parish_fund",
                      "AC-2025-0003": None}
    assert outcomes == 5
    assert offices == ["accord_office_12_market_street"]
    assert office_column


# --- the records that use the lists ----------------------------------------------------------------

def test_the_case_details_offer_a_retired_office_only_to_the_case_that_has_it(admin_client):
    client, admin = admin_client
    riverside = service_lists.add(ServiceList.OFFICE, "Riverside hub", by=admin)
    case = make_case(office="riverside_hub")
    other = make_case()
    service_lists.retire(riverside, by=admin)
    assert "Riverside hub" in client.get(f"/cases/{case.reference}/details").get_data(as_text=True)
    assert "Riverside hub" not in client.get(f"/cases/{other.reference}/details").get_data(as_text=True)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "<dt>Office</dt><dd>Riverside hub</dd>" in page

    csrf = csrf_from(client.get(f"/cases/{other.reference}/details").get_data(as_text=True))
    refused = client.post(f"/cases/{other.reference}/details",
                          data={"csrf_token": csrf, "dispute_type": "family", "office": "riverside_hub"})
    assert refused.status_code == 422
    assert Case.get_by_id(other.id).office is None
    saved = client.post(f"/cases/{case.reference}/details",
                        data={"csrf_token": csrf, "dispute_type": "family", "office": "riverside_hub"})
    assert saved.status_code == 303
    assert (Case.get_by_id(case.id).dispute_type, Case.get_by_id(case.id).office) == ("family", "riverside_hub")
    from portal.models import CaseEvent
    assert CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.id.desc()).first().summary == (
        "Details changed. Dispute type: Family; office: Riverside hub.")


def test_a_coach_cannot_change_a_cases_details(app):
    from tests.factories import allocate
    coach = make_user(Role.COACH)
    case = make_case()
    allocate(case, coach)
    assert enter_as(app.test_client(), coach).get(f"/cases/{case.reference}/details").status_code == 403


def test_closing_offers_the_active_outcomes_in_their_order(admin_client):
    client, admin = admin_client
    service_lists.add(ServiceList.CASE_OUTCOME, "Referred elsewhere", by=admin)
    retired = service_lists.add(ServiceList.CASE_OUTCOME, "Old outcome", by=admin)
    service_lists.retire(retired, by=admin)
    withdrawn = entry(ServiceList.CASE_OUTCOME, "withdrawn")
    service_lists.move(withdrawn, -1, by=admin)
    case = make_case()
    html = client.get(f"/cases/{case.reference}/close").get_data(as_text=True)
    offered = [code for code in ("resolved", "partly_resolved", "withdrawn", "not_resolved", "not_suitable",
                                 "referred_elsewhere", "old_outcome") if f'value="{code}"' in html]
    assert offered == ["resolved", "partly_resolved", "withdrawn", "not_resolved", "not_suitable",
                       "referred_elsewhere"]
    assert [html.index(f'value="{c}"') for c in offered] == sorted(html.index(f'value="{c}"') for c in offered)


def test_the_public_referral_form_offers_an_added_dispute_type_but_not_a_retired_one(app, client):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    service_lists.add(ServiceList.DISPUTE_TYPE, "Landlord and tenant", by=admin)
    service_lists.retire(entry(ServiceList.DISPUTE_TYPE, "family"), by=admin)
    html = client.get("/refer").get_data(as_text=True)
    assert 'value="landlord_and_tenant"' in html and "Landlord and tenant" in html
    assert 'value="family"' not in html
    assert "I am referring myself" in html
