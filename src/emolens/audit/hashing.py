"""Exact and near duplicates among face crops: content digests, perceptual hashes (DCT pHash) and a
multi-index search for every pair of hashes within a Hamming distance, without comparing all pairs."""

from __future__ import annotations

import hashlib
import itertools
from functools import cache

import cv2
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["duplicate_groups", "exact_groups", "hamming_pairs", "perceptual_hashes"]

HASH_BITS = 64
_HASH_SIDE = 32  # pHash: the DCT of a 32 x 32 thumbnail, keeping its 8 x 8 lowest frequencies


@cache
def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    basis = np.cos(np.pi * (2 * np.arange(n)[None, :] + 1) * k / (2 * n)) * np.sqrt(2 / n)
    basis[0] /= np.sqrt(2)
    return basis


def perceptual_hashes(images: np.ndarray) -> np.ndarray:
    """64-bit pHashes of N x H x W uint8 images, as N x 64 bools: low DCT frequencies above their median."""
    thumbs = np.stack([cv2.resize(im, (_HASH_SIDE, _HASH_SIDE), interpolation=cv2.INTER_AREA) for im in images])
    low = _dct_matrix(_HASH_SIDE)[:8].astype(np.float32)
    coeffs = (low @ thumbs.astype(np.float32) @ low.T).reshape(len(images), HASH_BITS)
    median = np.median(coeffs[:, 1:], axis=1, keepdims=True)  # the DC term (mean brightness) is left out
    return coeffs > median


def exact_groups(images: np.ndarray) -> np.ndarray:
    """A group id per image; pixel-identical images share one."""
    digests = [hashlib.blake2b(im.tobytes(), digest_size=16).digest() for im in images]
    return np.unique(np.array(digests, dtype=object), return_inverse=True)[1].astype(np.int64)


def _pairs_in_groups(keys: np.ndarray) -> np.ndarray:
    """All index pairs (i < j) whose keys are equal, as M x 2."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    pairs = [
        np.stack(np.triu_indices(size, 1), 1) + start for start, size in zip(starts, sizes, strict=True) if size > 1
    ]
    if not pairs:
        return np.zeros((0, 2), np.int64)
    return np.sort(order[np.concatenate(pairs)], axis=1)


def hamming_pairs(bits: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows of N x 64 bool hashes within ``max_distance`` bits: (M x 2 indices, M distances).

    By the pigeonhole principle two hashes that differ in at most d bits agree exactly on one of d + 1
    blocks, so only rows sharing a block are compared: near-linear instead of N^2 / 2 comparisons.
    """
    edges = np.linspace(0, HASH_BITS, max_distance + 2).astype(int)
    candidates = []
    for low, high in itertools.pairwise(edges):
        weights = 1 << np.arange(high - low, dtype=np.int64)
        candidates.append(_pairs_in_groups(bits[:, low:high].astype(np.int64) @ weights))
    pairs = np.unique(np.concatenate(candidates), axis=0) if candidates else np.zeros((0, 2), np.int64)
    distances = (bits[pairs[:, 0]] != bits[pairs[:, 1]]).sum(1) if len(pairs) else np.zeros(0, np.int64)
    close = distances <= max_distance
    return pairs[close], distances[close]


def duplicate_groups(count: int, pairs: np.ndarray) -> np.ndarray:
    """A group id per item, joining the items of every pair (connected components)."""
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(count, count))
    return connected_components(graph, directed=False)[1].astype(np.int64)
