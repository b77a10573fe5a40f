"""Small vectorised helpers shared by the generator's modules: weighted picks, exact allocation, and Arrow
arrays (labels, ASCII strings, dates) built from numpy without a Python object per row.
"""

import numpy as np
import pyarrow as pa


def _labels(
    values: tuple[str, ...] | list[str], index: np.ndarray, mask: np.ndarray | None = None
) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(index, pa.int32(), mask=mask))


def _pick(rng: np.random.Generator, n: int, probabilities: list[float]) -> np.ndarray:
    """Index of a category for each of n draws (probabilities need not be normalised)."""
    cdf = np.cumsum(probabilities) / np.sum(probabilities)
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(probabilities) - 1)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole counts summing to `total` in proportion to weights (largest remainder)."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(-(exact - counts), kind="stable")[: total - counts.sum()]] += 1
    return counts


def _lowest(score: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k eligible entries with the lowest score."""
    idx = np.flatnonzero(eligible)
    return idx[np.argsort(score[idx], kind="stable")[:k]]


def _ascii_strings(chars: np.ndarray) -> pa.StringArray:
    """An Arrow string array from an (n, width) matrix of ASCII codes, without a Python string per row."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars, np.uint8))]
    )


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of non-negative integers, zero-padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers % 10 + ord("0")).astype(np.uint8)


def _date32(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.int32(), mask=mask).view(pa.date32())
