"""The JSON API, version 1 (see README.md in this folder): ``create_api`` builds it."""

from newsstand.api.v1.app import OPERATIONS, create_api

__all__ = ["OPERATIONS", "create_api"]
