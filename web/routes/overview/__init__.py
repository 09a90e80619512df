"""The office's views of the figures: the ranking of agencies (``/ranking``)."""
