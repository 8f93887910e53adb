"""One module per dashboard view: ``layout(panel, ...)`` builds its part of the page and ``register(app,
api)`` wires its callbacks; ``dashboards.app.create_dash`` assembles them."""
