"""Fixtures of the security tests: the API fixtures of ``tests/api/conftest.py`` (``api``, ``gql``)."""

from tests.api.conftest import api, gql

__all__ = ["api", "gql"]
