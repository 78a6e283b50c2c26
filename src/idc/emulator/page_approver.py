"""A user at a browser, over plain HTTP: walks the emulator's approval pages like a person would.

:class:`PageApprover` is a ``BrowserOpener`` (``Callable[[str], bool]``, see :mod:`idc.signin.browser`):
given the URL a login flow would open (``verificationUriComplete`` for the device grant, RFC 8628 section
3.3, or the ``/authorize`` URL of the authorization code grant, RFC 6749 section 4.1), it signs in with
the form labelled "Username"/"Password", confirms the user code ("Confirm and continue"), clicks "Allow"
or "Deny", and follows the final redirect to the loopback ``redirect_uri`` (RFC 8252 section 7.3). Given
one cookie jar for its walks (``cookies=``), it is one browser: in a Region of a replicated instance
(``idc emulator --regions``) where the identity provider has signed it in, it clicks "Continue as USER"
instead of typing the password (``passwords_typed`` counts those it typed). It
reads the same HTML a browser gets (``html.parser``) and submits the same forms, cookies and CSRF tokens
included: no back door, so every walk also proves the pages work. Standard library only.

The user code: like a person reading their terminal, the approver is given the code the application
shows (``user_code=``, a string or a callable that reads it, e.g. from the application's output with
:func:`user_code_in`). Where the page has a "Code" field it types it there (a prefilled field must hold
the same code); where the page only shows a code to confirm (AWS's pages since mid-2026, whose
``verificationUriComplete`` carries an opaque ``request_uri``), it compares the shown code with it and
refuses a mismatch. Without a given code it keeps a prefilled field as it is, and cannot confirm a
shown code.

Its command line (a ``BROWSER`` command) is :mod:`idc.emulator.page_approver_cli`.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import IO

from idc.errors import LoginFailed

__all__ = ["PageApprover", "PageWalkError", "user_code_in"]

_MAX_STEPS = 12
_MAX_PAGE_BYTES = 1024 * 1024
_USER_CODE = re.compile(r"\b([B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4})\b")
_SHOWN_CODE_TEXT = re.compile(r"Then enter the code:\s+([A-Z0-9]{4}-[A-Z0-9]{4})\b")


def user_code_in(text: str) -> str | None:
    """The user code an application printed (the AWS CLI's "Then enter the code:" text), or None."""
    found = _SHOWN_CODE_TEXT.findall(text)
    return found[-1] if found else None


class PageWalkError(LoginFailed):
    """The walk through the approval pages did not end where it should (one line, no secrets)."""


@dataclass
class _Button:
    text: str
    name: str | None
    value: str


@dataclass
class _Form:
    action: str
    method: str
    fields: list[tuple[str, str, str | None]] = field(default_factory=list)  # (name, value, id)
    buttons: list[_Button] = field(default_factory=list)

    def button(self, text: str) -> _Button | None:
        return next((b for b in self.buttons if b.text == text), None)


@dataclass
class _Page:
    url: str
    forms: list[_Form] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # id -> label text
    alerts: list[str] = field(default_factory=list)
    heading: str = ""
    text: str = ""

    def form_with_button(self, text: str) -> _Form | None:
        return next((f for f in self.forms if f.button(text) is not None), None)

    def field_labelled(self, form: _Form, label: str) -> str | None:
        for name, _value, element_id in form.fields:
            if element_id is not None and self.labels.get(element_id) == label:
                return name
        return None


class _PageParser(HTMLParser):
    """Collects forms (inputs, buttons), labels, role=alert text and the h1 of one page."""

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page(url=url)
        self._form: _Form | None = None
        self._button: _Button | None = None
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._capture: list[tuple[str, list[str]]] = []  # (tag, text parts) for alert and h1
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = _Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.page.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            kind = a.get("type", "text").lower()
            name = a.get("name")
            if kind == "submit":
                self._form.buttons.append(_Button(a.get("value", ""), name, a.get("value", "")))
            elif name and kind not in ("checkbox", "radio", "file", "button", "reset", "image"):
                self._form.fields.append((name, a.get("value", ""), a.get("id")))
        elif tag == "button" and self._form is not None:
            if a.get("type", "submit").lower() == "submit":
                self._button = _Button("", a.get("name"), a.get("value", ""))
        elif tag == "label":
            self._label_for = a.get("for")
            self._label_text = []
        if a.get("role") == "alert" or tag == "h1":
            self._capture.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "button" and self._button is not None and self._form is not None:
            self._button.text = " ".join(self._button.text.split())
            self._form.buttons.append(self._button)
            self._button = None
        elif tag == "label" and self._label_for is not None:
            self.page.labels[self._label_for] = " ".join("".join(self._label_text).split())
            self._label_for = None
        if self._capture and self._capture[-1][0] == tag:
            _tag, parts = self._capture.pop()
            text = " ".join("".join(parts).split())
            if tag == "h1" and not self.page.heading:
                self.page.heading = text
            elif tag != "h1":
                self.page.alerts.append(text)

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if self._button is not None:
            self._button.text += data
        if self._label_for is not None:
            self._label_text.append(data)
        for _tag, parts in self._capture:
            parts.append(data)

    def close(self) -> None:
        super().close()
        self.page.text = " ".join(" ".join(self._text).split())


class _NoteRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects like a browser and remembers the first one that leaves the emulator's origin."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.left_to: str | None = None

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: object,
        newurl: str,
    ) -> urllib.request.Request | None:
        if _origin(newurl) != self.origin and self.left_to is None:
            self.left_to = newurl
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class PageApprover:
    """Approves (or denies) a sign-in by walking the emulator's pages over HTTP.

    ``approver(url)`` starts the walk in a thread and returns True at once, as opening a browser does;
    ``approver.wait()`` blocks until it ends and raises :class:`PageWalkError` if it failed.
    """

    def __init__(
        self,
        username: str = "demo",
        password: str = "demo",  # noqa: S107 - the emulator's built-in demo user
        *,
        allow: bool = True,
        timeout: float = 10.0,
        user_code: str | Callable[[], str | None] | None = None,
        cookies: http.cookiejar.CookieJar | None = None,
    ) -> None:
        self.username = username
        self.password = password
        self.allow = allow
        self.timeout = timeout
        self.user_code = user_code
        self.opened: list[str] = []
        self.callback_url: str | None = None  # where the PKCE walk handed the browser back (has the code)
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()
        # cookies: one jar for every walk, as one browser keeps them (several Regions of one instance:
        # the identity provider's session spares the second Region's password); None: a new jar each.
        self.cookies = cookies
        self.passwords_typed = 0  # how many times a walk typed the password

    def __call__(self, url: str) -> bool:
        thread = threading.Thread(target=self._run, args=(url,), name="page-approver", daemon=True)
        with self._lock:
            self.opened.append(url)
            self._threads.append(thread)
        thread.start()
        return True

    def wait(self, timeout: float = 30) -> None:
        """Wait for every walk started so far; raise the first failure."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
            if thread.is_alive():
                raise PageWalkError(f"The approval pages did not finish within {timeout:g} s.")
        with self._lock:
            if self._errors:
                raise self._errors[0]

    def _run(self, url: str) -> None:
        try:
            self.walk(url)
        except BaseException as exc:  # reported by wait()
            with self._lock:
                self._errors.append(
                    exc if isinstance(exc, PageWalkError) else PageWalkError(f"Page walk failed: {exc}")
                )

    def walk(self, url: str) -> str:
        """Do the whole walk in this thread; return the URL it ended on (the callback for PKCE)."""
        redirects = _NoteRedirects(_origin(url))
        # No proxy (ProxyHandler({})): the emulator and the loopback listener are on this machine.
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(
                self.cookies if self.cookies is not None else http.cookiejar.CookieJar()
            ),
            redirects,
        )
        page = self._fetch(opener, redirects, _request(url))
        signed_in = confirmed = decided = False
        for _step in range(_MAX_STEPS):
            if page is None:  # handed back to the application's loopback listener
                return self._finish_callback()
            if page.alerts:
                raise PageWalkError(f"{page.heading or 'The page'}: {page.alerts[0]}")
            form = page.form_with_button("Sign in")
            if form is not None:
                if signed_in:
                    raise PageWalkError("The sign-in page came back after signing in.")
                signed_in = True
                credentials = self._credentials(page, form)
                with self._lock:
                    self.passwords_typed += 1
                page = self._submit(opener, redirects, page, form, "Sign in", credentials)
                continue
            # A replicated instance's Region, while the identity provider has this user signed in.
            form = page.form_with_button(f"Continue as {self.username}")
            if form is not None:
                if signed_in:
                    raise PageWalkError("The sign-in page came back after signing in.")
                signed_in = True
                page = self._submit(opener, redirects, page, form, f"Continue as {self.username}", {})
                continue
            form = page.form_with_button("Confirm and continue")
            if form is not None:
                if confirmed:
                    raise PageWalkError("The code confirmation page came back after confirming.")
                confirmed = True
                values = self._confirm_code(page, form)
                page = self._submit(opener, redirects, page, form, "Confirm and continue", values)
                continue
            choice = "Allow" if self.allow else "Deny"
            form = page.form_with_button(choice)
            if form is not None:
                if decided:
                    raise PageWalkError("The consent page came back after deciding.")
                decided = True
                page = self._submit(opener, redirects, page, form, choice, {})
                continue
            return self._finish_page(page, decided)
        raise PageWalkError("The approval pages went round in circles.")

    def _given_code(self) -> str | None:
        code = self.user_code() if callable(self.user_code) else self.user_code
        return code.strip().upper() if code else None

    def _confirm_code(self, page: _Page, form: _Form) -> dict[str, str]:
        """Type the given code into the "Code" field, or compare it with the code the page shows."""
        given = self._given_code()
        code_field = page.field_labelled(form, "Code")
        if code_field is not None:
            prefilled = next((value for name, value, _id in form.fields if name == code_field), "")
            if given is None:
                return {}
            if prefilled and prefilled.strip().upper() != given:
                raise PageWalkError(f"The page shows the code {prefilled}, the application shows {given}.")
            return {code_field: given}
        shown = _USER_CODE.findall(page.text)
        if not shown:
            raise PageWalkError("The code confirmation page shows no code and has no Code field.")
        if given is None:
            raise PageWalkError(
                "The page asks to confirm the code the application shows; the approver was not given it."
            )
        if shown[0] != given:
            raise PageWalkError(f"The page shows the code {shown[0]}, the application shows {given}.")
        return {}

    def _credentials(self, page: _Page, form: _Form) -> dict[str, str]:
        user_field = page.field_labelled(form, "Username")
        password_field = page.field_labelled(form, "Password")
        if user_field is None or password_field is None:
            raise PageWalkError("The sign-in form has no fields labelled Username and Password.")
        return {user_field: self.username, password_field: self.password}

    def _submit(
        self,
        opener: urllib.request.OpenerDirector,
        redirects: _NoteRedirects,
        page: _Page,
        form: _Form,
        button_text: str,
        values: dict[str, str],
    ) -> _Page | None:
        pairs = [(name, values.get(name, value)) for name, value, _id in form.fields]
        button = form.button(button_text)
        if button is not None and button.name:
            pairs.append((button.name, button.value))
        data = urllib.parse.urlencode(pairs)
        target = urllib.parse.urljoin(page.url, form.action or page.url)
        if form.method == "post":
            request = _request(target, data.encode())
        else:
            target = urllib.parse.urlunsplit(urllib.parse.urlsplit(target)._replace(query=data))
            request = _request(target)
        return self._fetch(opener, redirects, request)

    def _fetch(
        self,
        opener: urllib.request.OpenerDirector,
        redirects: _NoteRedirects,
        request: urllib.request.Request,
    ) -> _Page | None:
        """GET/POST and parse the page; None once a redirect left for the loopback listener."""
        try:
            with opener.open(request, timeout=self.timeout) as response:
                body = response.read(_MAX_PAGE_BYTES)
                final_url = response.geturl()
                charset = response.headers.get_content_charset() or "utf-8"
        except urllib.error.HTTPError as exc:
            if redirects.left_to is not None:
                self.callback_url = redirects.left_to
                return None
            # Error statuses still carry a page that says what went wrong.
            body = exc.read(_MAX_PAGE_BYTES)
            final_url = exc.geturl()
            charset = exc.headers.get_content_charset() or "utf-8"
            page = _parse(final_url, body.decode(charset, "replace"))
            if not page.alerts:
                page.alerts.append(f"HTTP {exc.code}")
            return page
        except (urllib.error.URLError, OSError) as exc:
            if redirects.left_to is not None:
                # Nothing listens there (a remote sign-in, or the application gave up): a browser
                # shows an error page, and its address bar holds the address the user may paste.
                self.callback_url = redirects.left_to
                return None
            where = "the emulator"
            raise PageWalkError(f"Could not reach {where}: {getattr(exc, 'reason', exc)}") from None
        if redirects.left_to is not None:
            self.callback_url = redirects.left_to
            return None
        return _parse(final_url, body.decode(charset, "replace"))

    def _finish_callback(self) -> str:
        assert self.callback_url is not None
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.callback_url).query)
        if self.allow and "code" not in query:
            error = query.get("error", ["no code"])[0]
            raise PageWalkError(f"The authorization was not granted: {error}.")
        if not self.allow and query.get("error", [""])[0] != "access_denied":
            raise PageWalkError("Denying did not hand back error=access_denied.")
        return self.callback_url

    def _finish_page(self, page: _Page, decided: bool) -> str:
        if not decided:
            raise PageWalkError(f"The pages stopped before a decision, at: {page.heading or page.url}.")
        expected = "approved" if self.allow else "denied"
        if expected not in page.heading.lower():
            raise PageWalkError(f"Expected the request to be {expected}, the page says: {page.heading}.")
        return page.url


def _request(url: str, data: bytes | None = None) -> urllib.request.Request:
    """A GET (or, with ``data``, a form POST) to an http(s) URL; other schemes are refused."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise PageWalkError("The pages pointed to a URL that is not http(s).")
    if data is None:
        return urllib.request.Request(url)  # noqa: S310 - scheme checked above
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return urllib.request.Request(url, data=data, method="POST", headers=headers)  # noqa: S310


def _parse(url: str, html: str) -> _Page:
    parser = _PageParser(url)
    parser.feed(html)
    parser.close()
    return parser.page
