"""Tests of O(d) synchronisation: recovery, the global reflection, the BBP threshold, outliers."""

import math

import numpy as np
import pytest
import torch

from geomwork.attention import (
    Connection,
    build_connection,
    complete_graph,
    fix_reflection,
    planted_ensemble,
    random_orthogonal,
    refine_gauges,
    spectral_synchronisation,
    spiked_synchronisation_model,
    synchronisation_fidelity,
    synchronise,
)

RECOVERY_TOLERANCE = {torch.float64: 1e-9, torch.float32: 1e-4}


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def relative_map_error(gauges, truth):
    """Largest |g_i g_j^T - R_i R_j^T| over all pairs; invariant under g -> g Q."""
    found = gauges @ gauges.transpose(1, 2).unsqueeze(1)
    expected = truth @ truth.transpose(1, 2).unsqueeze(1)
    return float((found - expected).abs().max())


def overlap(gauges, truth):
    """(1/nd) ||sum_i R_i^T g_i||_*: 1 for exact recovery up to a global factor, ~0 for none."""
    n, d = gauges.shape[:2]
    return float(torch.linalg.svdvals(torch.einsum("nji,njk->ik", truth, gauges)).sum() / (n * d))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_exact_recovery_without_noise(dtype):
    planted = planted_ensemble(8, 4, 1, noise=0.0, generator=generator(1), dtype=dtype)
    connection = build_connection(planted.activity, complete_graph(8))
    result = synchronise(connection)
    assert relative_map_error(result.gauges.double(), planted.rotations.double()) < RECOVERY_TOLERANCE[dtype]
    assert torch.allclose(result.eigenvalues.double(), torch.ones(4, dtype=torch.float64), atol=RECOVERY_TOLERANCE[dtype])


def test_recovery_error_scales_with_noise():
    errors = []
    for noise in (1e-4, 1e-3, 1e-2):
        planted = planted_ensemble(10, 3, 1, noise=noise, generator=generator(2))
        result = synchronise(build_connection(planted.activity, complete_graph(10)))
        errors.append(relative_map_error(result.gauges, planted.rotations))
    assert errors[0] < 1e-3
    assert errors[0] < errors[1] < errors[2] < 0.1


def test_reflection_fixed_once_globally():
    # Planted maps in O(d), half of them reflections: forcing det = +1 block by block breaks the
    # relative maps, fixing the reflection once for the whole solution does not.
    planted = planted_ensemble(10, 3, 1, noise=0.0, generator=generator(3))
    determinants = torch.linalg.det(planted.rotations)
    assert (determinants < 0).any()
    assert (determinants > 0).any()
    gauges, _ = spectral_synchronisation(build_connection(planted.activity, complete_graph(10)))
    assert relative_map_error(gauges, planted.rotations) < 1e-9

    flip = torch.ones(3, dtype=torch.float64)
    flip[-1] = -1
    blockwise = torch.where((torch.linalg.det(gauges) < 0)[:, None, None], gauges * flip, gauges)
    assert relative_map_error(blockwise, planted.rotations) > 0.5


def test_fix_reflection_keeps_relative_maps():
    gauges = random_orthogonal((9,), 3, generator=generator(4))
    fixed = fix_reflection(gauges)
    assert (torch.linalg.det(fixed) > 0).sum() >= 5
    assert relative_map_error(fixed, gauges) < 1e-12


def test_spectral_recovery_degrades_at_bbp_threshold():
    """Romanov & Gavish, arXiv:1803.03287: recovery breaks down at sigma_c = sqrt(n / d)."""
    n, d = 100, 3
    critical = math.sqrt(n / d)
    overlaps = []
    for factor in (0.25, 0.5, 1.0, 2.0):
        measurements, truth = spiked_synchronisation_model(n, d, factor * critical, generator=generator(5))
        gauges, _ = spectral_synchronisation(measurements, d)
        overlaps.append(overlap(gauges, truth))
    assert overlaps[0] > 0.95
    assert overlaps[1] > 0.85
    assert overlaps[3] < 0.3
    assert all(a > b for a, b in zip(overlaps, overlaps[1:]))


def test_angular_synchronisation_with_ninety_percent_outliers():
    """Singer 2011, ACHA 30(1): n = 400 angles, 10% good edges, correlation about 0.9."""
    n = 400
    draw = generator(6)
    angles = 2 * math.pi * torch.rand(n, generator=draw, dtype=torch.float64)

    def rotation(theta):
        cos, sin = torch.cos(theta), torch.sin(theta)
        return torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)

    truth = rotation(angles)
    graph = complete_graph(n)
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    maps = truth[i] @ truth[j].transpose(1, 2)
    outliers = torch.rand(graph.n_edges, generator=draw) > 0.1
    maps[outliers] = rotation(2 * math.pi * torch.rand(int(outliers.sum()), generator=draw, dtype=torch.float64))
    gauges, _ = spectral_synchronisation(Connection(graph, maps, torch.ones(graph.n_edges)))
    assert overlap(gauges, truth) > 0.85


def test_refinement_never_increases_fidelity():
    planted = planted_ensemble(8, 3, 1, noise=0.3, generator=generator(7))
    connection = build_connection(planted.activity, complete_graph(8))
    start = random_orthogonal((8,), 3, generator=generator(8))
    steps = []
    gauges, history = refine_gauges(connection, start, max_steps=50, callback=lambda step, value: steps.append(step))
    assert all(b <= a + 1e-12 for a, b in zip(history, history[1:]))
    assert history[-1] < 0.5 * history[0]
    assert steps == list(range(1, len(history)))
    spectral, _ = spectral_synchronisation(connection)
    refined, _ = refine_gauges(connection, spectral)
    assert synchronisation_fidelity(connection, refined) <= synchronisation_fidelity(connection, spectral) + 1e-12


def test_fidelity_gauge_invariant():
    planted = planted_ensemble(6, 3, 1, noise=0.2, generator=generator(9))
    connection = build_connection(planted.activity, complete_graph(6))
    gauges = random_orthogonal((6,), 3, generator=generator(10))
    h = random_orthogonal((6,), 3, generator=generator(11))
    before = synchronisation_fidelity(connection, gauges)
    after = synchronisation_fidelity(connection.gauge_transform(h), h @ gauges)
    assert float(after) == pytest.approx(float(before), rel=1e-12)


def test_result_flat_connection_has_zero_energy():
    planted = planted_ensemble(7, 3, 1, noise=0.1, generator=generator(12))
    result = synchronise(build_connection(planted.activity, complete_graph(7)))
    assert float(result.flat.yang_mills_energy()) < 1e-20
    assert result.energy > 0


def test_reweighting_resists_outlier_edges():
    planted = planted_ensemble(12, 3, 1, noise=0.01, generator=generator(13))
    connection = build_connection(planted.activity, complete_graph(12))
    maps = connection.maps.clone()
    corrupt = torch.randperm(connection.graph.n_edges, generator=generator(14))[:20]
    maps[corrupt] = random_orthogonal((20,), 3, generator=generator(15))
    corrupted = Connection(connection.graph, maps, connection.weights)
    plain = synchronise(corrupted)
    robust = synchronise(corrupted, reweight_rounds=3)
    assert relative_map_error(robust.gauges, planted.rotations) < relative_map_error(plain.gauges, planted.rotations)
    assert relative_map_error(robust.gauges, planted.rotations) < 0.05


def test_raw_matrix_needs_block_size():
    with pytest.raises(ValueError, match="pass d"):
        spectral_synchronisation(torch.eye(6, dtype=torch.float64))
    with pytest.raises(ValueError, match="multiple of d = 4"):
        spectral_synchronisation(torch.eye(6, dtype=torch.float64), 4)


def test_sparse_solver_matches_dense():
    import geomwork.attention._synchronise as module

    planted = planted_ensemble(12, 3, 1, noise=0.05, generator=generator(16))
    connection = build_connection(planted.activity, complete_graph(12))
    dense, _ = spectral_synchronisation(connection)
    original = module._DENSE_LIMIT
    module._DENSE_LIMIT = 0
    try:
        sparse, _ = spectral_synchronisation(connection)
    finally:
        module._DENSE_LIMIT = original
    assert relative_map_error(sparse, dense) < 1e-8
