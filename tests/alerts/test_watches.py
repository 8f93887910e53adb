"""What a watch may be put on: the ontology's watchable labels and pattern watches."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from alerts.watches import WatchSpec, target_labels
from ontology import get_ontology


def test_watch_targets_are_the_watchable_labels_and_patterns() -> None:
    assert target_labels() == [*get_ontology().watchable_labels(), "Pattern"]
    assert WatchSpec(owner="a", unit="GZ", target_label="Vessel", target_id="9074729").conditions
    with pytest.raises(ValidationError, match="cannot watch a 'Port'"):
        WatchSpec(owner="a", unit="GZ", target_label="Port", target_id="CNSZX")
