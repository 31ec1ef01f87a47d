"""Tests of the Ricci-Yang-Mills flow of a monopole sphere and of flat tori."""

import math

import pytest
import torch
from scipy.integrate import solve_ivp

from geomwork.numeric import (
    UnstableStepError,
    monopole_surface_kernel,
    ricci_yang_mills_monopole_flow,
    ricci_yang_mills_torus_flow,
    torus_kernel,
)


def scale_ode(charge):
    """Round sphere of area 4 pi rho with the Dirac monopole: rho' = -2 + n^2/(2 rho)."""
    return lambda t, rho: -2 + charge ** 2 / (2 * rho)


def test_kernel_on_round_monopole_sphere():
    """On the unit sphere with the charge-n monopole, dg = (-2 + n^2/2) g and dA = 0."""
    kernel = monopole_surface_kernel()
    theta = torch.linspace(0.3, 2.8, 7, dtype=torch.float64)
    for charge in (1, 2, 3):
        a1 = charge / 2 * torch.sin(theta)
        a2 = charge / 2 * torch.cos(theta)
        zeros = torch.zeros_like(theta)
        rates = kernel(torch.stack([theta, zeros, zeros, zeros, a1, a2], dim=-1))
        # u_t = (dg/g)/2 for g = e^{2u} g_round
        assert torch.allclose(rates[:, 0], torch.full_like(theta, (-2 + charge ** 2 / 2) / 2))
        assert torch.allclose(rates[:, 1], zeros, atol=1e-14)


@pytest.mark.parametrize("charge, rho0", [(1, 1.0), (3, 1.0), (2, 0.5)])
def test_round_sphere_matches_scale_ode(charge, rho0):
    times = [0.0, 0.25, 0.5]
    solution = ricci_yang_mills_monopole_flow(0.5 * math.log(rho0), charge, times, points=64)
    reference = solve_ivp(scale_ode(charge), (0, times[-1]), [rho0], t_eval=times, rtol=1e-11,
                          atol=1e-12).y[0]
    rho = torch.exp(2 * solution.conformal_factors)
    for index, expected in enumerate(reference):
        assert torch.allclose(rho[index], torch.full_like(rho[index], expected), rtol=2e-3)
        assert float(solution.areas[index]) == pytest.approx(4 * math.pi * expected, rel=2e-3)


def test_round_sphere_space_convergence_order():
    errors = []
    reference = solve_ivp(scale_ode(1), (0, 0.5), [1.0], rtol=1e-11, atol=1e-12).y[0, -1]
    for points in (16, 32):
        solution = ricci_yang_mills_monopole_flow(0.0, 1, [0.0, 0.5], points=points, rtol=1e-9)
        errors.append(abs(float(torch.exp(2 * solution.conformal_factors[-1]).mean()) - reference))
    assert math.log2(errors[0] / errors[1]) == pytest.approx(2.0, abs=0.3)


def test_monopole_sphere_converges_to_fixed_point():
    """The unnormalised flow stops shrinking at the round sphere of area pi n^2."""
    solution = ricci_yang_mills_monopole_flow(lambda t: 0.1 * torch.cos(t) ** 2, 2, [0.0, 4.0],
                                              points=32, rtol=1e-6)
    # 32 cells put the discrete fixed point within 1% (second order in the cell size).
    assert float(solution.areas[-1]) == pytest.approx(math.pi * 4, rel=1.5e-2)
    assert float(solution.relative_spread(solution.gauss_curvatures)[-1]) < 1e-2


def test_normalized_flow_becomes_round():
    """Normalised flow on S^2: K tends to a constant and F = f vol_g with f constant."""
    def bumpy(theta):
        return 0.3 * (3 * torch.cos(theta) ** 2 - 1) / 2

    solution = ricci_yang_mills_monopole_flow(bumpy, 1, [0.0, 0.5, 3.0], points=32,
                                              normalized=True, rtol=1e-6)
    curvature_spread = solution.relative_spread(solution.gauss_curvatures)
    field_spread = solution.relative_spread(solution.field_strengths)
    assert curvature_spread[0] > 0.5
    assert curvature_spread[-1] < 2e-3
    assert field_spread[-1] < 2e-3
    assert torch.allclose(solution.areas, solution.areas[0].expand(3), rtol=1e-3)
    # Gauss-Bonnet and the Chern number are kept: K and f are constants 4 pi/A and 2 pi n/A.
    area = float(solution.areas[-1])
    assert float(solution.gauss_curvatures[-1].mean()) == pytest.approx(4 * math.pi / area, rel=5e-3)
    assert float(solution.field_strengths[-1].mean()) == pytest.approx(2 * math.pi / area, rel=5e-3)


def test_torus_matches_exact_and_scipy():
    metric = torch.tensor([[[2.0, 0.3], [0.3, 1.0]], [[1.0, 0.0], [0.0, 1.0]]], dtype=torch.float64)
    field = torch.tensor([0.7, 2.0], dtype=torch.float64)
    times = [0.0, 0.5, 2.0]
    solution = ricci_yang_mills_torus_flow(metric, field, times)
    assert torch.allclose(solution.metrics, solution.exact_metrics(), rtol=1e-7)

    def reduction(t, y, b=0.7):
        p, q, r = y
        det = p * q - r * r
        return [2 * b * b * p / det, 2 * b * b * q / det, 2 * b * b * r / det]

    reference = solve_ivp(reduction, (0, 2.0), [2.0, 1.0, 0.3], t_eval=times, rtol=1e-11, atol=1e-12)
    assert torch.allclose(solution.metrics[:, 0, 0, 0], torch.tensor(reference.y[0]), rtol=1e-7)
    assert torch.allclose(solution.metrics[:, 0, 0, 1], torch.tensor(reference.y[2]), rtol=1e-7)


def test_torus_kernel_is_symbolic_reduction():
    rates = torus_kernel()(torch.tensor([2.0, 1.0, 0.0, 1.0], dtype=torch.float64))
    assert torch.allclose(rates, torch.tensor([2.0, 1.0, 0.0], dtype=torch.float64))


def test_torus_rejects_bad_metric():
    with pytest.raises(ValueError, match="not positive definite .smallest eigenvalue -1"):
        ricci_yang_mills_torus_flow(torch.tensor([[1.0, 0.0], [0.0, -1.0]]), 1.0)
    with pytest.raises(ValueError, match="not symmetric"):
        ricci_yang_mills_torus_flow(torch.tensor([[1.0, 0.5], [0.0, 1.0]]), 1.0)


def test_monopole_rejects_bad_data():
    with pytest.raises(ValueError, match=r"slope u'\(0\), u'\(pi\).*needs u' = 0"):
        ricci_yang_mills_monopole_flow(lambda t: t, 1, [0.0, 0.1], points=16)
    with pytest.raises(ValueError, match="charge 2 on the northern patch needs 0 and 2"):
        ricci_yang_mills_monopole_flow(0.0, 2, [0.0, 0.1], points=16,
                                       potential=lambda t: 0.5 * (1 - torch.cos(t)))


def test_monopole_unstable_step_suggests_step():
    with pytest.raises(UnstableStepError, match=r"dt = 0.1: the stability bound is .*; use dt <= "):
        ricci_yang_mills_monopole_flow(0.0, 1, [0.0, 0.5], points=32, integrator="rk4", dt=0.1)
