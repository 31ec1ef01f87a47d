"""Tests of the O(d) connection: holonomy, curvature, Yang–Mills energy and gauge invariance."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import scipy.linalg
import torch

from geomwork.attention import (
    Connection,
    assert_gauge_invariant,
    build_connection,
    complete_graph,
    knn_graph,
    planted_ensemble,
    procrustes_map,
    procrustes_residuals,
    random_orthogonal,
)

DTYPES = [torch.float64, torch.float32]
ROUND_OFF = {torch.float64: 1e-11, torch.float32: 1e-4}


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def random_connection(n=6, d=3, dtype=torch.float64, seed=0):
    graph = complete_graph(n)
    maps = random_orthogonal((graph.n_edges,), d, generator=generator(seed), dtype=dtype)
    weights = torch.rand(graph.n_edges, generator=generator(seed + 1), dtype=torch.float64).to(dtype)
    return Connection(graph, maps, weights)


def test_transport_reverse_is_transpose():
    connection = random_connection()
    for i, j in [(0, 1), (2, 5), (4, 3)]:
        assert torch.equal(connection.transport(j, i), connection.transport(i, j).T)
    dense, weights = connection.dense_maps()
    assert torch.equal(dense.transpose(0, 1), dense.transpose(2, 3))
    assert torch.equal(weights, weights.T)


def test_curvature_is_wilson_plaquette_term():
    """For orthogonal H, ||H - I||_F^2 = 2d - 2 tr H."""
    connection = random_connection(d=4)
    holonomy = connection.holonomy()
    trace = holonomy.diagonal(dim1=1, dim2=2).sum(-1)
    assert torch.allclose(connection.curvature(), 8 - 2 * trace, atol=1e-12)


def test_energy_matches_loop_over_triangles():
    connection = random_connection(n=5, d=3, seed=3)
    expected = 0.0
    for i, j, k in itertools.combinations(range(5), 3):
        holonomy = connection.transport(i, j) @ connection.transport(j, k) @ connection.transport(k, i)
        weight = 1.0
        for a, b in [(i, j), (j, k), (i, k)]:
            weight *= float(connection.weights[connection.graph.edge_index()[a, b]])
        expected += weight * float((holonomy - torch.eye(3, dtype=torch.float64)).square().sum())
    assert float(connection.yang_mills_energy()) == pytest.approx(expected, rel=1e-12)
    assert connection.graph.triangles().shape == (10, 3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_curvature_and_energy_gauge_invariant(dtype):
    connection = random_connection(n=7, d=4, dtype=dtype, seed=5)
    assert_gauge_invariant(lambda c: c.curvature(), connection, generator=generator(6))
    assert_gauge_invariant(lambda c: c.yang_mills_energy(), connection, generator=generator(7))


@pytest.mark.parametrize("dtype", DTYPES)
def test_holonomy_conjugates_under_gauge(dtype):
    connection = random_connection(n=5, d=3, dtype=dtype, seed=8)
    gauge = random_orthogonal((5,), 3, generator=generator(9), dtype=dtype)
    triangles = connection.graph.triangles()
    moved = connection.gauge_transform(gauge).holonomy(triangles)
    base = gauge[triangles[:, 0]]
    expected = base @ connection.holonomy(triangles) @ base.transpose(1, 2)
    assert (moved - expected).abs().max() < ROUND_OFF[dtype]


def test_energy_invariant_under_global_transformation():
    connection = random_connection(n=6, d=3, seed=10)
    global_gauge = random_orthogonal((), 3, generator=generator(11)).expand(6, 3, 3)
    assert_gauge_invariant(lambda c: c.yang_mills_energy(), connection, gauge=global_gauge.clone())


def test_checker_detects_non_invariant_observable():
    connection = random_connection(seed=12)
    with pytest.raises(AssertionError, match="not gauge invariant"):
        assert_gauge_invariant(lambda c: c.maps.sum(), connection, generator=generator(13))


def test_pure_gauge_connection_is_flat():
    gauges = random_orthogonal((6,), 3, generator=generator(14))
    graph = complete_graph(6)
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    connection = Connection(graph, gauges[i] @ gauges[j].transpose(1, 2), torch.ones(graph.n_edges))
    assert float(connection.yang_mills_energy()) < 1e-24


def test_non_orthogonal_map_rejected():
    graph = complete_graph(3, ("a", "b", "c"))
    maps = torch.eye(2, dtype=torch.float64).repeat(3, 1, 1)
    maps[1] *= 1.1
    with pytest.raises(ValueError, match="map on edge \\(a, c\\) is not orthogonal"):
        Connection(graph, maps, torch.ones(3))


def test_negative_weight_rejected():
    graph = complete_graph(3)
    maps = torch.eye(2, dtype=torch.float64).repeat(3, 1, 1)
    with pytest.raises(ValueError, match="finite non-negative"):
        Connection(graph, maps, torch.tensor([1.0, -1.0, 1.0]))


def test_build_connection_from_planted_rotations():
    planted = planted_ensemble(6, 3, 1, noise=0.0, generator=generator(15))
    connection = build_connection(planted.activity, complete_graph(6))
    for e, (i, j) in enumerate(connection.graph.edges.tolist()):
        assert (connection.maps[e] - planted.true_map(i, j)).abs().max() < 1e-10
    assert connection.residuals.max() < 1e-20
    assert float(connection.yang_mills_energy()) < 1e-18


def test_procrustes_residuals_match_scipy_route():
    planted = planted_ensemble(5, 3, 2, noise=0.2, generator=generator(16))
    residuals = procrustes_residuals(planted.activity, chunk=2)
    for i, j in itertools.combinations(range(5), 2):
        _, expected = procrustes_map(planted.activity[j], planted.activity[i])
        assert float(residuals[i, j]) == pytest.approx(expected, abs=1e-10)
        assert residuals[i, j] == residuals[j, i]


def test_knn_graph_is_symmetric_union():
    distance = np.abs(np.subtract.outer(np.arange(6.0), np.arange(6.0)))
    graph = knn_graph(distance, 1)
    assert graph.edges.tolist() == [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]


def test_knn_graph_disconnected_rejected():
    distance = np.full((6, 6), 10.0)
    distance[:3, :3] = 1.0
    distance[3:, 3:] = 1.0
    with pytest.raises(ValueError, match="disconnected"):
        knn_graph(distance, 2)


def test_restrict_keeps_maps_of_induced_subgraph():
    connection = random_connection(n=6, d=2, seed=17)
    part = connection.restrict([5, 1, 3])
    assert part.graph.names == ("network 1", "network 3", "network 5")
    assert torch.equal(part.transport(0, 2), connection.transport(1, 5))
    assert torch.equal(part.transport(2, 1), connection.transport(5, 3))


def test_random_orthogonal_is_haar_on_average():
    samples = random_orthogonal((4000,), 3, generator=generator(18))
    assert (samples.mean(dim=0)).abs().max() < 0.05
    special = random_orthogonal((50,), 3, generator=generator(19), special=True)
    assert torch.allclose(torch.linalg.det(special), torch.ones(50, dtype=torch.float64))
    assert np.allclose(scipy.linalg.det(samples[0].numpy()) ** 2, 1.0)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 7), d=st.integers(1, 5), seed=st.integers(0, 2**31 - 1))
def test_energy_gauge_invariant_for_any_size(n, d, seed):
    graph = complete_graph(n)
    maps = random_orthogonal((graph.n_edges,), d, generator=generator(seed))
    connection = Connection(graph, maps, torch.ones(graph.n_edges, dtype=torch.float64))
    assert_gauge_invariant(lambda c: c.yang_mills_energy(), connection, generator=generator(seed + 1))
    assert float(connection.curvature().max()) <= 4 * d + 1e-9
