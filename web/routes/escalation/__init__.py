"""Bulk reminders: every overdue agency, every agency without its period report, or the chosen ones."""
