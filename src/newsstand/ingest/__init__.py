"""Feed ingestion: parse, deduplicate, store, schedule; full text for teaser-only items.

Modules, from the edge inwards:

- ``feeds``     ``parse_feed``: RSS, Atom and JSON Feed bytes to ``ParsedFeed``
- ``articles``  parsed entries to ``Article`` values (pure)
- ``schedule``  when to poll each feed next (pure)
- ``writer``    ``BatchWriter``: the one writer, with group commits and search indexing in bulk
- ``pipeline``  ``Ingestor``: rounds of fetch, parse, store for due feeds
- ``pages``     full text for teaser-only articles and live-blog refreshes: fetch the page,
  extract it (``newsstand.extract``), store it

Fetching is ``newsstand.net``, sanitizing ``newsstand.markup``. The service loop that runs
rounds, pages and stories together is ``newsstand.app.loop``. Import from the modules; this
package does not re-export, so importing one part does not load the others.
"""
