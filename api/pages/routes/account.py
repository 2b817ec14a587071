"""Signing in and out, and choosing the language (remembered in a cookie)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from access.errors import TooManyAttempts
from api.pages.i18n import LANGUAGES
from api.pages.sessions import PageSession
from api.pages.signin import SignInRefused, sign_in
from api.pages.web import AnyPage, read_form

router = APIRouter()


def safe_next(url: str | None, default: str = "/board") -> str:
    """Only a path of this site (never ``//host`` or ``https://...``)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    return url


@router.get("/")
def home(page: AnyPage) -> Response:
    return page.redirect("/board" if page.principal is not None else "/sign-in")


@router.get("/sign-in")
def sign_in_form(page: AnyPage, next: str | None = None) -> Response:
    if page.principal is not None:
        return page.redirect(safe_next(next))
    return page.render("sign_in.html", next=safe_next(next), name="", errors={})


@router.post("/sign-in")
async def sign_in_submit(page: AnyPage) -> Response:
    form = await read_form(page)
    name, password = form.get("name", "").strip(), form.get("password", "")
    next_url = safe_next(form.get("next"))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = page.gettext("Enter your user name.")
    if not password:
        errors["password"] = page.gettext("Enter your password.")
    if not errors:
        address = page.request.client.host if page.request.client else "unknown"
        try:
            signed = sign_in(page.deps, name=name, password=password, address=address)
        except SignInRefused:
            errors["password"] = page.gettext("That user name and password do not match.")
        except TooManyAttempts as exc:
            errors["password"] = page.gettext(
                "Too many failed attempts. Wait %(minutes)s minutes and try again.",
                minutes=exc.wait_minutes,
            )
        else:
            page.start_session(page.session.signed_in(signed.user_id, signed.stamp))
            return page.redirect(next_url)
    return page.render("sign_in.html", status_code=422, next=next_url, name=name, errors=errors)


@router.post("/sign-out")
async def sign_out(page: AnyPage) -> Response:
    await read_form(page)
    page.start_session(PageSession.anonymous())
    return page.redirect("/sign-in")


@router.post("/language")
async def choose_language(page: AnyPage) -> Response:
    form = await read_form(page)
    language = form.get("language", "")
    next_url = safe_next(form.get("next"), default="/")
    response = page.redirect(next_url)
    if language in LANGUAGES:
        page.finish_language(response, language)
    return response
