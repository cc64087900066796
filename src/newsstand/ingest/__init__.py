"""Feed ingestion: fetch safely, parse, sanitize, deduplicate, store, schedule.

Modules, from the edge inwards:

- ``fetch``     ``Fetcher``: conditional GETs with redirects, caps, timeouts and limits
- ``netguard``  the SSRF guard inside the fetcher's network backend
- ``feeds``     ``parse_feed``: RSS, Atom and JSON Feed bytes to ``ParsedFeed``
- ``sanitize``  ``sanitize_html`` and ``html_to_text`` for every piece of publisher HTML
- ``urls``      ``canonical_url``: the form articles are matched by
- ``articles``  parsed entries to ``Article`` values (pure)
- ``schedule``  when to poll each feed next (pure)
- ``writer``    ``BatchWriter``: the one writer, with group commits and search indexing in bulk
- ``pipeline``  ``Ingestor``: ``run_once`` and ``run_forever``, used by the CLI and the web server

Import from the modules; this package does not re-export, so importing one part
(the sanitizer, say) does not load the others.
"""
