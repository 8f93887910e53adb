"""The ``tianji`` command: one verb per pipeline stage, one module per concern in this package.

Every module here that defines a ``typer.Typer`` named ``app`` becomes a sub-command group named
after the module (``tianji/cli/db.py`` → ``tianji db …``); a module that defines ``command``
(a plain function) becomes a single command of that name.
"""
