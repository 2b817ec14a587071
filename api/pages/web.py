"""What every page route receives: ``Page`` (the request, the API's dependencies, the
session, the language and its formats, the signed-in caller) and how it answers: a
rendered template or a redirect (303, so that a form is POSTed once), both carrying the
session and language cookies.

``SignedInPage`` is a page that needs a signed-in user (anonymous visitors are sent to the
sign-in page, then back); ``FormPage`` is a signed-in page whose POSTed form passed the
CSRF check (its fields are on ``page.form``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from access.principal import Principal
from api.deps import ApiDeps, Deps
from api.pages.config import PagesConfig
from api.pages.i18n import LANGUAGE_COOKIE, LANGUAGES, Formats, choose_language, translations
from api.pages.messages import (
    ACCOUNT_KINDS,
    ALARM_TYPES,
    CHANNELS,
    DISCREPANCY_KINDS,
    LOT_STATES,
    MOVEMENT_KINDS,
    NOTICE_KINDS,
    RECORD_ISSUES,
    RETURN_DISCREPANCY_KINDS,
    SHIPMENT_STATES,
    UNIT_EVENTS,
    WASTAGE_REASONS,
)
from api.pages.sessions import SESSION_COOKIE, PageSession, SessionCodec
from api.pages.signin import principal_of
from ingest.detect.events import to_utc

TEMPLATES = Path(__file__).parent / "templates"
YEAR_S = 365 * 24 * 3600
R = TypeVar("R", bound=Response)


class SignInNeeded(Exception):
    """The page needs a signed-in user; the visitor is sent to sign in, then back."""

    def __init__(self, next_url: str) -> None:
        super().__init__("sign in to see this page")
        self.next_url = next_url


def keep_together(text: str) -> Markup:
    """``text`` (a duration, a date, a moment) on one line: a narrow screen must not break
    a number from its unit ("10" and "小时", "2031" and "年6月30日"). For HTML text only,
    never an attribute or an SVG label."""
    return Markup('<span class="nowrap">%s</span>') % text


def keep_units(text: str) -> str:
    """A message's temperatures with a no-break space before °C ("above +8 °C")."""
    return text.replace(" °C", "\u00a0°C")


def sentence(text: str) -> str:
    """A label that opens a line, its first letter a capital ("fewer doses arrived" as a
    line of its own); the rest as written (a lot number or a code keeps its case)."""
    return text[:1].upper() + text[1:]


@cache
def environment(language: str) -> Environment:
    """One Jinja2 environment per language, with that language's catalogue installed."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ns_to_datetime"] = to_utc
    env.filters["nowrap"] = keep_together
    env.filters["keep_units"] = keep_units
    env.filters["sentence"] = sentence
    env.filters["s_to_datetime"] = lambda s: to_utc(int(s) * 1_000_000_000)
    env.globals["alarm_types"] = ALARM_TYPES
    env.globals["notice_kinds"] = NOTICE_KINDS
    env.globals["discrepancy_kinds"] = DISCREPANCY_KINDS
    env.globals["record_issues"] = RECORD_ISSUES
    env.globals["return_discrepancy_kinds"] = RETURN_DISCREPANCY_KINDS
    env.globals["shipment_states"] = SHIPMENT_STATES
    env.globals["lot_states"] = LOT_STATES
    env.globals["unit_events"] = UNIT_EVENTS
    env.globals["wastage_reasons"] = WASTAGE_REASONS
    env.globals["movement_kinds"] = MOVEMENT_KINDS
    env.globals["channels"] = CHANNELS
    env.globals["account_kinds"] = ACCOUNT_KINDS
    catalogue = translations(language)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        catalogue.gettext, catalogue.ngettext, newstyle=True
    )
    return env


@dataclass(frozen=True, slots=True)
class PagesState:
    """The pages' own long-lived pieces, kept on ``app.state.pages``."""

    config: PagesConfig
    codec: SessionCodec


def pages_state(request: Request) -> PagesState:
    state: PagesState = request.app.state.pages
    return state


@dataclass
class Page:
    request: Request
    deps: ApiDeps
    state: PagesState
    session: PageSession
    language: str
    principal: Principal | None
    form: Mapping[str, str] = field(default_factory=dict)
    session_changed: bool = False

    @property
    def formats(self) -> Formats:
        return Formats(self.language)

    @property
    def who(self) -> Principal:
        if self.principal is None:
            raise SignInNeeded(self.request.url.path)
        return self.principal

    @property
    def now(self) -> datetime:
        return self.deps.clock()

    def gettext(self, message: str, **values: Any) -> str:
        text = translations(self.language).gettext(message)
        return text % values if values else text

    def start_session(self, session: PageSession) -> None:
        self.session = session
        self.session_changed = True

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        who = self.principal
        html = (
            environment(self.language)
            .get_template(template)
            .render(
                page=self,
                fmt=self.formats,
                csrf=self.session.csrf,
                user=who,
                languages=LANGUAGES,
                language=self.language,
                path=self.request.url.path,
                full_path=_full_path(self.request),
                now=self.now,
                **context,
            )
        )
        response = HTMLResponse(html, status_code=status_code)
        return self.finish(response)

    def redirect(self, url: str) -> RedirectResponse:
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: R) -> R:
        response.headers["Cache-Control"] = "no-store"
        config = self.state.config
        response.set_cookie(
            SESSION_COOKIE,
            self.state.codec.dumps(self.session),
            max_age=self.state.codec.max_age_s,
            httponly=True,
            samesite="lax",
            secure=config.secure_cookies,
        )
        return response

    def finish_language(self, response: R, language: str) -> R:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=YEAR_S,
            httponly=True,
            samesite="lax",
            secure=self.state.config.secure_cookies,
        )
        return response


def _full_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def sign_in_url(next_url: str) -> str:
    return "/sign-in?next=" + quote(next_url, safe="/")


def get_page(request: Request, deps: Deps) -> Page:
    state = pages_state(request)
    session = state.codec.loads(request.cookies.get(SESSION_COOKIE))
    fresh = session is None
    if session is None:
        session = PageSession.anonymous()
    principal = None
    if session.user_id is not None and session.stamp is not None:
        principal = principal_of(deps, session.user_id, session.stamp)
        if principal is None:  # disabled or password changed since: signed out
            session, fresh = PageSession.anonymous(), True
    language = choose_language(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )
    return Page(request, deps, state, session, language, principal, session_changed=fresh)


AnyPage = Annotated[Page, Depends(get_page)]


def get_signed_in_page(page: AnyPage) -> Page:
    if page.principal is None:
        raise SignInNeeded(_full_path(page.request))
    return page


SignedInPage = Annotated[Page, Depends(get_signed_in_page)]


async def get_form_page(page: SignedInPage) -> Page:
    page.form = await read_form(page)
    return page


async def read_form(page: Page) -> dict[str, str]:
    """The POSTed fields as text (files are not accepted), after the CSRF check."""
    form = await page.request.form()
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    page.session.check_csrf(fields.get("csrf"))
    return fields


FormPage = Annotated[Page, Depends(get_form_page)]
