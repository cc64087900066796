"""Reader-app APIs, mounted by the web app: ``v1`` is Newsstand's own JSON API."""
