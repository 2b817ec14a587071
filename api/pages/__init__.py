"""The staff pages: server-rendered HTML (Jinja2) on the same services as the API.

``api.pages.app.install_pages`` mounts the pages' routes (outside the OpenAPI document), their
static files (CSS, small scripts, the vendored htmx and uPlot) and the HTML error pages.
Every write is a plain form (POST, redirect, GET) with a CSRF token; every visible string
goes through the message catalogues of ``locale/`` (English, Simplified Chinese).
"""
