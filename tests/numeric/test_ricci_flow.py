"""Tests of the Ricci flow of rotationally symmetric metrics on S^{n+1}."""

import itertools
import logging
import math

import pytest
import sympy
import torch

from geomwork.numeric import (
    GEOMETRIC_INTEGRATORS,
    ProfileError,
    RotationalMetric,
    UnstableStepError,
    ricci_flow,
    round_sphere_extinction_time,
)
from geomwork.symbolic import Chart, Metric, ricci_flow_rhs


def smooth_peanut(n):
    """A smooth elongated profile without a neck, resolved well on coarse grids."""
    return RotationalMetric(lambda x: 1 + 0.2 * torch.sin(x) ** 2,
                            lambda x: (torch.sin(x) + 0.1 * torch.sin(3 * x)) / 1.3, n)


@pytest.mark.parametrize("n", [1, 2])
def test_reduction_matches_symbolic_ricci_flow(n):
    """The arclength equations are -2 Ric of phi^2 dx^2 + psi^2 g_{S^n}, derived exactly."""
    names = "x theta" if n == 1 else "x theta phi"
    chart = Chart(names, name="warped")
    x, theta = chart.coordinates[:2]
    phi, psi = sympy.Function("phi")(x), sympy.Function("psi")(x)
    components = [phi ** 2, psi ** 2] + ([psi ** 2 * sympy.sin(theta) ** 2] if n == 2 else [])
    velocity = ricci_flow_rhs(Metric(chart, components, name="g"))

    psi_s = sympy.diff(psi, x) / phi
    psi_ss = sympy.diff(psi_s, x) / phi
    phi_rate = n * psi_ss / psi * phi
    psi_rate = psi_ss - (n - 1) * (1 - psi_s ** 2) / psi
    assert sympy.simplify(velocity[0, 0] - 2 * phi * phi_rate) == 0
    assert sympy.simplify(velocity[1, 1] - 2 * psi * psi_rate) == 0
    assert velocity[0, 1] == 0


@pytest.mark.parametrize("n, radius", [(1, 1.0), (1, 1.5), (2, 1.0), (2, 0.7)])
def test_round_sphere_extinction_time(n, radius):
    """Round S^{n+1} of radius r dies at r^2/(2n); for n = 1 that is A_0/(8 pi)."""
    metric = RotationalMetric.round_sphere(radius, n)
    solution = ricci_flow(metric, points=32)
    expected = round_sphere_extinction_time(radius, n + 1)
    assert solution.singularity == "extinction"
    assert solution.singular_time == pytest.approx(expected, rel=5e-3)
    if n == 1:
        assert expected == pytest.approx(metric.volume / (8 * math.pi), rel=1e-6)


def test_round_sphere_stays_round():
    """The profile stays (L/pi) sin(pi s/L), so the shape is self-similar."""
    solution = ricci_flow(RotationalMetric.round_sphere(1.0, 2), points=32, save_every=20)
    for index in range(len(solution.saved_times)):
        length = float(solution.saved_lengths[index])
        s = solution.arclength(index)
        round_profile = length / math.pi * torch.sin(math.pi * s / length)
        assert torch.allclose(solution.saved_profiles[index], round_profile, atol=2e-3 * length)


def test_rubinstein_sinclair_extinction_time():
    """T = A_0/(8 pi) = 0.217575 for the Rubinstein & Sinclair surface (arXiv:math/0406189).

    Area falls at rate 8 pi on any surface (Gauss-Bonnet), so T = A_0/(8 pi).  The scheme is
    second order in the grid spacing, so two grids combine by Richardson extrapolation.
    """
    metric = RotationalMetric.rubinstein_sinclair()
    assert metric.volume == pytest.approx(5.468264, rel=1e-6)
    coarse = ricci_flow(metric, points=32, curvature_ratio=30.0, rtol=1e-5)
    fine = ricci_flow(metric, points=64, curvature_ratio=30.0, rtol=1e-5)
    assert coarse.singularity == fine.singularity == "extinction"
    extrapolated = (4 * fine.singular_time - coarse.singular_time) / 3
    assert extrapolated == pytest.approx(0.217575, rel=5e-3)
    assert fine.singular_time == pytest.approx(0.217575, rel=1e-2)


def test_surface_area_falls_at_rate_8pi():
    solution = ricci_flow(smooth_peanut(1), points=96, t_end=0.05)
    rate = (solution.volumes[-1] - solution.volumes[0]) / (solution.times[-1] - solution.times[0])
    assert float(rate) == pytest.approx(-8 * math.pi, rel=2e-3)
    assert solution.stop_reason == "t_end"


def test_dumbbell_three_sphere_neckpinch():
    """A thin symmetric neck of S^3 pinches before the bulbs shrink (Angenent & Knopf 2004)."""
    metric = RotationalMetric.dumbbell(n=2, neck=0.3)
    solution = ricci_flow(metric, points=96)
    assert solution.singularity == "neckpinch"
    assert solution.neck_radii[-1] < 0.4 * solution.neck_radii[0]
    assert solution.saved_profiles[-1].max() > 0.7 * solution.saved_profiles[0].max()
    # The neck of radius a behaves like a cylinder, a^2 ~ a_0^2 - 2t, far before the bulbs die.
    assert 0.3 ** 2 / 2 * 0.8 < solution.singular_time < 0.3 ** 2 / 2 * 1.5
    assert solution.singular_time < round_sphere_extinction_time(0.77, 3) / 2


def test_surface_thin_neck_does_not_pinch():
    """Surfaces never pinch: the Rubinstein-Sinclair neck of radius 0.05 opens."""
    solution = ricci_flow(RotationalMetric.rubinstein_sinclair(), points=48, t_end=0.1)
    assert solution.stop_reason == "t_end"
    assert solution.neck_radii[-1] > 2 * solution.neck_radii[0] or math.isinf(solution.neck_radii[-1])


def observed_order(values):
    differences = [abs(a - b) for a, b in itertools.pairwise(values)]
    return math.log2(differences[0] / differences[1])


@pytest.mark.parametrize("n", [1, 2])
def test_space_convergence_order(n):
    """Differences of L(t) on grids of 32, 64, 128 intervals fall by 4: second order."""
    lengths = [float(ricci_flow(smooth_peanut(n), points=points, t_end=0.02, rtol=1e-10,
                                atol=1e-12).lengths[-1]) for points in (32, 64, 128)]
    assert observed_order(lengths) == pytest.approx(2.0, abs=0.25)


@pytest.mark.parametrize("name", ["euler", "heun", "rk3", "rk4"])
def test_time_convergence_order(name):
    scheme = GEOMETRIC_INTEGRATORS[name]
    metric = smooth_peanut(2)
    reference = ricci_flow(metric, points=16, t_end=0.02, integrator="rk4", dt=0.02 / 256)
    errors = []
    for steps in (16, 32):
        solution = ricci_flow(metric, points=16, t_end=0.02, integrator=name, dt=0.02 / steps)
        errors.append(float((solution.saved_profiles[-1] - reference.saved_profiles[-1]).abs().max()))
    order = math.log2(errors[0] / errors[1])
    assert order == pytest.approx(scheme.order, abs=0.35)


def test_profile_curve_of_round_sphere():
    solution = ricci_flow(RotationalMetric.round_sphere(2.0, 1), points=32, t_end=0.0)
    z, r = solution.profile_curve(0)
    assert float(z.max()) == pytest.approx(2.0, rel=5e-3)
    assert float(z.min()) == pytest.approx(-2.0, rel=5e-3)
    assert torch.allclose(z ** 2 + r ** 2, torch.full_like(z, 4.0), rtol=1e-2)
    x, y, height = solution.surface_of_revolution(0, angles=16)
    assert x.shape == y.shape == height.shape == (33, 16)


def test_callback_and_history():
    seen = []
    solution = ricci_flow(RotationalMetric.round_sphere(1.0, 1), points=16, t_end=0.01,
                          callback=lambda t, psi: seen.append(t))
    assert len(seen) == solution.steps
    assert seen[-1] == pytest.approx(0.01)
    assert solution.times.shape == solution.lengths.shape == (solution.steps + 1,)


def test_run_logs_start_and_stop(caplog):
    with caplog.at_level(logging.INFO, logger="geomwork.numeric.ricci_flow"):
        ricci_flow(RotationalMetric.round_sphere(1.0, 2), points=16)
    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("Ricci flow of") for message in messages)
    assert any("stopped (curvature)" in message and "extinction" in message for message in messages)


def test_profile_not_positive():
    with pytest.raises(ProfileError, match=r"psi\(.*\) = .* is not positive"):
        RotationalMetric(lambda x: torch.ones_like(x), lambda x: torch.sin(2 * x))
    with pytest.raises(ProfileError, match=r"phi\(.*\) = .* is not positive"):
        RotationalMetric(lambda x: torch.cos(x), lambda x: torch.sin(x))


def test_profile_not_closing_at_poles():
    with pytest.raises(ProfileError, match="psi = 1 at the first pole"):
        RotationalMetric(lambda x: torch.ones_like(x), lambda x: 1 + torch.sin(x))
    with pytest.raises(ProfileError, match=r"\|dpsi/ds\| = 2 at the first pole.*cone point"):
        RotationalMetric(lambda x: torch.ones_like(x), lambda x: 2 * torch.sin(x))
    with pytest.raises(ProfileError, match="orbit dimension n = 0 is invalid"):
        RotationalMetric(lambda x: torch.ones_like(x), lambda x: torch.sin(x), n=0)


def test_unstable_fixed_step_suggests_step():
    metric = RotationalMetric.round_sphere(1.0, 2)
    with pytest.raises(UnstableStepError, match=r"dt = 0.01: the stability bound is .*; use dt <= "):
        ricci_flow(metric, points=64, integrator="rk4", dt=0.01, t_end=0.1)


def test_fixed_step_needed_without_error_estimate():
    with pytest.raises(ValueError, match="'rk4' has no error estimate; pass a fixed dt="):
        ricci_flow(RotationalMetric.round_sphere(), integrator="rk4")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_ricci_flow_on_cuda_matches_cpu():
    metric = smooth_peanut(2)
    on_cpu = ricci_flow(metric, points=32, t_end=0.01, integrator="rk4", dt=1e-4)
    on_cuda = ricci_flow(metric, points=32, t_end=0.01, integrator="rk4", dt=1e-4, device="cuda")
    assert torch.allclose(on_cuda.saved_profiles[-1], on_cpu.saved_profiles[-1], atol=1e-12)
