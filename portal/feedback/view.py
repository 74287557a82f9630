"""What the feedback pages share: the form page, and the page a spent or expired link shows."""

from flask import make_response, render_template

from portal.htmx import no_store

# A link used already, or past its time: a clear page, and "gone".
LINK_SPENT, LINK_EXPIRED = "spent", "expired"


def link_closed(reason):
    return no_store(make_response(render_template("feedback/link_closed.html", reason=reason,
                                                  LINK_SPENT=LINK_SPENT), 410))


def feedback_page(form, status=200, *, what):
    """The feedback form; no case detail beyond its kind, for whoever holds the link."""
    return no_store(make_response(render_template("feedback/give.html", form=form, what=what), status))
