"""A progress bar for long resolution steps, shown only when asked for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Progress:
    """A rich progress bar when asked for, else nothing; ``advance(n)`` moves it."""

    def __init__(self, show: bool, total: int, what: str = "scoring blocks") -> None:
        self.show, self.total, self.what = show, total, what
        self.bar: Any = None

    def __enter__(self) -> Callable[..., None]:
        if not self.show or not self.total:
            return lambda n=1: None
        from rich.progress import Progress as Bar

        self.bar = Bar(transient=False)
        self.bar.start()
        task = self.bar.add_task(f"resolution: {self.what}", total=self.total)
        return lambda n=1: self.bar.update(task, advance=n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
