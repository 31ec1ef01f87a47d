"""Tests of activity reduction, Procrustes maps, linear CKA and the input checks."""

import numpy as np
import pytest
import torch

from geomwork.attention import (
    complete_graph,
    EnsembleGraph,
    linear_cka,
    procrustes_map,
    random_orthogonal,
    reduce_activity,
    validate_activity,
)


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def test_linear_cka_reference_value():
    """Kornblith et al. 2019, reference notebook of google-research representation_similarity."""
    np.random.seed(1337)
    x = np.random.randn(100, 10)
    y = np.random.randn(100, 10) + x
    assert linear_cka(x, y) == pytest.approx(0.55761, abs=5e-6)


def test_linear_cka_invariances():
    x = torch.randn(80, 6, generator=generator(1), dtype=torch.float64)
    y = torch.randn(80, 5, generator=generator(2), dtype=torch.float64)
    rotation = random_orthogonal((), 6, generator=generator(3))
    reference = linear_cka(x, y)
    assert linear_cka(3.0 * x @ rotation + 2.0, y) == pytest.approx(reference, rel=1e-12)
    assert linear_cka(x, x) == pytest.approx(1.0, rel=1e-12)


def test_linear_cka_rejects_row_mismatch():
    with pytest.raises(ValueError, match="same number of rows"):
        linear_cka(np.ones((5, 2)), np.ones((6, 2)))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_procrustes_map_matches_svd_formula(dtype):
    source = torch.randn(50, 4, generator=generator(4), dtype=torch.float64)
    target = torch.randn(50, 4, generator=generator(5), dtype=torch.float64)
    found, residual = procrustes_map(source.to(dtype), target.to(dtype))
    # Independent route: O = V U^T from the SVD of S^T T = U S V^T.
    left, _, right_t = torch.linalg.svd(source.T @ target)
    expected = (left @ right_t).T
    tolerance = {torch.float64: 1e-12, torch.float32: 1e-5}[dtype]
    assert (found.to(torch.float64) - expected).abs().max() < tolerance
    misfit = (source @ expected.T - target).square().sum() / (source.square().sum() + target.square().sum())
    assert residual == pytest.approx(float(misfit), abs=10 * tolerance)


def test_procrustes_map_recovers_rotation():
    source = torch.randn(40, 5, generator=generator(6), dtype=torch.float64)
    rotation = random_orthogonal((), 5, generator=generator(7))
    found, residual = procrustes_map(source, source @ rotation.T)
    assert (found - rotation).abs().max() < 1e-12
    assert residual < 1e-24


def test_reduce_activity_is_centred_pca():
    width_a = torch.randn(60, 9, generator=generator(8), dtype=torch.float64)
    activities = {"a": width_a, "b": width_a[:, :7] * 2, "c": width_a + 1}
    names, reduced = reduce_activity(activities, 3, normalise=False)
    assert names == ["a", "b", "c"]
    assert reduced.shape == (3, 60, 3)
    assert reduced.mean(dim=1).abs().max() < 1e-12
    # PCA scores have uncorrelated columns of decreasing variance.
    covariance = reduced[0].T @ reduced[0]
    assert (covariance - torch.diag(torch.diagonal(covariance))).abs().max() < 1e-10
    assert torch.all(torch.diagonal(covariance)[:-1] >= torch.diagonal(covariance)[1:])
    # Centring removes the constant offset of network c.
    assert (reduced[2].abs() - reduced[0].abs()).abs().max() < 1e-10


def test_reduce_activity_normalises_scale():
    base = torch.randn(30, 4, generator=generator(9), dtype=torch.float64)
    _, reduced = reduce_activity([base, 10 * base, 0.1 * base], 2)
    rms = reduced.square().sum(dim=2).mean(dim=1).sqrt()
    assert torch.allclose(rms, torch.ones(3, dtype=torch.float64), atol=1e-12)


def test_reduce_activity_float32():
    base = torch.randn(30, 4, generator=generator(10))
    _, reduced = reduce_activity([base, base, base], 2, dtype=torch.float32)
    assert reduced.dtype == torch.float32


def test_too_few_networks_rejected():
    with pytest.raises(ValueError, match="at least three networks.*got 2"):
        validate_activity([np.ones((5, 3)), np.ones((5, 3))])


def test_mismatched_probe_rows_rejected():
    activities = {"alpha": np.ones((5, 3)), "beta": np.ones((5, 3)), "gamma": np.ones((6, 3))}
    with pytest.raises(ValueError, match="gamma has 6 probe rows but alpha has 5"):
        validate_activity(activities)


def test_mismatched_probe_ids_rejected():
    activities = {"alpha": np.ones((3, 3)), "beta": np.ones((3, 3)), "gamma": np.ones((3, 3))}
    probe_ids = {"alpha": [1, 2, 3], "beta": [1, 2, 3], "gamma": [1, 3, 2]}
    with pytest.raises(ValueError, match="probe set of gamma differs from that of alpha"):
        validate_activity(activities, probe_ids=probe_ids)


def test_d_larger_than_width_rejected():
    activities = {"wide": np.ones((10, 8)), "narrow": np.ones((10, 3)), "other": np.ones((10, 8))}
    with pytest.raises(ValueError, match="d = 4 is larger than the layer width 3 of narrow"):
        reduce_activity(activities, 4)


def test_nan_activity_rejected():
    bad = np.ones((10, 3))
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="activity of network 1 contains 1 NaN"):
        validate_activity([np.ones((10, 3)), bad, np.ones((10, 3))])


def test_disconnected_graph_rejected():
    edges = torch.tensor([[0, 1], [1, 2], [3, 4]])
    with pytest.raises(ValueError, match="disconnected \\(2 components\\): d cannot be reached from a"):
        EnsembleGraph(5, edges, ("a", "b", "c", "d", "e"))


def test_complete_graph_edge_count():
    assert complete_graph(6).n_edges == 15
