"""COCO-17 skeleton graph: the single source of truth for joint edges and adjacency matrices
used by the skeleton GCNs (ST-GCN, CTR-GCN, HD-GCN).

Joint order is the COCO keypoint order (0 nose, 1 left eye, 2 right eye, 3 left ear, 4 right
ear, 5 left shoulder, 6 right shoulder, 7 left elbow, 8 right elbow, 9 left wrist, 10 right
wrist, 11 left hip, 12 right hip, 13 left knee, 14 right knee, 15 left ankle, 16 right ankle),
the layout written by the pose exporter."""

from __future__ import annotations

import numpy as np

NUM_JOINTS = 17
CENTER = 0  # the nose: root of the COCO tree in the usual ST-GCN/pyskl layout

# Bones as (child, parent) pairs pointing towards the root ("inward").
_INWARD: tuple[tuple[int, int], ...] = (
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 5), (12, 6),
    (9, 7), (7, 5), (10, 8), (8, 6), (5, 0), (6, 0),
    (1, 0), (3, 1), (2, 0), (4, 2),
)  # fmt: skip

STRATEGIES = ("uniform", "spatial")


def coco17_edges(direction: str = "inward") -> list[tuple[int, int]]:
    """The 16 COCO-17 bones as (i, j) pairs: `inward` (child -> parent), `outward` (parent ->
    child) or `both` (each bone in both directions)."""
    inward = list(_INWARD)
    outward = [(j, i) for i, j in inward]
    if direction == "inward":
        return inward
    if direction == "outward":
        return outward
    if direction == "both":
        return inward + outward
    raise ValueError(f"direction must be inward, outward or both, got {direction!r}")


def edge_matrix(edges: list[tuple[int, int]], num_nodes: int = NUM_JOINTS) -> np.ndarray:
    """Dense V x V matrix with A[j, i] = 1 for every edge (i, j): column i lists where joint i
    sends its features, the convention of ST-GCN's and CTR-GCN's graph code."""
    a = np.zeros((num_nodes, num_nodes), dtype=np.float32)
    for i, j in edges:
        a[j, i] = 1.0
    return a


def normalize_columns(a: np.ndarray) -> np.ndarray:
    """A @ D^-1 with D the column sums (zero columns stay zero): each joint's outgoing
    messages are averaged over its neighbours."""
    deg = a.sum(axis=0)
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    return (a * inv[None, :]).astype(np.float32)


def adjacency(strategy: str = "spatial", num_nodes: int = NUM_JOINTS) -> np.ndarray:
    """K x V x V adjacency of the COCO-17 graph.

    uniform (K=1): ST-GCN's single partition, self-loops plus both bone directions,
      column-normalised.
    spatial (K=3): identity, normalised inward, normalised outward (CTR-GCN / HD-GCN style)."""
    if num_nodes != NUM_JOINTS:
        raise ValueError(f"the COCO-17 graph has {NUM_JOINTS} joints, got num_nodes={num_nodes}")
    eye = np.eye(num_nodes, dtype=np.float32)
    if strategy == "uniform":
        return normalize_columns(eye + edge_matrix(coco17_edges("both")))[None]
    if strategy == "spatial":
        return np.stack(
            [
                eye,
                normalize_columns(edge_matrix(coco17_edges("inward"))),
                normalize_columns(edge_matrix(coco17_edges("outward"))),
            ]
        )
    raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
