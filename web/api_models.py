"""Request and response bodies of the JSON API (they make its OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field
from pydantic.json_schema import JsonDict


class TaskRowOut(BaseModel):
    assignment_id: int
    task_id: int
    plan_code: str
    ref: str
    content: str
    agency_id: int
    agency_name: str
    role: str = Field(description="lead (chủ trì) or coordinating (phối hợp)")
    due_date: date | None
    original_due_date: date | None = Field(description="the due date before any approved extension")
    completed_on: date | None
    percent: int
    state: str = Field(description="open, in_progress or done")
    status: str = Field(description="official status code, e.g. qua_han")
    status_label: str = Field(description="the status in Vietnamese, e.g. quá hạn")


class TaskListOut(BaseModel):
    as_of: date
    page: int
    per_page: int
    total: int
    items: list[TaskRowOut]


class AssignmentOut(BaseModel):
    id: int
    agency_id: int
    agency_name: str
    role: str
    state: str
    percent: int
    due_date: date | None
    original_due_date: date | None
    completed_on: date | None
    status: str
    status_label: str


class ProgressOut(BaseModel):
    assignment_id: int
    agency_name: str
    role: str
    status: str
    percent: int | None
    note: str | None
    reported_on: date
    actor: str
    created_at: datetime


class TaskOut(BaseModel):
    id: int
    plan_id: int
    plan_code: str
    ref: str
    section: str | None
    content: str
    deadline_text: str
    due_date: date | None
    code: str | None = None  # the task's code in the plan ("Mã nhiệm vụ": KH12_CĐS_01.2)
    deadline_note: str | None = None  # the note kept from the deadline cell ("giai đoạn thí điểm")
    assignments: list[AssignmentOut]
    updates: list[ProgressOut]


# Bounds and choices are documented in the schema but checked by web.forms, so a wrong value
# gets the same Vietnamese message as on the pages (pydantic's would be English).
_ID: JsonDict = {"minimum": 1, "maximum": 2**63 - 1}


class ProgressIn(BaseModel):
    status: str = Field(description="open, in_progress or done",
                        json_schema_extra={"enum": ["open", "in_progress", "done"]})
    percent: int | None = Field(default=None, description="0 to 100", json_schema_extra={"minimum": 0, "maximum": 100})
    note: str | None = None
    agency_id: int | None = Field(default=None, description="office sessions only: the agency reported for",
                                  json_schema_extra=_ID)


class ExtensionIn(BaseModel):
    new_due_date: date
    reason: str
    agency_id: int | None = Field(default=None, description="office sessions only: the agency asking",
                                  json_schema_extra=_ID)


class ExtensionOut(BaseModel):
    id: int
    assignment_id: int
    current_due_date: date | None
    requested_due_date: date
    reason: str
    state: str


class ErrorOut(BaseModel):
    detail: str
