"""Tests of the heat-bath and overrelaxation Monte Carlo in geomwork.numeric."""

import io
import math

import numpy as np
import pytest
import scipy.special
import torch

from geomwork.numeric import (
    LatticeGaugeField,
    MarkovChain,
    binned_mean_error,
    heatbath_sweep,
    overrelaxation_sweep,
)
from geomwork.numeric._montecarlo import _sample_su2_heatbath, _sample_von_mises


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def plaquette_series(field, beta, thermalisation, sweeps, seed, overrelaxation_steps=1):
    chain = MarkovChain(field, beta, generator=seed, overrelaxation_steps=overrelaxation_steps)
    chain.run(thermalisation)
    return chain.run(sweeps, measure=lambda current: float(current.mean_plaquette()))


# Samplers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.3, 0.99, 1.0, 3.0, 12.0])
def test_su2_heatbath_sampler_mean(alpha):
    """Density exp(alpha a0) on S^3 has E a0 = I_2(alpha) / I_1(alpha)."""
    count = 40000
    samples = _sample_su2_heatbath(torch.full((count,), alpha, dtype=torch.float64), generator(1))
    assert torch.allclose(samples.norm(dim=-1), torch.ones(count, dtype=torch.float64))
    a0 = samples[:, 0]
    expected = scipy.special.iv(2, alpha) / scipy.special.iv(1, alpha)
    assert abs(float(a0.mean()) - expected) < 3 * float(a0.std()) / math.sqrt(count)
    # The vector part is isotropic.
    assert float(samples[:, 1:].mean(0).abs().max()) < 4 * float(samples[:, 1:].std()) / math.sqrt(count)


@pytest.mark.parametrize("kappa", [1e-6, 0.5, 2.0, 20.0])
def test_von_mises_sampler_mean(kappa):
    """Density exp(kappa cos psi) has E cos psi = I_1(kappa) / I_0(kappa) and E sin psi = 0."""
    count = 40000
    psi = _sample_von_mises(torch.full((count,), kappa, dtype=torch.float64), generator(2))
    assert float(psi.abs().max()) <= math.pi
    expected = scipy.special.iv(1, kappa) / scipy.special.iv(0, kappa)
    assert abs(float(torch.cos(psi).mean()) - expected) < 3 * float(torch.cos(psi).std()) / math.sqrt(count)
    assert abs(float(torch.sin(psi).mean())) < 4 * float(torch.sin(psi).std()) / math.sqrt(count)


# Exact results in two dimensions ------------------------------------------------------------


def u1_torus_mean_cos(beta, plaquettes):
    """<cos theta_p> on a periodic 2D torus: Z = sum_n I_n^V, <cos> = sum_n (I_{n-1}+I_{n+1})/2 I_n^{V-1} / Z."""
    n = np.arange(-40, 41)
    bessel = scipy.special.iv(n, beta)
    neighbours = 0.5 * (scipy.special.iv(n - 1, beta) + scipy.special.iv(n + 1, beta))
    return float(np.sum(neighbours * bessel ** (plaquettes - 1)) / np.sum(bessel**plaquettes))


def test_u1_torus_formula_value():
    """The finite-volume formula at beta = 2, V = 16 (Bonati & Rossi, arXiv:1901.09830)."""
    assert u1_torus_mean_cos(2.0, 16) == pytest.approx(0.69925193, abs=5e-9)


def test_u1_2d_plaquette_matches_exact_finite_volume():
    """2D U(1) at beta = 2 on a 4 x 4 torus (V = 16): exact <cos theta_p> = 0.69925193."""
    series = plaquette_series(LatticeGaugeField.unit((4, 4), "u1"), 2.0, 100, 2000, seed=3)
    mean, error = binned_mean_error(series, n_bins=20)
    assert abs(mean - u1_torus_mean_cos(2.0, 16)) < 3 * error
    assert error < 0.005


def test_su2_2d_plaquette_matches_bessel_ratio():
    """2D SU(2) at beta = 2: <1/2 tr U_p> = I_2(beta)/I_1(beta) = 0.43312743; the 8 x 8 torus differs by far less than the error."""
    series = plaquette_series(LatticeGaugeField.unit((8, 8), "su2"), 2.0, 50, 800, seed=4)
    mean, error = binned_mean_error(series, n_bins=20)
    expected = scipy.special.iv(2, 2.0) / scipy.special.iv(1, 2.0)
    assert expected == pytest.approx(0.43312743, abs=1e-8)
    assert abs(mean - expected) < 3 * error
    assert error < 0.003


def su3_single_plaquette_mean(beta, points=96):
    """<Re tr U / 3> for the weight exp((beta/3) Re tr U) on SU(3), by Weyl's integration formula.

    The eigenvalue angles are (a, b, -a-b) and the Haar density is prod_{i<j} |e^{i t_i} - e^{i t_j}|^2;
    the periodic trapezoid rule converges exponentially.
    """
    grid = 2 * np.pi * np.arange(points) / points
    a, b = np.meshgrid(grid, grid, indexing="ij")
    angles = [a, b, -a - b]
    density = np.ones_like(a)
    for i in range(3):
        for j in range(i + 1, 3):
            density *= np.abs(np.exp(1j * angles[i]) - np.exp(1j * angles[j])) ** 2
    real_trace = sum(np.cos(angle) for angle in angles) / 3
    weight = density * np.exp(beta * real_trace)
    return float(np.sum(real_trace * weight) / np.sum(weight))


def test_su3_2d_plaquette_matches_single_plaquette_integral():
    """In 2D infinite volume the plaquettes are independent, so Cabibbo–Marinari must reproduce the one-plaquette integral."""
    beta = 4.0
    series = plaquette_series(LatticeGaugeField.unit((8, 8), "su3"), beta, 50, 600, seed=5)
    mean, error = binned_mean_error(series, n_bins=20)
    assert abs(mean - su3_single_plaquette_mean(beta)) < 3 * error
    assert error < 0.003


# Updates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["u1", "su2", "su3"])
def test_overrelaxation_keeps_action(name):
    field = LatticeGaugeField.random((4, 4, 2), name, generator=generator(6))
    heatbath_sweep(field, 2.0, generator(7))
    before = float(field.wilson_action(2.0))
    overrelaxation_sweep(field)
    field.check()
    assert float(field.wilson_action(2.0)) == pytest.approx(before, rel=1e-12)


@pytest.mark.parametrize("name", ["u1", "su2", "su3", "su4"])
def test_heatbath_keeps_links_in_group(name):
    field = LatticeGaugeField.random((2, 2, 2, 2), name, generator=generator(8))
    for _ in range(3):
        heatbath_sweep(field, 5.0, generator(9))
    field.check()


def test_heatbath_complex64():
    field = LatticeGaugeField.unit((4, 4), "su3", dtype=torch.complex64)
    chain = MarkovChain(field, 4.0, generator=10)
    chain.run(5)
    assert chain.field.dtype == torch.complex64
    chain.field.check()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_chain_runs_and_resumes():
    start = LatticeGaugeField.unit((4, 4, 2, 2), "su3", device="cuda")
    straight = MarkovChain(start, 5.0, generator=17)
    straight.run(4)
    first = MarkovChain(start, 5.0, generator=17)
    first.run(2)
    resumed = MarkovChain.from_state_dict(first.state_dict())
    resumed.run(2)
    assert torch.equal(resumed.field.links, straight.field.links)
    resumed.field.check()


def test_heatbath_rejects_odd_extent():
    field = LatticeGaugeField.unit((4, 5), "su2")
    with pytest.raises(ValueError, match=r"lattice extent L_1 = 5 is odd; checkerboard updates need an even extent"):
        heatbath_sweep(field, 2.0, generator(11))


def test_chain_rejects_bad_parameters():
    field = LatticeGaugeField.unit((4, 4), "su2")
    with pytest.raises(ValueError, match=r"MarkovChain beta = -1.0 is invalid; the coupling must be positive"):
        MarkovChain(field, -1.0, generator=1)
    with pytest.raises(ValueError, match=r"overrelaxation_steps = -1 .* use overrelaxation_steps >= 0"):
        MarkovChain(field, 1.0, generator=1, overrelaxation_steps=-1)


# Checkpoints --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["u1", "su3"])
def test_resumed_chain_is_identical(name):
    """A chain saved after 4 sweeps and resumed for 5 gives bit-identical links to 9 straight sweeps."""
    start = LatticeGaugeField.random((4, 2, 2, 4), name, generator=generator(12))
    straight = MarkovChain(start, 5.0, generator=13, reunitarise_every=3)
    straight.run(9)

    first = MarkovChain(start, 5.0, generator=13, reunitarise_every=3)
    first.run(4)
    buffer = io.BytesIO()
    torch.save(first.state_dict(), buffer)
    buffer.seek(0)
    resumed = MarkovChain.from_state_dict(torch.load(buffer))
    resumed.run(5)

    assert resumed.sweeps == 9
    assert torch.equal(resumed.field.links, straight.field.links)


def test_state_dict_does_not_alias_chain():
    chain = MarkovChain(LatticeGaugeField.unit((2, 2), "su2"), 2.0, generator=14)
    state = chain.state_dict()
    chain.run(1)
    assert torch.equal(state["links"], LatticeGaugeField.unit((2, 2), "su2").links)


def test_from_state_dict_names_missing_keys():
    with pytest.raises(ValueError, match=r"MarkovChain state is missing \['beta', 'generator_state'"):
        MarkovChain.from_state_dict({"links": None, "group": "su2", "sweeps": 0, "overrelaxation_steps": 1, "reunitarise_every": 1})


def test_run_reports_progress():
    class Counter:
        total = 0

        def update(self, n):
            self.total += n

    counter = Counter()
    chain = MarkovChain(LatticeGaugeField.unit((2, 2), "u1"), 1.0, generator=15)
    measurements = chain.run(3, measure=lambda field: 1, progress=counter)
    assert counter.total == 3
    assert measurements == [1, 1, 1]


# Statistics ---------------------------------------------------------------------------------


def test_binned_error_of_independent_samples():
    samples = torch.randn(4000, generator=generator(16), dtype=torch.float64)
    mean, error = binned_mean_error(samples, n_bins=40)
    assert error == pytest.approx(1 / math.sqrt(4000), rel=0.35)
    assert abs(mean) < 4 * error
    with pytest.raises(ValueError, match="binned_mean_error got 10 samples for 20 bins; give at least 2 per bin"):
        binned_mean_error(samples[:10], n_bins=20)
