"""Tests of the batched flows that find principal components."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from geomwork.numeric import (
    CovarianceError,
    brockett_flow,
    check_covariance,
    ellipsoid_volume,
    log_det_ascent,
    oja_flow,
    wedge_norm,
)


def random_covariances(batch, n, seed=0, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    scales = torch.linspace(3.0, 0.5, n, dtype=dtype)
    samples = torch.randn(batch, 4 * n, n, generator=generator, dtype=dtype) * scales
    return samples.mT @ samples / (4 * n)


def top_projector(covariance, k):
    _, vectors = torch.linalg.eigh(covariance)
    top = vectors[..., -k:]
    return top @ top.mT


def test_brockett_converges_to_sorted_eigenvalues():
    """Brockett (1991): H tends to the eigenvalues ordered like diag(N), descending here."""
    covariance = random_covariances(6, 5)
    result = brockett_flow(covariance, steps=20000, tolerance=1e-10)
    expected = torch.linalg.eigvalsh(covariance).flip(-1)
    assert torch.allclose(result.eigenvalues, expected, atol=1e-8)
    # The frame columns are eigenvectors: C v = lambda v.
    assert torch.allclose(covariance @ result.frame, result.frame * result.eigenvalues[..., None, :],
                          atol=1e-6)


def test_brockett_is_isospectral_and_ascends():
    covariance = random_covariances(3, 4, seed=1)
    result = brockett_flow(covariance, steps=200, save_every=10)
    spectra = torch.linalg.eigvalsh(result.trajectory)
    assert torch.allclose(spectra, spectra[0].expand_as(spectra), atol=1e-12)
    assert bool((result.objective.diff(dim=0) >= -1e-12).all())
    assert result.trajectory.shape == (21, 3, 4, 4)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_oja_converges_to_principal_subspace(k):
    """Yan, Helmke & Moore (1994): W W^T tends to the projector on the top-k eigenspace."""
    covariance = random_covariances(5, 6, seed=2)
    result = oja_flow(covariance, k, steps=20000, tolerance=1e-10, seed=3)
    assert torch.allclose(result.frame @ result.frame.mT, top_projector(covariance, k), atol=1e-7)
    assert torch.allclose(result.frame.mT @ result.frame, torch.eye(k, dtype=torch.float64), atol=1e-9)
    expected = torch.linalg.eigvalsh(covariance).flip(-1)[..., :k]
    assert torch.allclose(result.eigenvalues, expected, atol=1e-8)


def test_log_det_maximum_is_sum_of_top_logs():
    """Miao & Hua (1998): max log det(U^T C U) = log 5 + log 3 for eigenvalues 5, 3, 2, 1."""
    covariance = torch.diag(torch.tensor([2.0, 5.0, 1.0, 3.0], dtype=torch.float64))
    result = log_det_ascent(covariance, 2, steps=5000, tolerance=1e-12, seed=0)
    assert float(result.objective[-1]) == pytest.approx(2.70805020, abs=1e-8)
    assert float(result.ellipsoid_volume) == pytest.approx(math.pi * math.sqrt(15), rel=1e-8)


def test_log_det_batched_principal_subspace():
    covariance = random_covariances(4, 6, seed=4)
    result = log_det_ascent(covariance, 2, steps=5000, tolerance=1e-11)
    expected = torch.linalg.eigvalsh(covariance)[..., -2:].log().sum(-1)
    assert torch.allclose(result.objective[-1], expected, atol=1e-10)
    assert torch.allclose(result.frame @ result.frame.mT, top_projector(covariance, 2), atol=1e-6)
    assert bool((result.objective.diff(dim=0) >= -1e-12).all())


def test_binet_cauchy_wedge_equals_gram_determinant():
    """||C^(1/2)u_1 ^ ... ^ C^(1/2)u_k||^2 = det(U^T C U), summed over the k x k minors."""
    covariance = random_covariances(3, 5, seed=5)
    generator = torch.Generator().manual_seed(6)
    frame = torch.linalg.qr(torch.randn(3, 5, 3, generator=generator, dtype=torch.float64)).Q
    eigenvalues, vectors = torch.linalg.eigh(covariance)
    root = vectors @ torch.diag_embed(eigenvalues.sqrt()) @ vectors.mT
    wedge = wedge_norm(root @ frame)
    unit_ball = 4 * math.pi / 3
    assert torch.allclose(unit_ball * wedge, ellipsoid_volume(covariance, frame), rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 5), data=st.data())
def test_binet_cauchy_for_any_frame(n, data):
    k = data.draw(st.integers(1, n))
    seed = data.draw(st.integers(0, 2 ** 31 - 1))
    generator = torch.Generator().manual_seed(seed)
    vectors = torch.randn(n, k, generator=generator, dtype=torch.float64)
    gram = torch.linalg.det(vectors.mT @ vectors)
    assert float(wedge_norm(vectors)) == pytest.approx(math.sqrt(float(gram)), rel=1e-9)


def test_principal_frame_has_largest_ellipsoid_volume():
    covariance = random_covariances(2, 5, seed=7)
    result = oja_flow(covariance, 2, steps=20000, tolerance=1e-10)
    top = torch.linalg.eigvalsh(covariance)[..., -2:]
    assert torch.allclose(result.ellipsoid_volume, math.pi * top.prod(-1).sqrt(), rtol=1e-8)
    generator = torch.Generator().manual_seed(8)
    for _ in range(5):
        frame = torch.linalg.qr(torch.randn(2, 5, 2, generator=generator, dtype=torch.float64)).Q
        assert bool((ellipsoid_volume(covariance, frame) <= result.ellipsoid_volume + 1e-12).all())


def test_flows_run_in_float32():
    covariance = random_covariances(2, 4, seed=9, dtype=torch.float32)
    result = oja_flow(covariance, 2, steps=5000, tolerance=1e-5)
    assert result.frame.dtype == torch.float32
    assert torch.allclose(result.frame @ result.frame.mT, top_projector(covariance, 2), atol=1e-3)


def test_callback_sees_every_step():
    seen = []
    brockett_flow(random_covariances(1, 3), steps=7, callback=lambda step, h: seen.append(step))
    assert seen == list(range(1, 8))


def test_covariance_not_symmetric():
    matrix = torch.eye(3, dtype=torch.float64).expand(2, 3, 3).clone()
    matrix[1, 0, 2] = 0.5
    with pytest.raises(CovarianceError, match=r"covariance\(1,\) is not symmetric.*pass \(C \+ C\^T\)/2"):
        check_covariance(matrix)


def test_covariance_not_positive_semidefinite():
    matrix = torch.diag(torch.tensor([1.0, -0.5, 2.0], dtype=torch.float64))
    with pytest.raises(CovarianceError, match="not positive semidefinite: its smallest eigenvalue is -0.5"):
        oja_flow(matrix, 1)


def test_log_det_rejects_low_rank():
    matrix = torch.diag(torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64))
    check_covariance(matrix)
    with pytest.raises(CovarianceError, match="log det needs a covariance of rank >= k = 2"):
        log_det_ascent(matrix, 2)


def test_invalid_subspace_dimension():
    with pytest.raises(ValueError, match="k = 4 is invalid for 3x3 covariances"):
        oja_flow(torch.eye(3, dtype=torch.float64), 4)
    with pytest.raises(ValueError, match="needs 3 distinct diagonal entries"):
        brockett_flow(torch.eye(3, dtype=torch.float64), diagonal=[1.0, 1.0, 2.0])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_flows_on_cuda_match_cpu():
    covariance = random_covariances(3, 5, seed=10)
    for flow in (lambda c: oja_flow(c, 2, steps=200), lambda c: log_det_ascent(c, 2, steps=200),
                 lambda c: brockett_flow(c, steps=200)):
        on_cpu = flow(covariance)
        on_cuda = flow(covariance.cuda())
        assert torch.allclose(on_cuda.eigenvalues.cpu(), on_cpu.eigenvalues, atol=1e-9)
