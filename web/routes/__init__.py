"""The routers: office pages and actions, agency pages, files and calendars, the JSON API."""
