"""PDF rendering with WeasyPrint, allowed to read the portal's own static
files and nothing else: no http(s), no file outside ``static/``. Embedded
``data:`` images (barcodes) are decoded in memory."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs under one folder and ``data:`` URLs; refuses the rest."""

    def __init__(self, static_folder: str | Path):
        super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = Path(static_folder).resolve()

    def fetch(self, url: str, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ValueError(f"reports may not fetch {url[:80]!r}: only the portal's static files")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"reports may not read {path}: outside static/ or missing")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})


def static_base_url() -> str:
    return Path(current_app.static_folder).resolve().as_uri() + "/"


def html_to_pdf(html: str) -> bytes:
    """Render HTML whose relative URLs point into static/ (e.g. ``css/print.css``)."""
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    return HTML(string=html, base_url=static_base_url(), url_fetcher=fetcher).write_pdf()


def render_pdf(template: str, **context) -> bytes:
    return html_to_pdf(render_template(template, **context))
