"""Publishers and their feeds: the default catalog, validation, merging decisions and OPML.

Pure: nothing here touches a store. Seeding, adding and importing into a store is
``newsstand.app.catalog``.
"""

from newsstand.catalog.core import Catalog, catalog_problems, check_http_url, slugify, validate_catalog
from newsstand.catalog.loader import load_default_catalog, parse_catalog_toml
from newsstand.catalog.merge import MergePlan, plan_merge
from newsstand.catalog.sections import DEFAULT_SECTION, SECTIONS, normalise_section

__all__ = [
    "DEFAULT_SECTION",
    "SECTIONS",
    "Catalog",
    "MergePlan",
    "catalog_problems",
    "check_http_url",
    "load_default_catalog",
    "normalise_section",
    "parse_catalog_toml",
    "plan_merge",
    "slugify",
    "validate_catalog",
]
