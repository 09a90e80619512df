"""SQLModel tables and the database layer."""
