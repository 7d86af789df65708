"""Who may see the app: everyone on this machine by default; when serving a team, only people who signed in.

By default the app listens on 127.0.0.1 (``.streamlit/config.toml``), so only this machine
reaches it and no sign-in is needed. Serving a team is a choice made with ``LIFTCHECK_SERVE_TEAM``:

- ``1``: Streamlit's own sign-in (``st.login``, OpenID Connect), configured in the ``[auth]``
  section of ``.streamlit/secrets.toml``. Without that configuration the app shows nothing but
  how to add it; with it, a visitor who has not signed in sees only the sign-in.
- ``proxy``: a reverse proxy on this machine signs people in and passes the user's name in a
  header (``LIFTCHECK_PROXY_USER_HEADER``, default ``X-Forwarded-User``); the app must then
  listen on 127.0.0.1 only, behind the proxy, and shows nothing to a request without the header.

An app that listens beyond this machine without ``LIFTCHECK_SERVE_TEAM`` shows nothing but how
to choose. When serving a team, each person has a History of their own.
"""

from __future__ import annotations

import hashlib
import importlib.util
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from liftcheck.store import DB_FILENAME, data_dir, default_path

TEAM_ENV = "LIFTCHECK_SERVE_TEAM"
PROXY_HEADER_ENV = "LIFTCHECK_PROXY_USER_HEADER"
DEFAULT_PROXY_HEADER = "X-Forwarded-User"
# Where the signed-in user's name is kept for this browser session (see history_path).
USER_KEY = "liftcheck-user"
_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")

SIGN_IN_EXAMPLE = """\
# .streamlit/secrets.toml (keep it private: chmod 600)
[auth]
redirect_uri = "https://liftcheck.example.org/oauth2callback"
cookie_secret = "a long random string, e.g. from: python -c 'import secrets; print(secrets.token_hex(32))'"
client_id = "…"
client_secret = "…"
server_metadata_url = "https://accounts.example.org/.well-known/openid-configuration"
"""


@dataclass(frozen=True)
class Access:
    """What this browser session may see: ``mode`` "local", "sign-in" or "proxy", and who it is (team modes)."""

    mode: str
    user: str | None = None


def _listens_only_here(address: object) -> bool:
    """Whether Streamlit's server.address keeps the app on this machine (unset means every interface)."""
    if not address:
        return False
    text = str(address).strip("[]")
    if text == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False  # a host name (or a unix socket path): assume it is reachable


def team_mode() -> str:
    """ "" (this machine only), "sign-in" or "proxy"; "unknown" for any other value of LIFTCHECK_SERVE_TEAM."""
    value = os.environ.get(TEAM_ENV, "").strip().lower()
    if value in ("", "0", "no", "false", "off"):
        return ""
    if value in ("1", "yes", "true", "on", "sign-in", "signin", "login"):
        return "sign-in"
    if value == "proxy":
        return "proxy"
    return "unknown"


def _auth_section() -> dict | None:
    try:
        section = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - no secrets.toml at all, or one that does not parse
        return None
    if not section:
        return None
    return dict(section.to_dict()) if hasattr(section, "to_dict") else dict(section)


def providers(auth: dict) -> list[str | None]:
    """The sign-in providers configured in ``[auth]``: None for the one given at its top level, else their names."""
    if all(auth.get(key) for key in _PROVIDER_KEYS):
        return [None]
    return [
        name for name, value in auth.items() if isinstance(value, dict) and all(value.get(k) for k in _PROVIDER_KEYS)
    ]


def sign_in_problem() -> str | None:
    """Why st.login cannot work with this configuration, or None when it can."""
    if importlib.util.find_spec("authlib") is None:
        return "Streamlit's sign-in needs Authlib, which is not installed: pip install 'streamlit[auth]'."
    auth = _auth_section()
    if not auth:
        return "There is no [auth] section in .streamlit/secrets.toml."
    missing = [key for key in ("redirect_uri", "cookie_secret") if not auth.get(key)]
    if missing:
        return f"The [auth] section of .streamlit/secrets.toml has no {' or '.join(missing)}."
    if not providers(auth):
        return (
            "The [auth] section of .streamlit/secrets.toml names no sign-in provider with a client_id, "
            "client_secret and server_metadata_url."
        )
    return None


def _refuse(title: str, why: str, how: str, example: str | None = None) -> None:
    st.title("liftcheck")
    st.error(f"{title} {why}")
    st.markdown(how)
    if example:
        st.code(example, language="toml")


def _address_text() -> str:
    return str(st.get_option("server.address") or "every interface (0.0.0.0)")


def check() -> Access | None:
    """Who this session is, or None after drawing why nothing is shown (a refusal or the sign-in)."""
    mode = team_mode()
    here = _listens_only_here(st.get_option("server.address"))
    if mode == "":
        if here:
            return Access("local")
        _refuse(
            "This app listens beyond this machine, but serving a team is not switched on, so nothing is shown.",
            f"(server.address is {_address_text()}.)",
            f'To keep it on this machine, set `server.address = "127.0.0.1"` in `.streamlit/config.toml` '
            f"(the default). To serve a team, set `{TEAM_ENV}=1` and configure sign-in, or `{TEAM_ENV}=proxy` "
            "behind a reverse proxy that signs people in (see the README).",
        )
        return None
    if mode == "unknown":
        _refuse(
            f"{TEAM_ENV} is {os.environ.get(TEAM_ENV)!r}, which liftcheck does not know, so nothing is shown.",
            "",
            f"Use `{TEAM_ENV}=1` for Streamlit's sign-in or `{TEAM_ENV}=proxy` behind a signing-in reverse proxy.",
        )
        return None
    if mode == "proxy":
        return _proxy(here)
    return _signed_in()


def _proxy(here: bool) -> Access | None:
    header = os.environ.get(PROXY_HEADER_ENV, DEFAULT_PROXY_HEADER)
    if not here:
        _refuse(
            "Behind a reverse proxy the app must listen on this machine only, so nothing is shown.",
            f"(server.address is {_address_text()}.)",
            'Set `server.address = "127.0.0.1"` and let only the proxy reach the app.',
        )
        return None
    user = st.context.headers.get(header)
    if not user:
        _refuse(
            "This request did not come through the signing-in proxy, so nothing is shown.",
            f"(No {header} header.)",
            f"Open the app at the proxy's address. The proxy must sign people in and pass the user in `{header}` "
            f"(or set {PROXY_HEADER_ENV} to the header it uses).",
        )
        return None
    return Access("proxy", user.strip())


def _signed_in() -> Access | None:
    problem = sign_in_problem()
    if problem:
        _refuse(
            "This app is set to serve a team, which needs sign-in, and sign-in is not configured, so nothing is shown.",
            problem,
            "Add an `[auth]` section to `.streamlit/secrets.toml` for your OpenID Connect provider (Google, Microsoft, "
            "Okta, Auth0, Keycloak…), as below, install `streamlit[auth]`, and restart the app. See the README.",
            SIGN_IN_EXAMPLE,
        )
        return None
    if not st.user.is_logged_in:
        st.title("liftcheck")
        st.info("Sign in to see your lifts and your History. Each person's History is their own.")
        auth = _auth_section() or {}
        for provider in providers(auth):
            label = "Sign in" if provider is None else f"Sign in with {provider}"
            if st.button(label, key=f"sign-in-{provider or 'default'}", type="primary"):
                if provider is None:
                    st.login()
                else:
                    st.login(provider)
        return None
    user = str(st.user.get("email") or st.user.get("sub") or "")
    if not user:
        _refuse("The sign-in gave no e-mail address or subject to know you by.", "", "Ask the provider to send one.")
        return None
    return Access("sign-in", user)


def history_path(access: Access | None) -> Path:
    """The History database for this session: the machine's own, or, when serving a team, the signed-in person's."""
    if access is None or access.user is None:
        return default_path()
    # A digest, not the name: the name never becomes part of a path.
    digest = hashlib.sha256(access.user.encode("utf-8")).hexdigest()[:32]
    return data_dir() / "people" / digest / DB_FILENAME


def sidebar(access: Access) -> None:
    """Who is signed in, and the way out."""
    if access.mode == "local":
        return
    with st.sidebar:
        st.caption("Signed in as")
        st.text(access.user or "")
        if access.mode == "sign-in":
            st.button("Sign out", key="sign-out", on_click=st.logout)
