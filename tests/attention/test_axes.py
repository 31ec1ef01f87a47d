"""Tests of island ellipsoids, principal angles and the Binet–Cauchy volume."""

import itertools

import numpy as np
import pytest
import torch

from geomwork.attention import (
    binet_cauchy_volume,
    build_connection,
    compare_axes,
    complete_graph,
    consensus_activity,
    island_ellipsoids,
    planted_ensemble,
    principal_angles,
    random_orthogonal,
    synchronise_islands,
)


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def minor(matrix, rows):
    return np.linalg.det(matrix[list(rows), :])


def test_binet_cauchy_volume_is_wedge_inner_product():
    """Cauchy–Binet: det(U^T V) = sum over k-subsets S of det(U_S) det(V_S)."""
    rng = np.random.default_rng(0)
    first, _ = np.linalg.qr(rng.standard_normal((5, 2)))
    second, _ = np.linalg.qr(rng.standard_normal((5, 2)))
    wedge = sum(minor(first, rows) * minor(second, rows) for rows in itertools.combinations(range(5), 2))
    assert binet_cauchy_volume(first, second) == pytest.approx(abs(wedge), rel=1e-12)
    angles = principal_angles(first, second)
    assert binet_cauchy_volume(first, second) == pytest.approx(np.prod(np.cos(angles)), rel=1e-12)


def test_principal_angles_of_known_planes():
    first = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    angle = 0.3
    second = np.array([[1.0, 0.0], [0.0, np.cos(angle)], [0.0, np.sin(angle)]])
    assert principal_angles(first, second) == pytest.approx([0.0, angle], abs=1e-12)
    assert binet_cauchy_volume(first, 2 * second) == pytest.approx(np.cos(angle), rel=1e-12)


def test_binet_cauchy_rejects_unequal_spans():
    with pytest.raises(ValueError, match="equal dimension"):
        binet_cauchy_volume(np.eye(3)[:, :2], np.eye(3)[:, :1])


def test_consensus_is_gauge_invariant_up_to_global_rotation():
    planted = planted_ensemble(6, 3, 1, noise=0.1, generator=generator(1))
    gauges = random_orthogonal((6,), 3, generator=generator(2))
    h = random_orthogonal((6,), 3, generator=generator(3))
    q = random_orthogonal((), 3, generator=generator(4))
    # Activity rows move as A_i h_i^T; gauges move as h_i g_i q.
    moved = consensus_activity(planted.activity @ h.transpose(1, 2), h @ gauges @ q)
    assert (moved - consensus_activity(planted.activity, gauges) @ q).abs().max() < 1e-12


def test_island_ellipsoids_recover_planted_axes():
    planted = planted_ensemble(12, 4, 2, n_probes=2000, noise=0.05, decay=0.5, generator=generator(5))
    connection = build_connection(planted.activity, complete_graph(12))
    result = synchronise_islands(connection, planted.labels)
    ellipsoids = island_ellipsoids(planted.activity, result.gauges, planted.labels, 2)
    assert [e.members.tolist() for e in ellipsoids] == [list(range(6)), list(range(6, 12))]
    for ellipsoid in ellipsoids:
        first = ellipsoid.members[0]
        # The consensus frame of an island is network `first`'s frame moved by g_first^T.
        frame = result.gauges[first].T @ planted.rotations[first]
        planted_axes = frame @ planted.axes[ellipsoid.island][:, :2]
        assert principal_angles(ellipsoid.axes, planted_axes).max() < 0.1
        assert ellipsoid.semi_axes.square().numpy() == pytest.approx([1.0, 0.5], rel=0.15)
        assert ellipsoid.volume == pytest.approx(np.pi * float(ellipsoid.semi_axes.prod()), rel=1e-12)


def test_compare_axes_shapes_and_agreement():
    planted = planted_ensemble(8, 4, 1, n_probes=500, noise=0.05, decay=0.5, generator=generator(6))
    connection = build_connection(planted.activity, complete_graph(8))
    result = synchronise_islands(connection, planted.labels)
    ellipsoid = island_ellipsoids(planted.activity, result.gauges, planted.labels, 2)[0]
    comparison = compare_axes(planted.activity, result.gauges, ellipsoid)
    assert comparison.network_angles.shape == (8, 2)
    assert comparison.network_volumes.shape == (8,)
    # Synchronised members agree with the consensus; unsynchronised pooled PCA does not.
    assert comparison.network_angles.max() < 0.2
    assert comparison.network_volumes.min() > 0.95
    assert comparison.pooled_angles.max() > comparison.network_angles.max()
