"""Fixtures of the dashboards' browser tests (``tests/dashboards/site.py``):

- ``browser`` (module): one headless Chromium, quit after the module; screenshots go to
  test-artifacts/dashboards/.

Each module serves the app on its own world with ``site.serve(settings)``, which yields a ``Site``.
"""

from tests.dashboards.site import browser

__all__ = ["browser"]
