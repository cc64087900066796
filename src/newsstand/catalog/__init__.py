"""Publishers and their feeds: the default catalog, validation and store operations."""

from newsstand.catalog.core import Catalog, catalog_problems, check_http_url, slugify, validate_catalog
from newsstand.catalog.loader import load_default_catalog, parse_catalog_toml
from newsstand.catalog.sections import DEFAULT_SECTION, SECTIONS, normalise_section
from newsstand.catalog.service import (
    MergePlan,
    apply_plan,
    merge_catalog,
    plan_for_store,
    plan_merge,
    seed_default_catalog,
    store_catalog,
)

__all__ = [
    "DEFAULT_SECTION",
    "SECTIONS",
    "Catalog",
    "MergePlan",
    "apply_plan",
    "catalog_problems",
    "check_http_url",
    "load_default_catalog",
    "merge_catalog",
    "normalise_section",
    "parse_catalog_toml",
    "plan_for_store",
    "plan_merge",
    "seed_default_catalog",
    "slugify",
    "store_catalog",
    "validate_catalog",
]
