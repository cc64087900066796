"""Stories: the same news event across publishers, as pure decisions.

``cluster.assign`` and ``plan.plan_update`` group articles, ``rank.rank_top_stories``
orders Top stories, ``related.rank_related`` finds related stories. Nothing here
touches a store: ``newsstand.app.stories`` reads the candidates and saves the result.
"""
