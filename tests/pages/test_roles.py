"""Sign-in and roles through the pages and by calling the actions directly.

A viewer can look and download but not import, save, rename, note, delete or
mark; a planner can save and rename but not delete, mark or import; an admin can
do all of it. Each is tried on the page (the button is disabled, and says why)
and by calling `ui.actions` from that person's session (refused before anything
is written). Every change lands in the audit log, which the Data page shows.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from tiny_data import make_dataset

from engine.access import Role, User, hash_password
from engine.scenario import ScenarioSpec, run_rebalance
from engine.store import REPO_ROOT, Store, data_version

PEOPLE = {
    Role.VIEWER: User("vera", "Vera", Role.VIEWER),
    Role.PLANNER: User("paul", "Paul", Role.PLANNER),
    Role.ADMIN: User("ada", "Ada", Role.ADMIN),
}


@pytest.fixture
def signed_in_store(tiny_store_path, tmp_path, monkeypatch) -> str:
    """Turn sign-in on (three local users) and save one scenario; return its id."""
    entries = "".join(
        f'[users.{u.user_id}]\nname = "{u.name}"\nrole = "{u.role.value}"\n'
        f'password_hash = "{hash_password(u.user_id + "-pw", rounds=4)}"\n'
        for u in PEOPLE.values()
    )
    config = tmp_path / "auth.toml"
    config.write_text('[auth]\nmode = "users"\n\n' + entries, encoding="utf-8")
    monkeypatch.setenv("REALIGN_AUTH", str(config))
    dataset = make_dataset()
    run = run_rebalance(dataset, data_version(dataset), None, ScenarioSpec(name="Even split"))
    store = Store(tiny_store_path)
    store.save_scenario(run.record)
    store.close()
    return run.record.scenario_id


def page(name: str, role: Role | None, **params: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / name), default_timeout=120)
    if role is not None:
        at.session_state["auth_user"] = PEOPLE[role]
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def stored(path) -> tuple[list[str], str | None, list[str]]:
    store = Store(path)
    try:
        names = store.scenarios()["name"].tolist()
        return names, store.plan_of_record(), store.audit_log()["action"].tolist()
    finally:
        store.close()


# -- signing in --------------------------------------------------------------


def test_nobody_sees_a_page_before_signing_in_and_a_wrong_password_is_refused(signed_in_store):
    at = page("app.py", None)
    assert at.title[0].value == "Sign in to Realign"
    assert not at.dataframe and not at.metric  # no page ran
    at.text_input(key="auth_name").set_value("ada")
    at.text_input(key="auth_password").set_value("wrong")
    at.button(key="FormSubmitter:auth_form-Sign in").click().run()
    assert "do not match" in at.error[0].value
    at.text_input(key="auth_name").set_value("ada")
    at.text_input(key="auth_password").set_value("ada-pw")
    at.button(key="FormSubmitter:auth_form-Sign in").click().run()
    assert not at.exception, at.exception
    assert at.session_state["auth_user"] == PEOPLE[Role.ADMIN]
    assert "Signed in as **Ada** (admin)" in " ".join(c.value for c in at.sidebar.caption)
    at.sidebar.button(key="auth_logout").click().run()
    assert at.title[0].value == "Sign in to Realign"


def test_sign_in_is_off_without_the_config_file(tiny_store_path, monkeypatch, tmp_path):
    monkeypatch.setenv("REALIGN_AUTH", str(tmp_path / "none.toml"))
    at = page("app.py", None)
    assert at.title[0].value != "Sign in to Realign"
    assert not any("Signed in as" in c.value for c in at.sidebar.caption)


# -- through the pages -------------------------------------------------------


def test_a_viewer_sees_every_changing_button_disabled_with_the_reason(signed_in_store):
    at = page("pages/library.py", Role.VIEWER)
    for key in ("lib_plan", "lib_delete", "lib_rename", "lib_annotate"):
        assert at.button(key=key).disabled, key
    assert "only admins may" in at.button(key="lib_delete").help
    at = page("pages/rebalance.py", Role.VIEWER)
    run = at.button(key="FormSubmitter:rebalance_spec-Run scenario")
    assert run.disabled and "only planners may" in run.help
    assert at.button(key="rb_delete").disabled
    at = page("pages/quota.py", Role.VIEWER)
    assert at.button(key="q_save").disabled
    at = page("pages/compare.py", Role.VIEWER, a="today", b=signed_in_store)
    assert at.get("download_button")  # viewers download


def test_a_planner_runs_and_renames_but_cannot_delete_or_mark(signed_in_store, tiny_store_path):
    at = page("pages/rebalance.py", Role.PLANNER)
    at.text_input(key="rb_name").set_value("Planner run")
    at.slider(key="rb_potential_band").set_value(30)
    at.button(key="FormSubmitter:rebalance_spec-Run scenario").click().run()
    assert not at.exception, at.exception
    assert "Planner run" in stored(tiny_store_path)[0]
    assert at.button(key="rb_delete").disabled
    at = page("pages/library.py", Role.PLANNER)
    assert at.button(key="lib_delete").disabled and at.button(key="lib_plan").disabled
    assert not at.button(key="lib_rename").disabled
    assert stored(tiny_store_path)[2] == ["saved scenario"]


def test_an_admin_deletes_and_marks_and_the_data_page_shows_who(signed_in_store, tiny_store_path):
    at = page("pages/library.py", Role.ADMIN)
    at.button(key="lib_plan").click().run()
    at.button(key="lib_plan_yes").click().run()
    assert stored(tiny_store_path)[1] == signed_in_store
    at.button(key="lib_delete").click().run()
    at.button(key="lib_delete_yes").click().run()
    assert not at.exception, at.exception
    names, plan, actions = stored(tiny_store_path)
    assert names == [] and plan is None
    assert actions == ["deleted scenario", "marked plan of record"]
    at = page("pages/data.py", Role.ADMIN)
    log = next(d.value for d in at.dataframe if "Who" in d.value.columns)
    assert log[["Who", "Role", "What"]].values.tolist() == [
        ["Ada", "admin", "deleted scenario"],
        ["Ada", "admin", "marked plan of record"],
    ]


# -- by calling the actions directly -------------------------------------------


def _try_every_action(sid: str) -> None:
    """Run in the person's session: call each action, note which were refused."""
    import streamlit as st
    from tiny_data import make_dataset

    from engine.access import NotAllowed
    from engine.imports import Upload, validate_import
    from engine.scenario import ScenarioSpec, run_rebalance
    from engine.store import data_version
    from ui import actions

    dataset = make_dataset()
    record = run_rebalance(dataset, data_version(dataset), None, ScenarioSpec(name="x")).record
    report = validate_import(
        reps=Upload("reps.csv", dataset.reps.to_csv(index=False).encode()),
        current=dataset,
        current_version=data_version(dataset),
    )
    calls = {
        "save": lambda: actions.save_scenario(record),
        "rename": lambda: actions.rename_scenario(sid, "Renamed"),
        "note": lambda: actions.annotate_scenario(sid, "A note"),
        "mark": lambda: actions.mark_plan_of_record(sid),
        "import": lambda: actions.import_data(report),
        "delete plan": lambda: actions.delete_quota_plan("nosuchplan"),
        "delete": lambda: actions.delete_scenario(sid),
    }
    refused = []
    for name, call in calls.items():
        try:
            call()
        except NotAllowed:
            refused.append(name)
    st.session_state["refused"] = refused


@pytest.mark.parametrize(
    ("role", "refused"),
    [
        (Role.VIEWER, ["save", "rename", "note", "mark", "import", "delete plan", "delete"]),
        (Role.PLANNER, ["mark", "import", "delete plan", "delete"]),
        (Role.ADMIN, []),
    ],
)
def test_calling_the_actions_directly_checks_the_role(
    signed_in_store, tiny_store_path, role, refused
):
    before = stored(tiny_store_path)
    at = AppTest.from_function(_try_every_action, args=(signed_in_store,), default_timeout=120)
    at.session_state["auth_user"] = PEOPLE[role]
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["refused"] == refused
    names, plan, actions = stored(tiny_store_path)
    if role is Role.VIEWER:
        assert (names, plan, actions) == before  # nothing written, nothing logged
    elif role is Role.PLANNER:
        # The saved run has the fixture's settings, so its id: saved again, then renamed.
        assert names == ["Renamed"] and plan is None
        assert actions == ["noted scenario", "renamed scenario", "saved scenario"]
    else:
        assert "Renamed" not in names and len(actions) == 6  # deleted at the end


def test_a_broken_config_keeps_everyone_out_and_says_what_to_fix(
    tiny_store_path, tmp_path, monkeypatch
):
    config = tmp_path / "auth.toml"
    config.write_text('[users.x]\nrole = "boss"\npassword_hash = "$2b$04$abc"\n')
    monkeypatch.setenv("REALIGN_AUTH", str(config))
    at = page("app.py", None)
    (error,) = at.error
    assert "nobody can sign in" in error.value and "role 'boss'" in error.value
    assert not at.dataframe and not at.metric


class _ProviderUser(dict):
    """What `st.user` holds once an identity provider has signed someone in."""

    is_logged_in = True


def test_an_identity_provider_sign_in_gets_the_role_of_its_address(
    tiny_store_path, tmp_path, monkeypatch
):
    import streamlit

    config = tmp_path / "auth.toml"
    config.write_text(
        '[auth]\nmode = "oidc"\n[oidc]\ndefault_role = "viewer"\n'
        '[oidc.roles]\n"dana@example.com" = "admin"\n'
    )
    monkeypatch.setenv("REALIGN_AUTH", str(config))
    at = page("app.py", None)  # the provider has not signed anyone in yet
    assert at.title[0].value == "Sign in to Realign" and at.button(key="auth_login")

    monkeypatch.setattr(streamlit, "user", _ProviderUser(email="Dana@example.com", name="Dana"))
    at = page("app.py", None)
    assert "Signed in as **Dana** (admin)" in " ".join(c.value for c in at.sidebar.caption)
    monkeypatch.setattr(streamlit, "user", _ProviderUser(email="lee@example.com", name="Lee"))
    at = page("app.py", None)
    assert "Signed in as **Lee** (viewer)" in " ".join(c.value for c in at.sidebar.caption)
