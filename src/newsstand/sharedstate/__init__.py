"""State that several processes share through Redis (the ``cache_url`` setting): the shared
cache of the services (``rediscache.RedisCache``, behind ``app.cache.SharedCache``'s methods)
and counters summed over processes (``counters.RedisCounters``, for /metrics). Redis is
imported here and nowhere else; its errors leave as ``StorageError``.
"""
