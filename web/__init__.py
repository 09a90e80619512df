"""The web application: FastAPI app (app.py), routes, Jinja2 templates and static files."""
