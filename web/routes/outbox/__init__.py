"""The office's history of every notice and report e-mail (``/outbox``), and resending failed ones."""
