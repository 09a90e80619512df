"""Tables of the web application: office staff, extension requests, evidence files.

Registered on ``SQLModel.metadata`` when ``models.core`` is imported (its ``__init__`` imports
every table module), so Alembic and the schema test see them. Families as elsewhere: ``XBase``, ``X(table=True)``,
``XPublic``; states are plain strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.core.types import UTCDateTime, utcnow

# staff roles: office staff act, viewers only read; an administrator acts as office staff and
# also manages the accounts (/users). Each of these belongs to a province (StaffUser.province,
# models/auth/scope.py); a national account reads every province and changes nothing.
ROLE_OFFICE = "office"
ROLE_ADMIN = "admin"
ROLE_VIEWER = "viewer"
ROLE_NATIONAL = "national"
ROLES = (ROLE_OFFICE, ROLE_ADMIN, ROLE_VIEWER, ROLE_NATIONAL)
ACTING_ROLES = (ROLE_OFFICE, ROLE_ADMIN)

# extension request states
EXT_PENDING = "pending"
EXT_APPROVED = "approved"
EXT_REJECTED = "rejected"


def _ts(*, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, nullable=True)
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class StaffUserBase(SQLModel):
    email: str = Field(max_length=200)
    role: str = Field(max_length=20)
    active: bool = True
    # the province whose rows the account sees and changes (a slug, as Plan.province); None for
    # a national account, or an account made before accounts had one (models/auth/scope.py)
    province: str | None = Field(default=None, max_length=40)


class StaffUser(StaffUserBase, table=True):
    """A member of the coordination office who signs in with e-mail and password."""

    __tablename__ = "staff_user"
    __table_args__ = (sa.UniqueConstraint("email", name="uq_staff_user_email"),)
    id: int | None = Field(default=None, primary_key=True)
    # "scrypt$n$r$p$salt$hash" (models/users.py); never the password itself
    password_hash: str = Field(max_length=300)
    created_at: datetime = _ts()
    last_login_at: datetime | None = _ts(nullable=True)


class StaffUserPublic(StaffUserBase):
    id: int


class StaffSession(SQLModel, table=True):
    """One office sign-in (models/auth/sessions.py). The browser's cookie carries a random id; this
    row only its keyed hash (web/security.py), so a copy of the table opens no session. Signing
    out, a password reset or the expiry ends it: the cookie then opens nothing."""

    __tablename__ = "staff_session"
    __table_args__ = (sa.UniqueConstraint("key", name="uq_staff_session_key"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class SignInFailure(SQLModel, table=True):
    """One wrong password (or unknown e-mail) at the sign-in form, kept for the throttle window
    (models/auth/throttle.py): guessing is slowed per e-mail and address, across every web worker."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (sa.Index("ix_sign_in_failure_email_at", "email", "at"),
                      sa.Index("ix_sign_in_failure_client_at", "client", "at"))
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=200)  # as typed, lower-cased
    client: str = Field(max_length=64)  # the client's IP address
    at: datetime = _ts()


class ExtensionRequestBase(SQLModel):
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    current_due_date: date | None = None  # the assignment's due date when asked
    requested_due_date: date
    reason: str
    state: str = Field(default=EXT_PENDING, max_length=20)
    requested_by: str = Field(max_length=200)
    decided_by: str | None = Field(default=None, max_length=200)
    decision_note: str | None = None


class ExtensionRequest(ExtensionRequestBase, table=True):
    """An agency asks for a later due date; the office approves or rejects it."""

    __tablename__ = "extension_request"
    __table_args__ = (sa.Index("ix_extension_request_state", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    requested_at: datetime = _ts()
    decided_at: datetime | None = _ts(nullable=True)


class ExtensionRequestPublic(ExtensionRequestBase):
    id: int
    requested_at: datetime
    decided_at: datetime | None


class EvidenceBase(SQLModel):
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    filename: str = Field(max_length=255)  # the uploader's name for it, shown and offered on download
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by: str = Field(max_length=200)


class Evidence(EvidenceBase, table=True):
    """An uploaded file. Stored under DONDOC_DATA_DIR/evidence/ by a random name, served only
    through routes that check the office session or the agency's link."""

    __tablename__ = "evidence"
    __table_args__ = (sa.UniqueConstraint("stored_name", name="uq_evidence_stored_name"),)
    id: int | None = Field(default=None, primary_key=True)
    stored_name: str = Field(max_length=64)
    uploaded_at: datetime = _ts()


class EvidencePublic(EvidenceBase):
    id: int
    uploaded_at: datetime


class TaskSearch(SQLModel, table=True):
    """Each task's reference and content folded to lower-case ASCII ("phan bo von"), so the task
    list searches without regard to case and diacritics with a plain LIKE on both backends.
    Kept up to date from ``task.updated_at`` by ``models.listing.search_index.refresh``."""

    __tablename__ = "task_search"
    task_id: int = Field(foreign_key="task.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    folded: str
    source_updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    # the task's plan (written with the folded text): a province's or a plan's texts in one range
    plan_id: int | None = Field(default=None, index=True)
