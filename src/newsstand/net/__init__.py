"""Safe HTTP: the one fetcher every part of Newsstand uses to reach publishers.

- ``fetch``     ``Fetcher``: conditional GETs with redirects, caps, timeouts and per-host limits
- ``netguard``  the SSRF guard inside the fetcher's network backend: every address is checked
  after DNS resolution and on every redirect hop, and the connection goes to the address checked

Import from the modules; this package does not re-export.
"""
