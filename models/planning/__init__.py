"""Tasks made by hand, their edits, cancellation and reassignment, and corrections of plans."""
