"""The WeasyPrint side of the agreement PDF: the fetcher that opens only the static folder, and
the rendering itself. Imported only when a PDF is made (`agreements/pdf.py`), because importing
WeasyPrint costs most of a second that every worker start, command and test would pay.
"""

import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class FetchRefused(ValueError):
    """WeasyPrint asked for something outside the static folder."""


class StaticOnlyFetcher(URLFetcher):
    """Opens file: URLs inside `static_folder` and refuses everything else.

    A subclass rather than a plain function because WeasyPrint 70 reads `_fail_on_errors` off
    whatever fetcher it is given when a fetch fails. A refusal is logged by WeasyPrint (the
    "weasyprint" logger names the URL and FetchRefused) and the PDF is made without that resource.
    """

    def __init__(self, static_folder):
        super().__init__()  # only for its attributes: `fetch` below never uses its opener
        self.root = os.path.realpath(static_folder)

    def fetch(self, url, headers=None):
        path = Path(self.path_for(url))
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def path_for(self, url):
        """The real path `url` names, if it is a file under the static folder."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"only files under the static folder are fetched, not {url!r}")
        # Decoded first, so that %2e%2e is ".." too; realpath then resolves ".." and symlinks, so
        # the check is on the file that would really be opened.
        path = os.path.realpath(unquote(parts.path))
        if os.path.commonpath([self.root, path]) != self.root or not os.path.isfile(path):
            raise FetchRefused(f"{url!r} is not a file under the static folder")
        return path


def write_pdf(html, *, base_url, static_folder):
    """PDF/UA-1 bytes for `html`, fetching nothing outside `static_folder`."""
    fetcher = StaticOnlyFetcher(static_folder)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")
