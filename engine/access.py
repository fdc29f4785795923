"""Who may do what: roles, the actions that change the store, and the sign-in config file.

Sign-in is off unless a config file turns it on (`$REALIGN_AUTH`, by default
`data/auth.toml`): on a laptop, the one person using Realign may do everything.
With it on, each person has one role:

- **viewer**: opens links, looks and downloads;
- **planner**: a viewer who also runs and saves scenarios and quota plans, and
  renames and annotates scenarios;
- **admin**: a planner who also imports data, deletes scenarios and quota plans
  and marks the plan of record;
- **rep**: a viewer who is one of the reps (`rep_id`). With `rep_sees_own =
  true` in `[auth]`, `AuthConfig.own_rep` names the one rep whose territory and
  quota such a person may see; every rep user must then name their rep.

People sign in through the company's identity provider (Streamlit's OIDC
`st.login`, `mode = "oidc"`, roles given by e-mail address) or with a password
from the users table in the same file (`mode = "users"`, bcrypt hashes).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import bcrypt

from engine.store import REPO_ROOT

ENV_VAR = "REALIGN_AUTH"
DEFAULT_PATH = REPO_ROOT / "data" / "auth.toml"


class Role(StrEnum):
    VIEWER = "viewer"
    REP = "rep"
    PLANNER = "planner"
    ADMIN = "admin"


class Action(StrEnum):
    """Every action that changes the store, by what the audit log calls it."""

    SAVE_SCENARIO = "saved scenario"
    RENAME_SCENARIO = "renamed scenario"
    ANNOTATE_SCENARIO = "noted scenario"
    DELETE_SCENARIO = "deleted scenario"
    MARK_PLAN = "marked plan of record"
    SAVE_QUOTA_PLAN = "saved quota plan"
    DELETE_QUOTA_PLAN = "deleted quota plan"
    IMPORT_DATA = "imported data"


PLANNER_ACTIONS = frozenset(
    {Action.SAVE_SCENARIO, Action.RENAME_SCENARIO, Action.ANNOTATE_SCENARIO, Action.SAVE_QUOTA_PLAN}
)
ALLOWED: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset(),
    Role.REP: frozenset(),
    Role.PLANNER: PLANNER_ACTIONS,
    Role.ADMIN: frozenset(Action),
}


@dataclass(frozen=True)
class User:
    """A signed-in person: a stable id (user name or e-mail), a name to show, a role."""

    user_id: str
    name: str
    role: Role
    rep_id: str | None = None  # the rep this person is, for the rep role

    def may(self, action: Action) -> bool:
        """Return whether this person's role allows the action."""
        return action in ALLOWED[self.role]


# Sign-in off: the one person at this machine.
LOCAL_USER = User("local", "This computer", Role.ADMIN)


class NotAllowed(PermissionError):
    """The signed-in person's role does not allow the action."""

    def __init__(self, user: User, action: Action) -> None:
        self.user, self.action = user, action
        needed = next(r for r in (Role.PLANNER, Role.ADMIN) if action in ALLOWED[r])
        super().__init__(
            f"{user.name} signed in as {user.role.value}, and only {needed.value}s may do this "
            f"({action.value}). Ask an admin for the {needed.value} role."
        )


@dataclass(frozen=True)
class LocalAccount:
    """A user from the config file's `[users.<name>]` table."""

    user: User
    password_hash: bytes


@dataclass(frozen=True)
class AuthConfig:
    """What the sign-in config file says: the mode, the local users, the OIDC roles."""

    mode: str  # "users" or "oidc"
    accounts: dict[str, LocalAccount] = field(default_factory=dict)
    oidc_roles: dict[str, Role] = field(default_factory=dict)  # lower-case e-mail → role
    oidc_default: Role = Role.VIEWER
    oidc_provider: str | None = None  # the provider's name in secrets.toml, if several
    oidc_rep_ids: dict[str, str] = field(default_factory=dict)  # lower-case e-mail → rep id
    rep_sees_own: bool = False
    path: str = ""

    def check_password(self, user_name: str, password: str) -> User | None:
        """Return the user whose password this is, or None (unknown name or wrong password)."""
        account = self.accounts.get(user_name.strip().lower())
        # A dummy check for an unknown name, so a wrong name takes as long as a wrong password.
        hashed = account.password_hash if account else _DUMMY_HASH
        ok = bcrypt.checkpw(password.encode("utf-8"), hashed)
        return account.user if ok and account else None

    def oidc_user(self, email: str, name: str | None) -> User:
        """Return the person an identity provider signed in, with the role the file gives them."""
        key = email.strip().lower()
        role = self.oidc_roles.get(key, self.oidc_default)
        return User(email, name or email, role, self.oidc_rep_ids.get(key))

    def own_rep(self, user: User | None) -> str | None:
        """Return the rep id whose territory alone this person may see, or None for all of them.

        Only a rep, and only with `rep_sees_own` on. A rep in that mode whom
        the file gives no rep id sees nobody's territory: "" (never everyone's).
        """
        if user is None or not self.rep_sees_own or user.role != Role.REP:
            return None
        return user.rep_id or ""


_DUMMY_HASH = bcrypt.hashpw(b"not a password", bcrypt.gensalt(rounds=4))


def hash_password(password: str, rounds: int = 12) -> str:
    """Return a bcrypt hash of the password, to paste into the users table."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode()


def config_path() -> Path:
    """Return where the sign-in config file is looked for: `$REALIGN_AUTH` or data/auth.toml."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def _role(value: object, where: str) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValueError(f"{where}: role {value!r} is not one of {roles}") from None


def load_config(path: Path | None = None) -> AuthConfig | None:
    """Return the sign-in config, or None when there is no file (sign-in is off).

    Raises ValueError naming the file and the entry when the file is malformed:
    a broken config must stop the server, not let everyone in.
    """
    path = path or config_path()
    if not path.exists():
        return None
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from exc
    auth = raw.get("auth", {})
    mode = str(auth.get("mode", "users")).lower()
    if mode not in ("users", "oidc"):
        raise ValueError(f"{path}: [auth] mode must be 'users' or 'oidc', not {mode!r}")
    rep_sees_own = bool(auth.get("rep_sees_own", False))
    accounts = {}
    for name, entry in raw.get("users", {}).items():
        where = f"{path}, [users.{name}]"
        hashed = str(entry.get("password_hash", ""))
        if not hashed.startswith("$2"):
            raise ValueError(f"{where}: password_hash must be a bcrypt hash (see README)")
        user = User(
            name.lower(), entry.get("name", name), _role(entry.get("role"), where),
            entry.get("rep_id"),
        )  # fmt: skip
        if rep_sees_own and user.role == Role.REP and not user.rep_id:
            raise ValueError(f"{where}: a rep needs a rep_id when rep_sees_own is on")
        accounts[name.lower()] = LocalAccount(user, hashed.encode())
    if mode == "users" and not accounts:
        raise ValueError(f"{path}: mode 'users' needs at least one [users.<name>] entry")
    oidc = raw.get("oidc", {})
    roles = {
        email.lower(): _role(role, f"{path}, [oidc.roles]")
        for email, role in oidc.get("roles", {}).items()
    }
    return AuthConfig(
        mode=mode,
        accounts=accounts,
        oidc_roles=roles,
        oidc_default=_role(oidc.get("default_role", "viewer"), f"{path}, [oidc]"),
        oidc_provider=oidc.get("provider"),
        oidc_rep_ids={email.lower(): str(rep) for email, rep in oidc.get("rep_ids", {}).items()},
        rep_sees_own=rep_sees_own,
        path=str(path),
    )


if __name__ == "__main__":  # python -m engine.access: hash a password for the users table
    import getpass

    print(hash_password(getpass.getpass("Password to hash: ")))
