"""The Fever API (see README.md for what it serves)."""

from newsstand.api.fever.app import create_fever

__all__ = ["create_fever"]
