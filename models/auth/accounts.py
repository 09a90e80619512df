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

from models.auth.scope import Provinces, check_province, user_in_scope
from models.auth.sessions import end_user_sessions
from models.auth.throttle import clear_failures
from models.auth.users import EMAIL_RE, MIN_PASSWORD, UserError, hash_password
from models.core.audit import record
from models.core.web_tables import ROLE_ADMIN, ROLE_NATIONAL, ROLES, StaffUser

SOURCE = "web"
# the roles an administrator gives in the browser: a national account (every province) is made
# with `dondoc user add --role national`, by whoever runs the server, never by a province's administrator
WEB_ROLES = tuple(r for r in ROLES if r != ROLE_NATIONAL)


def accounts(session: Session, *, provinces: Provinces = None) -> list[StaffUser]:
    """Every account an administrator of ``provinces`` manages (models/auth/scope.user_in_scope),
    active ones first, then by e-mail."""
    rows = session.exec(select(StaffUser).order_by(col(StaffUser.active).desc(), col(StaffUser.email)))
    return [u for u in rows if user_in_scope(u, provinces)]


def _province(slug: str, provinces: Provinces) -> str:
    """A province an administrator of ``provinces`` may give an account."""
    try:
        slug = check_province(slug)
    except ValueError as exc:
        raise UserError(f"Tỉnh không hợp lệ: {exc}.") from None
    if provinces is not None and slug not in provinces:
        raise UserError("Chỉ gán được tỉnh của tài khoản quản trị.")
    return slug


def _password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    return hash_password(password)


def _role(role: str) -> str:
    if role not in WEB_ROLES:
        raise UserError("Vai trò không hợp lệ.")
    return role


def _account(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise UserError("Không tìm thấy tài khoản.")
    return user


def _keeps_an_admin(session: Session, user: StaffUser) -> None:
    """Refuse to take away the last active administrator of the account's province (each province
    manages its own accounts: another province's administrator cannot stand in)."""
    if user.role != ROLE_ADMIN or not user.active:
        return
    same = col(StaffUser.province) == user.province if user.province else col(StaffUser.province).is_(None)
    others = session.exec(select(StaffUser.id).where(StaffUser.role == ROLE_ADMIN, col(StaffUser.active).is_(True),
                                                     StaffUser.id != user.id, same)).first()
    if others is None:
        raise UserError("Đây là quản trị viên duy nhất còn hoạt động: cần có quản trị viên khác trước.")


def create_account(session: Session, *, email: str, role: str, password: str, actor: str,
                   province: str | None = None, provinces: Provinces = None) -> StaffUser:
    """A new account of ``province`` (one of ``provinces``, the administrator's); without one, the
    province the database holds (models/auth/users.account_province)."""
    from models.auth.users import account_province

    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 200:
        raise UserError(f"Địa chỉ e-mail không hợp lệ: '{email}'.")
    role = _role(role)
    if session.exec(select(StaffUser.id).where(StaffUser.email == email)).first() is not None:
        raise UserError(f"Đã có tài khoản {email}.")
    slug = _province(province, provinces) if province else account_province(session, role=role, province=None)
    user = StaffUser(email=email, role=role, province=slug, password_hash=_password(password))
    session.add(user)
    session.flush()
    record(session, actor=actor, source=SOURCE, entity="staff_user", entity_id=user.id, action="created",
           changes={"email": [None, email], "role": [None, role], "province": [None, slug]})
    return user


def set_province(session: Session, *, user_id: int, province: str, actor: str,
                 provinces: Provinces = None) -> StaffUser:
    """Give an account a province (one of ``provinces``): it then sees that province's rows only.
    Its sign-ins end, so the change holds at once."""
    user = _account(session, user_id)
    if user.role == ROLE_NATIONAL:
        raise UserError("Tài khoản national xem mọi tỉnh: không gán tỉnh.")
    slug = _province(province, provinces)
    if slug == user.province:
        return user
    changes: dict[str, list[object]] = {"province": [user.province, slug]}
    user.province = slug
    session.add(user)
    _end(session, user, changes)
    record(session, actor=actor, source=SOURCE, entity="staff_user", entity_id=user.id, action="updated",
           changes=changes)
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
