"""The lists the service edits itself (`portal/service_lists.py`), for administrators: the six
lists, and each list's entries in order with Rename, Move up and down, Retire or Reinstate, and
an Add form. Every change is a real form (POST, CSRF) that works without JavaScript (303 back to
the list, at the entry); htmx swaps the list in place and puts focus back on the entry."""

from flask import abort, flash, request, url_for
from flask_login import current_user

from portal import service_lists
from portal.admin import bp
from portal.admin.forms import EntryLabelForm
from portal.forms import ConfirmForm
from portal.htmx import is_htmx_request, redirect_to, render, replace
from portal.models import ListEntry
from portal.vocab import ServiceList

# What each list is called on its page, and what one entry is called.
TITLES = {
    ServiceList.REFERRAL_SOURCE: ("Referral sources", "referral source"),
    ServiceList.AGENCY_KIND: ("Kinds of referring agency", "kind of agency"),
    ServiceList.DISPUTE_TYPE: ("Dispute types", "dispute type"),
    ServiceList.CASE_OUTCOME: ("Case outcomes", "case outcome"),
    ServiceList.FUNDING_SCHEME: ("Funding schemes", "funding scheme"),
    ServiceList.OFFICE: ("Offices", "office"),
}
ACTIONS = {
    "retire": service_lists.retire, "reinstate": service_lists.reinstate,
}


def _list_or_404(name):
    if not ServiceList.has(name):
        abort(404)
    return ServiceList(name)


def _entry_or_404(name, entry_id):
    return ListEntry.get_or_none(ListEntry.id == entry_id, ListEntry.list == name) or abort(404)


def _rename_form(entry, formdata=None):
    return EntryLabelForm(formdata, prefix=f"entry-{entry.id}", data={"label": entry.label},
                          words=f"New name for {entry.label}")


def _page(name, *, status=200, add_form=None, failed=None, message=None, focus=None, refused=False):
    """The list's page (or, for htmx, its entries in place), with `failed` (an entry id and its
    refused rename form) or a refused `add_form` showing their errors."""
    entries = service_lists.entries(name)
    renames = {entry.id: _rename_form(entry) for entry in entries}
    if failed:
        renames[failed[0]] = failed[1]
    add_form = add_form or EntryLabelForm(prefix="new", words=f"Name of the new {TITLES[name][1]}")
    context = dict(list_name=name, title=TITLES[name][0], entries=entries, renames=renames,
                   add_form=add_form, confirm=ConfirmForm(), message=message, refused=refused,
                   problem=failed[1] if failed else (add_form if add_form.errors else None))
    if is_htmx_request():
        return replace("#list-entries", "admin/_list_entries.html", status=status, focus=focus, **context)
    return render("admin/list.html", status=status, **context)


def _done(name, message, anchor):
    """After a change: the list in place for htmx, focus on `anchor`; otherwise 303 back to it."""
    if is_htmx_request():
        return _page(name, message=message, focus=f"#{anchor}")
    flash(message, "success")
    return redirect_to(url_for("admin.service_list", name=name, _anchor=anchor))


@bp.get("/lists")
def service_lists_index():
    """The six lists, each with how many entries it offers."""
    counts = {name: (len(service_lists.entries(name, include_retired=False)),
                     len(service_lists.entries(name))) for name in ServiceList}
    return render("admin/lists.html", titles=TITLES, counts=counts)


@bp.get("/lists/<name>")
def service_list(name):
    """A list's entries in order, with what can be done to each."""
    return _page(_list_or_404(name))


@bp.post("/lists/<name>/add")
def add_list_entry(name):
    """A new entry at the end of the list."""
    name = _list_or_404(name)
    form = EntryLabelForm(prefix="new", words=f"Name of the new {TITLES[name][1]}")
    if form.validate_on_submit():
        problem = service_lists.label_problem(name, form.label.data)
        if problem is None:
            entry = service_lists.add(name, form.label.data, by=current_user._get_current_object(),
                                      remote_addr=request.remote_addr)
            return _done(name, f"“{entry.label}” added.", f"entry-{entry.id}")
        form.label.errors = [problem]
    return _page(name, status=422, add_form=form)


@bp.post("/lists/<name>/<int:entry_id>/rename")
def rename_list_entry(name, entry_id):
    """A new name for an entry; its code and every record naming it stay."""
    name = _list_or_404(name)
    entry = _entry_or_404(name, entry_id)
    form = _rename_form(entry, request.form)
    if form.validate_on_submit():
        problem = service_lists.label_problem(name, form.label.data, except_id=entry.id)
        if problem is None:
            old = entry.label
            service_lists.rename(entry, form.label.data, by=current_user._get_current_object(),
                                 remote_addr=request.remote_addr)
            return _done(name, f"“{old}” is now “{entry.label}”.", f"entry-{entry.id}")
        form.label.errors = [problem]
    return _page(name, status=422, failed=(entry.id, form))


@bp.post("/lists/<name>/<int:entry_id>/<any(up, down):direction>")
def move_list_entry(name, entry_id, direction):
    """One place up or down the list."""
    name = _list_or_404(name)
    entry = _entry_or_404(name, entry_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    moved = service_lists.move(entry, -1 if direction == "up" else 1, by=current_user._get_current_object(),
                               remote_addr=request.remote_addr)
    message = (f"“{entry.label}” moved {direction}." if moved
               else f"“{entry.label}” is already at the {'top' if direction == 'up' else 'bottom'}.")
    return _done(name, message, f"entry-{entry.id}")


@bp.post("/lists/<name>/<int:entry_id>/<any(retire, reinstate):action>")
def change_list_entry(name, entry_id, action):
    """Retire an entry (off the forms for new records; old ones keep it), or bring it back."""
    name = _list_or_404(name)
    entry = _entry_or_404(name, entry_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        ACTIONS[action](entry, by=current_user._get_current_object(), remote_addr=request.remote_addr)
    except service_lists.ListError as refused:
        if is_htmx_request():
            return _page(name, status=422, message=str(refused), refused=True, focus=f"#entry-{entry.id}")
        flash(str(refused), "error")
        return redirect_to(url_for("admin.service_list", name=name, _anchor=f"entry-{entry.id}"))
    words = "retired: old records keep it" if action == "retire" else "reinstated"
    return _done(name, f"“{entry.label}” {words}.", f"entry-{entry.id}")
