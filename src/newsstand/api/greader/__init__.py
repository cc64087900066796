"""The Google Reader API (see README.md for what it serves)."""

from newsstand.api.greader.app import create_greader

__all__ = ["create_greader"]
