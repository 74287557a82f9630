"""Error pages: plain words, no details of what was asked for, nothing confidential."""

from flask import render_template
from flask_wtf.csrf import CSRFError

from portal.htmx import is_htmx_request

MESSAGES = {
    400: ("Something went wrong with that request", "Go back, reload the page and try again."),
    403: ("You cannot do that", "Your account does not give you access to this page."),
    404: ("Page not found", "The page may have moved, or you may not have access to it."),
    405: ("That did not work", "Go back, reload the page and try again."),
    413: ("That file is too big", "Go back and choose a smaller file."),
    429: ("Too many tries", "Wait a few minutes, then try again."),
    500: ("Sorry, something went wrong on our side", "Try again later. If it keeps happening, contact the service."),
}


def _error_page(code):
    title, advice = MESSAGES[code]
    template = "errors/_error.html" if is_htmx_request() else "errors/error.html"
    return render_template(template, code=code, title=title, advice=advice), code


def init_app(app):
    for code in MESSAGES:
        app.register_error_handler(code, lambda error, code=code: _error_page(code))

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        # The form has expired (or was not ours): say so without echoing anything back.
        title, advice = "This form has expired", "Go back, reload the page and try again."
        return render_template("errors/error.html", code=400, title=title, advice=advice), 400
