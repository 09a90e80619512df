"""The tables and the database layer: engine and sessions (db), column types, the audit log.

Importing this package registers every table on ``SQLModel.metadata``: the plan and outbox tables
(tables), the web application's (web_tables) and the reports' (report_tables). Each of those
modules imports only ``models.core.types``, never another table module.
"""

from models.core import report_tables, tables, web_tables

__all__ = ["report_tables", "tables", "web_tables"]
