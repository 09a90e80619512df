"""SQLModel tables and the database layer."""

from sqlmodel import SQLModel

# Build each model's pydantic validator when it is first used, not when its class is defined:
# most of the 40 table classes are never validated in a given process (rows loaded from the
# database are not), and building them all cost every command ~40 ms of its start-up.
SQLModel.model_config["defer_build"] = True
