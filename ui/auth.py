"""Sign-in and the one role check every action that changes the store goes through.

Off unless the config file (`engine.access.config_path()`) exists: then the
person at the machine is `LOCAL_USER`, an admin, and no page asks anything. On,
app.py calls `sign_in_gate()` before any page runs: a person not signed in sees
only the sign-in (a password form, or the identity provider's button). The
signed-in person lives in the server's session state (or Streamlit's OIDC
cookie, read on the server), never in anything the browser can edit.

`require(action)` is the guard: `ui.actions` calls it before each write, so a
viewer's session cannot change the store whatever the page draws. `may(action)`
lets a page disable the buttons a role cannot use, and say why.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from engine.access import LOCAL_USER, Action, AuthConfig, NotAllowed, Role, User, load_config
from engine.access import config_path as _config_path

USER_KEY = "auth_user"


@st.cache_resource(show_spinner=False)
def _config_at(path: str, mtime: float) -> AuthConfig | None:
    # Keyed on the file's modification time: an edited users file applies on the next page.
    return load_config(Path(path))


def auth_config() -> AuthConfig | None:
    """Return the sign-in config, or None when sign-in is off (no config file)."""
    path = _config_path()
    if not path.exists():
        return None
    try:
        return _config_at(str(path), path.stat().st_mtime)
    except ValueError as problem:
        # Never fall back to "sign-in off": a broken file keeps everyone out, and says why.
        st.error(f"Sign-in is not set up correctly, so nobody can sign in: {problem}.")
        st.stop()


def current_user() -> User | None:
    """Return who is using this session: `LOCAL_USER` with sign-in off, None if not signed in."""
    config = auth_config()
    if config is None:
        return LOCAL_USER
    if config.mode == "oidc":
        if not getattr(st.user, "is_logged_in", False):
            return None
        return config.oidc_user(str(st.user.get("email", "")), st.user.get("name"))
    return st.session_state.get(USER_KEY)


def may(action: Action) -> bool:
    """Return whether this session's person may take the action (for drawing its button)."""
    user = current_user()
    return user is not None and user.may(action)


def require(action: Action) -> User:
    """Return this session's person if their role allows the action; raise NotAllowed if not."""
    user = current_user()
    if user is None:
        raise NotAllowed(User("", "Nobody", Role.VIEWER), action)
    if not user.may(action):
        raise NotAllowed(user, action)
    return user


def why_not(action: Action) -> str | None:
    """Return the help a disabled button shows (who may do this), or None when allowed."""
    try:
        require(action)
    except NotAllowed as refused:
        return str(refused) if current_user() else "Sign in to do this."
    return None


def _sign_in_with_password(config: AuthConfig) -> None:
    name = st.session_state.get("auth_name", "")
    user = config.check_password(name, st.session_state.get("auth_password", ""))
    st.session_state.pop("auth_password", None)
    if user is None:
        st.session_state["auth_failed"] = True
    else:
        st.session_state[USER_KEY] = user
        st.session_state.pop("auth_failed", None)


def _sign_out() -> None:
    st.session_state.pop(USER_KEY, None)


def sign_in_gate() -> User:
    """Return the signed-in person; with sign-in on and nobody signed in, ask and stop."""
    config = auth_config()
    user = current_user()
    if config is None:
        return LOCAL_USER
    if user is None:
        st.title("Sign in to Realign")
        if config.mode == "oidc":
            st.caption("Realign uses your company's sign-in.")
            if st.button("Sign in", type="primary", key="auth_login"):
                st.login(config.oidc_provider)  # None: the one provider in secrets.toml
        else:
            with st.form("auth_form"):
                st.text_input("User name", key="auth_name")
                st.text_input("Password", type="password", key="auth_password")
                st.form_submit_button(
                    "Sign in", type="primary", on_click=_sign_in_with_password, args=(config,)
                )
            if st.session_state.get("auth_failed"):
                st.error("That user name and password do not match.")
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as **{user.name}** ({user.role.value})")
        if config.mode == "oidc":
            st.button("Sign out", key="auth_logout", on_click=st.logout)
        else:
            st.button("Sign out", key="auth_logout", on_click=_sign_out)
    return user
