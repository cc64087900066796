"""The offline sample edition (fictional publishers and articles)."""

from newsstand.sample.edition import SampleSummary, load_sample_edition, sample_catalog

__all__ = ["SampleSummary", "load_sample_edition", "sample_catalog"]
