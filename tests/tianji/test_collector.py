"""The cycle collector made rarer for a block: thresholds raised inside, everything as before after."""

from __future__ import annotations

import gc
import weakref

import pytest

from tianji.core.collector import THRESHOLDS, fewer_collections


def test_thresholds_are_raised_inside_and_restored_after_even_on_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == THRESHOLDS
        raise RuntimeError("boom")
    assert gc.get_threshold() == before


def test_what_is_held_is_frozen_for_the_block_and_collectable_after() -> None:
    held = [[i] for i in range(1000)]
    with fewer_collections(freeze=True):
        assert gc.get_freeze_count() >= len(held)
    assert gc.get_freeze_count() == 0


def test_cycles_made_inside_are_still_collected() -> None:
    class Node:
        pass

    made: weakref.WeakSet[Node] = weakref.WeakSet()  # counts the nodes not yet freed, holding none
    with fewer_collections():
        gc.collect()
        for _ in range(THRESHOLDS[0] * 2):  # a cycle each: only the collector frees them
            a, b = Node(), Node()
            a.other, b.other = b, a  # type: ignore[attr-defined]
            made.add(a)
        del a, b
        alive = len(made)
    assert alive < THRESHOLDS[0] * 2  # young collections ran inside the block


def test_overlapping_blocks_restore_the_first_ones_thresholds_when_the_last_ends() -> None:
    before = gc.get_threshold()
    first, second = fewer_collections(freeze=True), fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first app stops while the second still serves
    assert gc.get_threshold() == THRESHOLDS and gc.get_freeze_count() > 0
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
