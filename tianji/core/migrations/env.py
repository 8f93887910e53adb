"""Alembic's environment for the side databases: a migration runs on the connection that opened the
database (``tianji.core.db.upgrade``), inside the write lock that connection holds."""

from alembic import context

context.configure(connection=context.config.attributes["connection"], render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
