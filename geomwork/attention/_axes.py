"""Ellipsoids and principal axes of synchronised islands, compared with plain PCA.

The consensus activity of an island is the mean of its members' reduced activity moved into
the consensus frame, :math:`C = \\frac{1}{|I|}\\sum_{i \\in I} A_i g_i` (rows are probes;
a column vector :math:`x_i` becomes :math:`g_i^T x_i`).  Its covariance ellipsoid has the
principal axes of :math:`C` as directions and the standard deviations as semi-axes.  Subspaces
are compared by principal angles :math:`\\theta_1 \\le \\dots \\le \\theta_k` (Björck & Golub
1973) and by the Binet–Cauchy volume :math:`|\\det(U^T V)| = \\prod_l \\cos\\theta_l`, the
inner product of the unit k-vectors :math:`u_1\\wedge\\dots\\wedge u_k` and
:math:`v_1\\wedge\\dots\\wedge v_k`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.special
import torch

__all__ = [
    "AxisComparison",
    "IslandEllipsoid",
    "binet_cauchy_volume",
    "compare_axes",
    "consensus_activity",
    "island_ellipsoids",
    "principal_angles",
    "principal_axes",
]


def principal_axes(activity: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the top ``k`` principal axes ``(d, k)`` and standard deviations ``(k,)`` of ``(m, d)`` rows."""
    if not 1 <= k <= activity.shape[1]:
        raise ValueError(f"k = {k} must lie between 1 and the dimension {activity.shape[1]}")
    centred = activity - activity.mean(dim=0, keepdim=True)
    _, singular, right_t = torch.linalg.svd(centred, full_matrices=False)
    deviations = singular[:k] / max(activity.shape[0] - 1, 1) ** 0.5
    return right_t[:k].T, deviations


def principal_angles(first: torch.Tensor | np.ndarray, second: torch.Tensor | np.ndarray) -> np.ndarray:
    """Return the principal angles in radians, ascending, between the column spans of two matrices."""
    first = np.asarray(first, dtype=np.float64)
    second = np.asarray(second, dtype=np.float64)
    if first.shape[0] != second.shape[0]:
        raise ValueError(f"subspaces must live in the same space, got {first.shape[0]} and {second.shape[0]} rows")
    return np.sort(scipy.linalg.subspace_angles(first, second))


def binet_cauchy_volume(first: torch.Tensor | np.ndarray, second: torch.Tensor | np.ndarray) -> float:
    """Return :math:`|\\det(U^T V)|` for orthonormal bases ``U``, ``V`` of two k-dimensional spans.

    By the Cauchy–Binet formula this is :math:`|\\langle u_1\\wedge\\dots\\wedge u_k,
    v_1\\wedge\\dots\\wedge v_k\\rangle|`, the product of the cosines of the principal angles: 1
    for equal spans, 0 when a direction of one is orthogonal to the other.
    """
    first = np.asarray(first, dtype=np.float64)
    second = np.asarray(second, dtype=np.float64)
    if first.shape != second.shape:
        raise ValueError(f"spans must have equal dimension, got shapes {first.shape} and {second.shape}")
    basis_first, _ = np.linalg.qr(first)
    basis_second, _ = np.linalg.qr(second)
    return float(abs(np.linalg.det(basis_first.T @ basis_second)))


def consensus_activity(reduced: torch.Tensor, gauges: torch.Tensor, members: np.ndarray | None = None) -> torch.Tensor:
    """Return :math:`\\frac{1}{|I|}\\sum_{i\\in I} A_i g_i`, shape ``(m, d)``, over ``members`` (default all)."""
    members = np.arange(reduced.shape[0]) if members is None else np.asarray(members)
    index = torch.as_tensor(members)
    return (reduced[index] @ gauges[index]).mean(dim=0)


@dataclass(frozen=True)
class IslandEllipsoid:
    """Covariance ellipsoid of an island's consensus activity, in the consensus frame.

    Attributes
    ----------
    island : int
    members : np.ndarray
    centre : torch.Tensor
        ``(d,)`` mean activity.
    axes : torch.Tensor
        ``(d, k)`` orthonormal principal axes, by decreasing variance.
    semi_axes : torch.Tensor
        ``(k,)`` standard deviations along the axes.
    """

    island: int
    members: np.ndarray
    centre: torch.Tensor
    axes: torch.Tensor
    semi_axes: torch.Tensor

    @property
    def volume(self) -> float:
        """Volume of the k-dimensional ellipsoid with these semi-axes (unit-ball volume times their product)."""
        k = self.semi_axes.numel()
        unit_ball = np.pi ** (k / 2) / scipy.special.gamma(k / 2 + 1)
        return float(unit_ball * self.semi_axes.prod())


def island_ellipsoids(
    reduced: torch.Tensor, gauges: torch.Tensor, labels: np.ndarray, k: int
) -> list[IslandEllipsoid]:
    """Return the covariance ellipsoid of each island's consensus activity, keeping ``k`` axes."""
    labels = np.asarray(labels)
    ellipsoids = []
    for island in np.unique(labels):
        members = np.flatnonzero(labels == island)
        consensus = consensus_activity(reduced, gauges, members)
        axes, deviations = principal_axes(consensus, k)
        ellipsoids.append(IslandEllipsoid(int(island), members, consensus.mean(dim=0), axes, deviations))
    return ellipsoids


@dataclass(frozen=True)
class AxisComparison:
    """Principal angles of an island's consensus axes against other estimates.

    Attributes
    ----------
    pooled_angles : np.ndarray
        ``(k,)`` angles against PCA of the pooled raw activity of the island's members, with no
        synchronisation (rows of every member stacked, each in its own coordinates).
    network_angles : np.ndarray
        ``(|I|, k)`` angles against each member's own PCA axes moved into the consensus frame
        by :math:`g_i^T`.
    pooled_volume : float
        Binet–Cauchy volume against the pooled axes.
    network_volumes : np.ndarray
        ``(|I|,)`` Binet–Cauchy volumes against each member.
    """

    pooled_angles: np.ndarray
    network_angles: np.ndarray
    pooled_volume: float
    network_volumes: np.ndarray


def compare_axes(reduced: torch.Tensor, gauges: torch.Tensor, ellipsoid: IslandEllipsoid) -> AxisComparison:
    """Compare an island's consensus axes with pooled PCA and with each member network."""
    k = ellipsoid.axes.shape[1]
    members = ellipsoid.members
    pooled = reduced[torch.as_tensor(members)].reshape(-1, reduced.shape[2])
    pooled_axes, _ = principal_axes(pooled, k)
    network_angles, network_volumes = [], []
    for member in members:
        own_axes, _ = principal_axes(reduced[member], k)
        in_consensus = gauges[member].T @ own_axes
        network_angles.append(principal_angles(ellipsoid.axes, in_consensus))
        network_volumes.append(binet_cauchy_volume(ellipsoid.axes, in_consensus))
    return AxisComparison(
        pooled_angles=principal_angles(ellipsoid.axes, pooled_axes),
        network_angles=np.array(network_angles),
        pooled_volume=binet_cauchy_volume(ellipsoid.axes, pooled_axes),
        network_volumes=np.array(network_volumes),
    )
