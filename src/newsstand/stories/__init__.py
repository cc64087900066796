"""Stories: the same news event across publishers.

``newsstand.stories.service.update_stories(store, now)`` is the hook to call
after ingestion; ``cluster.assign`` and ``rank.rank_top_stories`` are the pure
decisions. Nothing is imported here, so that the store can import the pure
modules without pulling in the service (which needs the store).
"""
