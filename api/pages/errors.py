"""Errors on the pages answer HTML, in the visitor's language; the API keeps its JSON.

``install_page_errors`` wraps every exception handler of the app: a request outside
``/api/`` gets an error page instead of the JSON body. On the pages a scope refusal
(``Forbidden``) reads as not found, so that nothing tells a visitor what lies outside their
facilities; a missing sign-in is a redirect to the sign-in page; a form without its CSRF
token is 403 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from access.errors import Forbidden
from api.pages.messages import ERROR_TITLES, SOMETHING_WRONG
from api.pages.sessions import CsrfRefused
from api.pages.web import SignInNeeded, get_page, sign_in_url

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def install_page_errors(app: FastAPI, status_of: Callable[[Exception], int | None]) -> None:
    """Route each error of a page request to an HTML page; ``status_of`` maps a domain
    error to its status (the API's table)."""
    for cls, handler in list(app.exception_handlers.items()):
        if isinstance(cls, type):
            app.exception_handlers[cls] = _dispatch(handler, status_of)
    app.add_exception_handler(SignInNeeded, _sign_in_needed)
    app.add_exception_handler(CsrfRefused, _html(lambda _exc: 403))


def _dispatch(api_handler: Handler, status_of: Callable[[Exception], int | None]) -> Handler:
    page_handler = _html(lambda exc: _status(exc, status_of))

    async def handle(request: Request, exc: Exception) -> Response:
        if is_page(request):
            return await page_handler(request, exc)
        answer = api_handler(request, exc)
        return answer if isinstance(answer, Response) else await answer

    return handle


def _status(exc: Exception, status_of: Callable[[Exception], int | None]) -> int:
    if isinstance(exc, Forbidden):
        return 404
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    status = status_of(exc)
    if status is None:
        return 400  # request validation: a malformed query or path
    return 404 if status in (401, 403) else status


async def _sign_in_needed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    if request.headers.get("HX-Request"):
        # htmx refreshing a part of a page (the board, a chart) after the session ended:
        # the whole page goes to the sign-in form, and back to that page after it, instead
        # of the form being swapped into the part.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = exc.next_url
        if current.path.startswith("/") and not current.path.startswith("//"):
            back = current.path + (f"?{current.query}" if current.query else "")
        return Response(status_code=200, headers={"HX-Redirect": sign_in_url(back)})
    return RedirectResponse(sign_in_url(exc.next_url), status_code=303)


def _html(
    status_for: Callable[[Exception], int],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def render(request: Request, exc: Exception) -> Response:
        status = status_for(exc)
        page = get_page(request, request.app.state.deps)
        # Only what the visitor may act on is shown: never the detail of a 404.
        detail = str(exc) if status in (409, 422) else None
        return page.render(
            "error.html",
            status_code=status,
            status=status,
            title=ERROR_TITLES.get(status, SOMETHING_WRONG),
            detail=detail,
        )

    return render
