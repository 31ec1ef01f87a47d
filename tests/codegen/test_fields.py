"""Field kernels of connections against exact values of the symbolic layer."""

import itertools

import mpmath
import pytest
import torch

from geomwork.codegen import connection_kernel, connection_kernels
from geomwork.symbolic import bpst, thooft_eta, wu_yang_monopole

TOLERANCES = {torch.float64: 1e-12, torch.float32: 1e-5}


def _points(dtype, count=64, dim=4, seed=7):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(count, dim, generator=generator, dtype=torch.float64).to(dtype)


def _bpst_density(point, rho):
    with mpmath.workdps(30):
        x2 = sum(mpmath.mpf(float(v)) ** 2 for v in point)
        return float(48 * mpmath.mpf(rho) ** 4 / (x2 + mpmath.mpf(rho) ** 2) ** 4)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_bpst_action_density_kernel(dtype):
    kernel = connection_kernel(bpst(), "action-density", use_cache=False)
    points = _points(dtype)
    values = kernel(points, rho=0.8)
    assert values.dtype == dtype
    expected = torch.tensor([_bpst_density(p, 0.8) for p in points.double()], dtype=torch.float64)
    torch.testing.assert_close(values.double(), expected, rtol=TOLERANCES[dtype], atol=0)


def test_bpst_field_strength_kernel_is_thooft_symbol():
    kernel = connection_kernel(bpst(), "field-strength", use_cache=False)
    points = _points(torch.float64)
    values = kernel(points, rho=1.3)
    assert values.shape == (64, 3, 4, 4)
    x2 = (points ** 2).sum(-1)
    profile = -4 * 1.3 ** 2 / (x2 + 1.3 ** 2) ** 2
    for a, mu, nu in itertools.product(range(3), range(4), range(4)):
        expected = thooft_eta(a, mu, nu) * profile
        torch.testing.assert_close(values[:, a, mu, nu], expected, rtol=1e-12, atol=1e-15)


def test_instanton_density_of_self_dual_field():
    """Self-dual: q = (1/4) F F / (8 pi^2) pointwise."""
    kernels = connection_kernels(bpst(), ["action-density", "instanton-density"], use_cache=False)
    points = _points(torch.float64)
    density = kernels["action-density"](points, rho=1.0)
    charge = kernels["instanton-density"](points, rho=1.0)
    torch.testing.assert_close(charge, density / (8 * torch.pi ** 2), rtol=1e-12, atol=0)


def test_potential_kernel_shape_and_gradient():
    kernel = connection_kernel(bpst(), "potential", defaults={"rho": 1.0}, use_cache=False)
    points = _points(torch.float64, count=8).requires_grad_()
    assert kernel(points).shape == (8, 3, 4)
    assert torch.autograd.gradcheck(lambda x: kernel(x), (points,))


def test_wu_yang_field_strength_kernel():
    kernel = connection_kernel(wu_yang_monopole(), "field-strength", use_cache=False)
    points = _points(torch.float64, dim=3)
    values = kernel(points)
    r4 = (points ** 2).sum(-1) ** 2
    epsilon = {(0, 1): 2, (0, 2): 1, (1, 2): 0}
    signs = {(0, 1): 1, (0, 2): -1, (1, 2): 1}
    for a, (i, j) in itertools.product(range(3), epsilon):
        expected = -signs[i, j] * points[:, a] * points[:, epsilon[i, j]] / r4
        torch.testing.assert_close(values[:, a, i, j], expected, rtol=1e-12, atol=1e-15)


def test_unknown_quantity_is_rejected():
    with pytest.raises(ValueError, match="unknown field quantity 'energy'; choose one of potential"):
        connection_kernel(bpst(), "energy", use_cache=False)


def test_instanton_density_needs_four_dimensions():
    with pytest.raises(ValueError, match="needs a 4-dimensional base"):
        connection_kernel(wu_yang_monopole(), "instanton-density", use_cache=False)
