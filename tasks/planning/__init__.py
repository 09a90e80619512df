"""Tasks made by hand and corrections of plans: the rules a person's input must follow."""
