"""The one place that decides between a full page and an htmx fragment, and sets HX-* headers.

Views call `render(page, fragment, **context)`: the page template includes the fragment
template, so one file serves both. `redirect_to(url)` is the answer to a successful POST.
"""

from flask import make_response, redirect, render_template, request
from htmx_flask import Htmx
from htmx_flask import make_response as htmx_response

htmx = Htmx()


def is_htmx_request():
    """An htmx request that wants a fragment (boosted links want whole pages)."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def render(page_template, fragment_template=None, *, status=200, **context):
    """The fragment for htmx requests, the full page otherwise."""
    template = fragment_template if fragment_template and is_htmx_request() else page_template
    return make_response(render_template(template, **context), status)


def form_response(fragment, page, *, form_id, status=200, **context):
    """A form in place for htmx (the fragment; a refused one, with its status, replaces the form
    `#form_id`) or as a page of its own without JavaScript (`page` includes `fragment`)."""
    context = {"form_id": form_id, "fragment": fragment, **context}
    if is_htmx_request():
        html = render_template(fragment, **context)
        if status == 200:
            return html, status
        return htmx_response(html, status, retarget=f"#{form_id}", reswap="outerHTML")
    return render_template(page, **context), status


def redirect_to(url):
    """303 See Other after a POST. A boosted form follows it in place (htmx swaps the new page
    in without a reload); other htmx requests get HX-Redirect so the whole page moves."""
    if request.htmx and not request.htmx.boosted:
        return htmx_response("", 204, redirect=url)
    return redirect(url, code=303)


def no_store(response):
    """For pages with confidential content: not cached, and not kept in htmx's history cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app):
    htmx.init_app(app)

    @app.after_request
    def _vary_on_htmx(response):
        response.vary.add("HX-Request")
        return response
