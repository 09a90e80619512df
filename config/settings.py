"""The one settings object. Every ``DONDOC_*`` environment variable is read here and nowhere else."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = Path(__file__).resolve().parent
# the five real plans of ../shared/plans, shipped with the code: the demo imports one and the
# tests read them all, from any checkout (tests/test_sample_plans.py keeps them equal)
SAMPLE_PLANS = CONFIG_DIR / "sample_plans"
PLACEHOLDER_SECRET = "change-me-dondoc-development-only"
# the coordination office as the agency directory names it (config/agencies/standard.yaml, code vpdp)
OFFICE_NAME = "Văn phòng Điều phối nông thôn mới tỉnh"


class Settings(BaseSettings):
    """Runtime configuration; see the README's settings table (a test keeps the two in step)."""

    model_config = SettingsConfigDict(env_prefix="DONDOC_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(default=REPO_ROOT / "var",
                           description="Where the SQLite database, uploads and mail copies live.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; unset means SQLite under data_dir.")
    # the province's zone: today's date, the day of a stored timestamp, the calendar feeds
    timezone: str = "Asia/Ho_Chi_Minh"
    agencies_dir: Path = CONFIG_DIR / "agencies"
    escalation_policy: Path = CONFIG_DIR / "escalation.yaml"
    schedules_file: Path = CONFIG_DIR / "schedules.yaml"
    scheduler: Literal["embedded", "prefect"] = "embedded"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # connections a sender opens to the mail server at once, each sending from its own thread (a limit per relay)
    smtp_connections: int = Field(default=4, ge=1, le=64)
    # recipients per batch of a sweep: claimed, sent and written back together, so memory is bounded by the batch
    send_batch: int = Field(default=500, ge=1, le=100_000)
    # provinces whose mail leaves through a relay of their own: "slug=host:port,slug=host:port" (the others use
    # smtp_host/smtp_port); one province's relay being down fails only that province's sweep
    smtp_relays: str = ""
    # province sweeps the daily sweep runs at once when it fans out (flows/escalation/national.py)
    sweep_concurrency: int = Field(default=4, ge=1, le=64)
    mail_from: str = "dondoc@dondoc.example"
    # the sender's name in the From header (RFC 2047-encoded by the transport): the office, not the software
    mail_from_name: str = OFFICE_NAME
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = PLACEHOLDER_SECRET
    # the web application (web/): evidence upload limit and how long an office sign-in lasts
    evidence_max_mb: int = Field(default=10, ge=1, le=200)
    # plan files the office imports from the browser (the benchmark's 20,000-row .xlsx is 0.5 MB;
    # images pasted into a Word plan add to that)
    import_max_mb: int = Field(default=20, ge=1, le=500)
    # what one part of a .docx/.xlsx plan may unpack to (zip bombs), by the command line and the browser alike:
    # ten times the largest plan the importer is known to read, the 20,000-row benchmark workbook (a 9.7 MB sheet
    # of 300,030 XML elements; the sample plans made into Word and Excel files stay under 0.4 MB and 9,100 a part)
    import_max_part_mb: int = Field(default=100, ge=1, le=4096)
    import_max_part_elements: int = Field(default=3_000_000, ge=1000, le=1_000_000_000)
    # the address space of the separate process that reads a plan uploaded in the browser: a file that needs
    # more is refused, and the server itself never grows with what an upload costs to read
    import_memory_mb: int = Field(default=1024, ge=256, le=65536)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # the signature block of the công văn đôn đốc (tasks/escalation/letter.py), which the office edits;
    # "|" starts a new line ("KT. CHÁNH VĂN PHÒNG|PHÓ CHÁNH VĂN PHÒNG")
    signer_title: str = "CHÁNH VĂN PHÒNG"
    signer_name: str = ""
    # Prefect's own variable: when set, flows run through that Prefect API (and show in its UI);
    # when unset they run in-process, without starting Prefect's slow ephemeral server.
    prefect_api_url: str | None = Field(default=None, validation_alias="PREFECT_API_URL")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Ho_Chi_Minh)") from None
        return value

    @property
    def mail_sender(self) -> str:
        """The From mailbox: ``"<name> <address>"``, or ``mail_from`` as given when it carries a name."""
        name = " ".join(self.mail_from_name.split()).replace('"', "")
        if "<" in self.mail_from or not name:
            return self.mail_from
        return f"{name} <{self.mail_from.strip()}>"

    def relayed_provinces(self) -> list[str]:
        """The provinces of smtp_relays, in its order."""
        return [e.partition("=")[0].strip() for e in self.smtp_relays.split(",") if e.partition("=")[0].strip()]

    def relay_for(self, province: str | None) -> tuple[str, int]:
        """The mail server (host, port) of a province's notices: its own relay in smtp_relays, else smtp_host."""
        for entry in self.smtp_relays.split(","):
            slug, _, address = entry.strip().partition("=")
            host, _, port = address.strip().rpartition(":")
            if province is not None and slug.strip() == province and host and port.isdigit():
                return host, int(port)
        return self.smtp_host, self.smtp_port

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'dondoc.sqlite3'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change DONDOC_* variables between cases)."""
    get_settings.cache_clear()
