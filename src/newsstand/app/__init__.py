"""The application core: every use case, once, for every front end.

The CLI, the web reader and the APIs are thin adapters over these services: they parse
input, call one service, and render what it returns. Each service takes the narrow
storage Protocol it needs; the rules that decide something live here or in the pure
domain packages below (catalog, accounts, stories, personal).

| service | module | what it does |
|---|---|---|
| ``catalog`` | ``catalog.py`` | publishers and feeds: add, change, remove, seed, OPML |
| ``accounts`` | ``accounts.py`` | sign-up, sign-in, sessions, password reset, account changes |
| ``membership`` | ``membership.py`` | trials, grants, payment providers, the reading report |
| ``reading`` | ``reading.py`` | articles and live blogs through the paywall, saved, follows, search |
| ``front`` | ``personal.py`` | front page and sections: Top stories, picks, Latest, For you |
| ``interests`` | ``interests.py`` | follows of every kind; the trainer's likes and hides |
| ``operations`` | ``operations.py`` | feed health, choosing feeds to fetch, imports, the sample edition |
| ``tokens`` | ``tokens.py`` | readers' API tokens and the API's rate limits |
| (functions) | ``stories.py`` | grouping articles into stories, Top and Related stories |
| ``ServiceLoop`` | ``loop.py`` | the one service loop: fetch, full text, live blogs, stories |
"""

from newsstand.app.services import Services, build_services, open_services, services_for

__all__ = ["Services", "build_services", "open_services", "services_for"]
