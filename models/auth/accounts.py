"""Office accounts managed in the browser by an administrator (``/users``): create one, change
its role, set a new password, deactivate or reactivate it. Every change is audited; a new
password, a deactivation or a change of role ends the account's sign-ins on the server
(models/auth/sessions.py), so the change holds at once, for a copied cookie too.

An administrator is an account of role ``admin`` (``dondoc user add --role admin``): it acts as
office staff and manages the accounts. The last active administrator cannot be demoted or
deactivated, so the office never locks itself out of its accounts.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from models.auth.sessions import end_user_sessions
from models.auth.throttle import clear_failures
from models.auth.users import EMAIL_RE, MIN_PASSWORD, UserError, hash_password
from models.core.audit import record
from models.core.web_tables import ROLE_ADMIN, ROLES, StaffUser

SOURCE = "web"


def accounts(session: Session) -> list[StaffUser]:
    """Every account, active ones first, then by e-mail."""
    return list(session.exec(select(StaffUser).order_by(col(StaffUser.active).desc(), col(StaffUser.email))))


def _password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    return hash_password(password)


def _role(role: str) -> str:
    if role not in ROLES:
        raise UserError("Vai trò không hợp lệ.")
    return role


def _account(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise UserError("Không tìm thấy tài khoản.")
    return user


def _keeps_an_admin(session: Session, user: StaffUser) -> None:
    """Refuse to take away the last active administrator."""
    if user.role != ROLE_ADMIN or not user.active:
        return
    others = session.exec(select(StaffUser.id).where(StaffUser.role == ROLE_ADMIN, col(StaffUser.active).is_(True),
                                                     StaffUser.id != user.id)).first()
    if others is None:
        raise UserError("Đây là quản trị viên duy nhất còn hoạt động: cần có quản trị viên khác trước.")


def create_account(session: Session, *, email: str, role: str, password: str, actor: str) -> StaffUser:
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 200:
        raise UserError(f"Địa chỉ e-mail không hợp lệ: '{email}'.")
    role = _role(role)
    if session.exec(select(StaffUser.id).where(StaffUser.email == email)).first() is not None:
        raise UserError(f"Đã có tài khoản {email}.")
    user = StaffUser(email=email, role=role, password_hash=_password(password))
    session.add(user)
    session.flush()
    record(session, actor=actor, source=SOURCE, entity="staff_user", entity_id=user.id, action="created",
           changes={"email": [None, email], "role": [None, role]})
    return user


def _end(session: Session, user: StaffUser, changes: dict[str, list[object]]) -> None:
    ended = end_user_sessions(session, user_id=user.id)  # type: ignore[arg-type]
    if ended:
        changes["sessions"] = [ended, 0]


def change_role(session: Session, *, user_id: int, role: str, actor: str) -> StaffUser:
    user = _account(session, user_id)
    role = _role(role)
    if role == user.role:
        return user
    if role != ROLE_ADMIN:
        _keeps_an_admin(session, user)
    changes: dict[str, list[object]] = {"role": [user.role, role]}
    user.role = role
    session.add(user)
    _end(session, user, changes)  # the new rights from the next sign-in, not a cached old one
    record(session, actor=actor, source=SOURCE, entity="staff_user", entity_id=user.id, action="updated",
           changes=changes)
    return user


def reset_password(session: Session, *, user_id: int, password: str, actor: str) -> StaffUser:
    user = _account(session, user_id)
    user.password_hash = _password(password)
    session.add(user)
    clear_failures(session, email=user.email)  # a throttled sign-in opens again with the new password
    changes: dict[str, list[object]] = {"password": ["***", "***"]}
    _end(session, user, changes)
    record(session, actor=actor, source=SOURCE, entity="staff_user", entity_id=user.id, action="updated",
           changes=changes)
    return user


def set_active(session: Session, *, user_id: int, active: bool, actor: str) -> StaffUser:
    user = _account(session, user_id)
    if user.active == active:
        return user
    if not active:
        _keeps_an_admin(session, user)
    changes: dict[str, list[object]] = {"active": [user.active, active]}
    user.active = active
    session.add(user)
    if not active:
        _end(session, user, changes)
    record(session, actor=actor, source=SOURCE, entity="staff_user", entity_id=user.id,
           action="updated" if active else "deactivated", changes=changes)
    return user
