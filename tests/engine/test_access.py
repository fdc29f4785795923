"""Roles and the sign-in config: who may do what, passwords checked, bad files refused."""

from __future__ import annotations

import pytest

from engine.access import (
    ALLOWED,
    LOCAL_USER,
    Action,
    NotAllowed,
    Role,
    User,
    hash_password,
    load_config,
)

PLANNER_MAY = {
    Action.SAVE_SCENARIO,
    Action.RENAME_SCENARIO,
    Action.ANNOTATE_SCENARIO,
    Action.SAVE_QUOTA_PLAN,
}


def write_config(tmp_path, text: str):
    path = tmp_path / "auth.toml"
    path.write_text(text, encoding="utf-8")
    return path


def users_config(tmp_path, **passwords: str):
    roles = {"vera": "viewer", "paul": "planner", "ada": "admin", "rita": "rep"}
    entries = "".join(
        f'[users.{n}]\nname = "{n.title()}"\nrole = "{roles[n]}"\n'
        f'password_hash = "{hash_password(p, rounds=4)}"\n'
        + ('rep_id = "R1"\n' if roles[n] == "rep" else "")
        for n, p in passwords.items()
    )
    return write_config(tmp_path, '[auth]\nmode = "users"\n\n' + entries)


def test_each_role_may_do_exactly_its_actions():
    assert ALLOWED[Role.VIEWER] == ALLOWED[Role.REP] == frozenset()
    assert ALLOWED[Role.PLANNER] == PLANNER_MAY
    assert ALLOWED[Role.ADMIN] == set(Action)
    assert all(LOCAL_USER.may(a) for a in Action)  # sign-in off: the person at the machine


def test_no_config_file_means_sign_in_is_off(tmp_path):
    assert load_config(tmp_path / "auth.toml") is None


def test_local_users_sign_in_with_their_password_only(tmp_path):
    config = load_config(users_config(tmp_path, vera="v-pass", ada="a-pass", rita="r-pass"))
    assert config.mode == "users"
    assert config.check_password("Vera", "v-pass") == User("vera", "Vera", Role.VIEWER)
    assert config.check_password("vera", "a-pass") is None
    assert config.check_password("nobody", "v-pass") is None
    assert config.check_password("ada", "a-pass").role is Role.ADMIN
    assert config.check_password("rita", "r-pass").rep_id == "R1"


def test_identity_provider_users_get_the_role_their_address_is_given(tmp_path):
    config = load_config(
        write_config(
            tmp_path,
            '[auth]\nmode = "oidc"\n[oidc]\ndefault_role = "viewer"\n'
            '[oidc.roles]\n"Lee@Example.com" = "admin"\n',
        )
    )
    assert config.oidc_user("lee@example.com", "Lee Park").role is Role.ADMIN
    assert config.oidc_user("someone@example.com", None) == User(
        "someone@example.com", "someone@example.com", Role.VIEWER
    )


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[auth]\nmode = "users"\n', "needs at least one [users.<name>] entry"),
        ('[auth]\nmode = "ldap"\n', "mode must be 'users' or 'oidc'"),
        ('[users.x]\nrole = "boss"\npassword_hash = "$2b$04$abc"\n', "role 'boss' is not one of"),
        ('[users.x]\nrole = "admin"\npassword_hash = "plain"\n', "must be a bcrypt hash"),
        ("[auth\n", "not valid TOML"),
    ],
)
def test_a_broken_config_stops_with_the_file_and_entry_named(tmp_path, text, needle):
    path = write_config(tmp_path, text)
    with pytest.raises(ValueError, match=r"auth\.toml") as refused:
        load_config(path)
    assert needle in str(refused.value)


def test_a_refusal_says_who_tried_and_which_role_may():
    refused = NotAllowed(User("vera", "Vera", Role.VIEWER), Action.DELETE_SCENARIO)
    assert "Vera signed in as viewer, and only admins may do this (deleted scenario)" in str(
        refused
    )
    assert "only planners may" in str(NotAllowed(User("v", "V", Role.REP), Action.SAVE_SCENARIO))


def test_a_rep_in_own_territory_mode_is_scoped_to_their_rep_and_nobody_else_is(tmp_path):
    text = users_config(tmp_path, rita="r", vera="v").read_text(encoding="utf-8")
    config = load_config(
        write_config(tmp_path, text.replace("[auth]\n", "[auth]\nrep_sees_own = true\n"))
    )
    rita, vera = config.check_password("rita", "r"), config.check_password("vera", "v")
    assert config.own_rep(rita) == "R1"
    assert config.own_rep(vera) is None and config.own_rep(LOCAL_USER) is None
    # Without the mode a rep sees what a viewer sees.
    assert load_config(users_config(tmp_path, rita="r")).own_rep(rita) is None
    # Through the identity provider, the rep id comes from [oidc.rep_ids].
    oidc = load_config(
        write_config(
            tmp_path,
            '[auth]\nmode = "oidc"\nrep_sees_own = true\n[oidc.roles]\n"rita@x.com" = "rep"\n'
            '[oidc.rep_ids]\n"Rita@X.com" = "R7"\n',
        )
    )
    assert oidc.own_rep(oidc.oidc_user("rita@x.com", "Rita")) == "R7"
    assert oidc.own_rep(oidc.oidc_user("noid@x.com", None)) is None  # a viewer by default


def test_a_rep_without_a_rep_id_in_own_territory_mode_stops_the_config(tmp_path):
    path = write_config(
        tmp_path,
        '[auth]\nmode = "users"\nrep_sees_own = true\n[users.rita]\nrole = "rep"\n'
        f'password_hash = "{hash_password("r", rounds=4)}"\n',
    )
    with pytest.raises(ValueError, match=r"\[users\.rita\].*needs a rep_id"):
        load_config(path)
