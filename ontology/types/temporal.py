"""Dates and date-times, stored as ISO 8601 text (date-times in UTC, without a zone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ontology.types.base import ValueType, to_halfwidth


class DateType(ValueType):
    """A calendar date, stored as ISO text ``YYYY-MM-DD`` so that it sorts and compares."""

    name = "date"
    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d.%m.%Y")

    def clean(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        text = to_halfwidth(str(value)).strip()
        if not text:
            return None
        text = text.replace("年", "-").replace("月", "-").replace("日", "")
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date().isoformat()
            except ValueError:
                continue
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}")


class DateTimeType(ValueType):
    """A moment, stored as ISO text ``YYYY-MM-DDTHH:MM:SS`` (UTC when a zone is given)."""

    name = "datetime"

    def clean(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            moment = value
        else:
            text = to_halfwidth(str(value)).strip()
            if not text:
                return None
            try:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"not a date-time (ISO 8601): {value!r}") from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment.isoformat(timespec="seconds")
