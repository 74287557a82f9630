"""The one place that knows htmx: what a request asks for (the HX-* request headers), how it is
answered (a page or a fragment, and the HX-* response headers), and `Vary: HX-Request`. No other
module reads an HX-* header or builds one, and no template reads one: templates ask `is_htmx()`.

Views call `render(page, fragment, **context)`: the page template includes the fragment
template, so one file serves both. `redirect_to(url)` is the answer to a successful POST, and
`replace(selector, fragment, ...)` puts a refreshed part of the page in place of the old one.
"""

import json

from flask import make_response, redirect, render_template, request


def _header_says(name):
    """An HX-* flag header: htmx sends "true"; absent means false."""
    return request.headers.get(name, "").lower() == "true"


def is_any_htmx_request():
    """Any request htmx made: for a fragment, a boosted link or form, or a history restore.
    Templates see it as `is_htmx()`."""
    return _header_says("HX-Request")


def is_htmx_request():
    """An htmx request that wants a fragment (boosted links want whole pages)."""
    return (is_any_htmx_request() and not _header_says("HX-Boosted")
            and not _header_says("HX-History-Restore-Request"))


def current_page_url():
    """For an htmx request, the address of the page that made it (HX-Current-URL); else None."""
    return request.headers.get("HX-Current-URL") if is_any_htmx_request() else None


def render(page_template, fragment_template=None, *, status=200, **context):
    """The fragment for htmx requests, the full page otherwise."""
    template = fragment_template if fragment_template and is_htmx_request() else page_template
    return make_response(render_template(template, **context), status)


def replace(selector, fragment_template, *, status=200, focus=None, **context):
    """The fragment in place of the element `selector` (HX-Retarget, HX-Reswap: outerHTML),
    whichever element the request was made from. `focus` (a selector) is where focus goes once
    the swap settles: htmx fires `accord:focus` then, and static/js/accord.js moves it."""
    response = make_response(render_template(fragment_template, **context), status)
    response.headers["HX-Retarget"] = selector
    response.headers["HX-Reswap"] = "outerHTML"
    if focus:
        response.headers["HX-Trigger-After-Settle"] = json.dumps({"accord:focus": focus})
    return response


def form_response(fragment, page, *, form_id, status=200, **context):
    """A form in place for htmx (the fragment; a refused one, with its status, replaces the form
    `#form_id`) or as a page of its own without JavaScript (`page` includes `fragment`)."""
    context = {"form_id": form_id, "fragment": fragment, **context}
    if is_htmx_request():
        if status == 200:
            return render_template(fragment, **context), status
        return replace(f"#{form_id}", fragment, status=status, **context)
    return render_template(page, **context), status


def redirect_to(url):
    """303 See Other after a POST. A boosted form follows it in place (htmx swaps the new page
    in without a reload); other htmx requests get HX-Redirect so the whole page moves."""
    if is_any_htmx_request() and not _header_says("HX-Boosted"):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def no_store(response):
    """For pages with confidential content: not cached, and not kept in htmx's history cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app):
    app.add_template_global(is_any_htmx_request, "is_htmx")

    @app.after_request
    def _vary_on_htmx(response):
        response.vary.add("HX-Request")
        return response
