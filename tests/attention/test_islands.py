"""Tests of per-edge inconsistency, islands of agreement and the merge tree."""

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score

from geomwork.attention import (
    Connection,
    EnsembleGraph,
    build_connection,
    complete_graph,
    corrupt_connection,
    count_islands,
    edge_inconsistency,
    find_islands,
    island_affinity,
    planted_ensemble,
    random_orthogonal,
    reduce_activity,
    synchronise_islands,
)


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def planted_connection(n=12, d=3, islands=3, noise=0.05, seed=0):
    planted = planted_ensemble(n, d, islands, noise=noise, generator=generator(seed))
    return planted, build_connection(planted.activity, complete_graph(n))


def test_inconsistency_zero_on_flat_connection():
    gauges = random_orthogonal((6,), 3, generator=generator(1))
    graph = complete_graph(6)
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    connection = Connection(graph, gauges[i] @ gauges[j].transpose(1, 2), torch.ones(graph.n_edges))
    assert edge_inconsistency(connection).abs().max() < 1e-12


def test_inconsistency_flags_corrupted_edges():
    _, connection = planted_connection(n=10, islands=1, noise=0.01, seed=2)
    corrupted, outliers = corrupt_connection(connection, 0.1, generator=generator(3))
    inconsistency = edge_inconsistency(corrupted, quantile=0.25)
    assert inconsistency[outliers].min() > 5 * inconsistency[~outliers].max()


def lower_weighted_quantile(values, weights, quantile):
    order = np.argsort(values)
    share = np.cumsum(np.asarray(weights)[order]) / np.sum(weights)
    return np.asarray(values)[order][np.searchsorted(share, quantile - 1e-12)]


@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("quantile", [0.0, 0.3, 0.5, 1.0])
def test_inconsistency_matches_quantile_of_triangles(weighted, quantile):
    _, connection = planted_connection(n=6, islands=2, noise=0.3, seed=4)
    found = edge_inconsistency(connection, quantile=quantile, weighted=weighted)
    index = connection.graph.edge_index()
    for e, (i, j) in enumerate(connection.graph.edges.tolist()):
        values, weights = [], []
        for k in range(6):
            if k in (i, j):
                continue
            holonomy = connection.transport(i, j) @ connection.transport(j, k) @ connection.transport(k, i)
            values.append(float((holonomy - torch.eye(3, dtype=torch.float64)).norm()))
            other = float(connection.weights[index[j, k]] * connection.weights[index[k, i]])
            weights.append(other if weighted else 1.0)
        assert float(found[e]) == pytest.approx(lower_weighted_quantile(values, weights, quantile), rel=1e-12)


@pytest.mark.parametrize("method", ["spectral", "agglomerative"])
def test_planted_islands_recovered(method):
    planted, connection = planted_connection(n=15, islands=3, noise=0.05, seed=5)
    islands = find_islands(connection, 3, method=method)
    assert adjusted_rand_score(planted.labels, islands.labels) == 1.0


def test_island_count_from_eigengap():
    planted, connection = planted_connection(n=16, islands=4, noise=0.05, seed=6)
    islands = find_islands(connection)
    assert islands.n_islands == 4
    assert adjusted_rand_score(planted.labels, islands.labels) == 1.0


def planted_affinity(n, islands, noise, shared, seed):
    planted = planted_ensemble(n, 6, islands, noise=noise, shared=shared, generator=generator(seed))
    _, reduced = reduce_activity(list(planted.activity), 6)
    connection = build_connection(reduced, complete_graph(n))
    return island_affinity(connection, edge_inconsistency(connection), impute=True)


@pytest.mark.parametrize(("n", "noise", "seed"), [(6, 0.05, 0), (6, 1.0, 1), (24, 0.3, 1), (24, 1.0, 2), (50, 0.3, 0)])
def test_count_islands_one_island(n, noise, seed):
    assert count_islands(planted_affinity(n, 1, noise, 0.0, seed)) == 1


@pytest.mark.parametrize(("n", "islands", "noise", "shared", "seed"), [
    (8, 2, 0.3, 0.5, 0), (12, 2, 0.7, 0.8, 1), (12, 3, 0.3, 0.5, 2), (24, 3, 0.5, 0.5, 0), (50, 2, 0.7, 0.8, 1),
])
def test_count_islands_with_overlapping_islands(n, islands, noise, shared, seed):
    # The islands share part of their probe structure, so the affinity between them is far from
    # zero and the plain largest eigengap would report one island.
    affinity = planted_affinity(n, islands, noise, shared, seed)
    assert count_islands(affinity) == islands
    assert count_islands(affinity, max_islands=1) == 1


def test_count_islands_threshold_is_the_gap_ratio():
    affinity = planted_affinity(12, 2, 0.3, 0.5, 3)
    assert count_islands(affinity, gap_ratio=10.0) == 2
    assert count_islands(affinity, gap_ratio=1e9) == 1


def test_count_islands_accepts_torch_and_checks_input():
    affinity = planted_affinity(12, 2, 0.3, 0.5, 3)
    assert count_islands(torch.as_tensor(affinity)) == 2
    with pytest.raises(ValueError, match=r"affinity has shape \(12, 6\); expected a square"):
        count_islands(affinity[:, :6])
    with pytest.raises(ValueError, match="affinity has negative or non-finite entries"):
        count_islands(-affinity)
    skewed = affinity.copy()
    skewed[0, 1] += 0.5
    with pytest.raises(ValueError, match=r"affinity is not symmetric"):
        count_islands(skewed)


def test_islands_survive_outlier_edges():
    planted, connection = planted_connection(n=18, islands=3, noise=0.05, seed=7)
    corrupted, _ = corrupt_connection(connection, 0.15, labels=planted.labels, generator=generator(8))
    islands = find_islands(corrupted, 3)
    assert adjusted_rand_score(planted.labels, islands.labels) > 0.9


def test_merge_tree_is_part_whole_hierarchy():
    planted, connection = planted_connection(n=12, islands=3, noise=0.05, seed=9)
    islands = find_islands(connection, 3)
    assert islands.merge_tree.shape == (11, 4)
    root = islands.hierarchy()
    assert root.get_count() == 12
    assert adjusted_rand_score(planted.labels, islands.cut(3)) == 1.0
    # Each planted island becomes one subtree before any merge across islands.
    heights = islands.merge_tree[:, 2]
    assert np.all(np.diff(heights) >= -1e-12)
    assert heights[-2] > heights[-4]


def test_labels_numbered_by_size():
    planted = planted_ensemble(10, 3, 2, noise=0.05, generator=generator(10))
    keep = np.r_[0:5, 5:8]
    activity = planted.activity[torch.as_tensor(keep)]
    islands = find_islands(build_connection(activity, complete_graph(8)), 2)
    assert np.bincount(islands.labels).tolist() == [5, 3]
    assert islands.members(1).tolist() == [5, 6, 7]


def test_unknown_method_rejected():
    _, connection = planted_connection(n=6, islands=2, seed=11)
    with pytest.raises(ValueError, match="method = 'kmeans' is not known"):
        find_islands(connection, 2, method="kmeans")


def test_bad_quantile_rejected():
    _, connection = planted_connection(n=6, islands=2, seed=12)
    with pytest.raises(ValueError, match="quantile = 1.5 must lie in"):
        edge_inconsistency(connection, quantile=1.5)


def test_synchronise_islands_splits_disconnected_island():
    planted = planted_ensemble(8, 3, 1, noise=0.0, generator=generator(13))
    connection = build_connection(planted.activity, complete_graph(8))
    labels = np.zeros(8, dtype=int)
    # Drop every edge between {0..3} and {4..7}; a bridge 3-7 keeps the whole graph connected.
    edges = connection.graph.edges.numpy()
    keep = (edges < 4).all(axis=1) | (edges >= 4).all(axis=1) | ((edges[:, 0] == 3) & (edges[:, 1] == 7))
    graph = EnsembleGraph(8, connection.graph.edges[torch.as_tensor(keep)])
    sparse = Connection(graph, connection.maps[torch.as_tensor(keep)], connection.weights[torch.as_tensor(keep)])
    labels[[3, 7]] = 1
    result = synchronise_islands(sparse, labels)
    for i, j in [(0, 1), (0, 2), (4, 6), (5, 6), (3, 7)]:
        assert (result.gauges[i] @ result.gauges[j].T - planted.true_map(i, j)).abs().max() < 1e-9


def test_overlapping_islands_with_outliers():
    # Islands with correlated probe scores have close Procrustes weights, so dropping the 30%
    # outlier edges would scatter the degrees; imputing them keeps the islands recoverable.
    planted = planted_ensemble(30, 8, 3, noise=0.3, shared=0.8, generator=generator(0))
    connection = build_connection(planted.activity, complete_graph(30))
    corrupted, _ = corrupt_connection(connection, 0.3, labels=planted.labels, generator=generator(100))
    islands = find_islands(corrupted, 3)
    assert adjusted_rand_score(planted.labels, islands.labels) == 1.0


def test_planted_shared_out_of_range_rejected():
    with pytest.raises(ValueError, match="shared = 1.5 must lie in"):
        planted_ensemble(6, 3, 2, shared=1.5)
