"""Where the scan model's confidences become verdicts. The risk indicators over scan confidences read the
same threshold (``scoring.indicators``: the code list ``scan_suspect_above``), so a rule fires exactly
where a verdict reads "suspect"."""

from __future__ import annotations

#: a concealment or controlled-goods confidence above this reads "suspect"
SUSPECT_ABOVE = 0.5
#: an empty-container confidence above this reads "empty"
EMPTY_ABOVE = 0.5
