"""Tests of the Wilson flow and cooling in geomwork.numeric."""

import math

import numpy as np
import pytest
import torch

from geomwork.numeric import (
    INTEGRATORS,
    FlowHistory,
    LatticeGaugeField,
    MarkovChain,
    cool,
    find_t0,
    find_w0,
    wilson_flow,
    wilson_flow_force,
)


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.fixture(scope="module")
def su2_field():
    """A 4^4 SU(2) configuration after a few heat-bath sweeps at beta = 2.3."""
    chain = MarkovChain(LatticeGaugeField.unit((4, 4, 4, 4), "su2"), 2.3, generator=1)
    chain.run(5)
    return chain.field


@pytest.fixture(scope="module")
def convergence_reference():
    """A small SU(2) configuration and its flow to t = 0.2 with RK3 at step 0.001."""
    chain = MarkovChain(LatticeGaugeField.unit((4, 2, 2, 2), "su2"), 2.3, generator=1)
    chain.run(5)
    reference, _ = wilson_flow(chain.field, 0.2, 0.001, integrator="rk3", measure_every=1000)
    return chain.field, reference


@pytest.mark.parametrize("name", sorted(INTEGRATORS))
def test_integrator_convergence_order(name, convergence_reference):
    """Fit log(error) against log(step) at t = 0.2; the slope is the scheme's order.

    The steps are small enough that higher-order terms shift the slope by less than 0.25
    (RK3 gives local slopes 3.25 and 3.13 between 0.05, 0.025 and 0.0125).
    """
    field, reference = convergence_reference
    scheme = INTEGRATORS[name]
    steps = [0.05, 0.025, 0.0125]
    errors = []
    for step in steps:
        flowed, _ = wilson_flow(field, 0.2, step, integrator=name, measure_every=1000)
        errors.append(float((flowed.links - reference.links).abs().max()))
    slope = np.polyfit(np.log(steps), np.log(errors), 1)[0]
    assert abs(slope - scheme.order) < 0.3, f"{name}: errors {errors}, slope {slope:.3f}"


@pytest.mark.parametrize("name", ["u1", "su2", "su3"])
def test_flow_action_never_increases(name):
    field = LatticeGaugeField.random((4, 4, 2, 2), name, generator=generator(2))
    _, history = wilson_flow(field, 2.0, 0.05)
    assert np.all(np.diff(history.action) <= 1e-12 * history.action[0])
    assert history.action[-1] < 0.5 * history.action[0]


@pytest.mark.parametrize("name", ["u1", "su2", "su3"])
def test_cooling_action_never_increases(name):
    field = LatticeGaugeField.random((4, 4, 2, 2), name, generator=generator(3))
    cooled, history = cool(field, 6)
    assert np.all(np.diff(history.action) <= 1e-12 * history.action[0])
    assert history.t == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    cooled.check()


@pytest.mark.parametrize("name", ["u1", "su2", "su3"])
def test_force_is_negative_gradient(name):
    """dS/ds along U -> exp(sX) U equals -(beta/2N) sum <X, Z> with <X, Y> = -2 tr(XY)."""
    field = LatticeGaugeField.random((2, 4, 2), name, generator=generator(4))
    beta = 1.7
    direction = field.group.random_algebra(field.links.shape[:-2], generator=generator(5))
    force = wilson_flow_force(field)
    predicted = -beta / (2 * field.n) * float(field.group.inner(direction, force).sum())

    h = 1e-5
    plus = field.with_links(field.group.exp(h * direction) @ field.links).wilson_action(beta)
    minus = field.with_links(field.group.exp(-h * direction) @ field.links).wilson_action(beta)
    assert float((plus - minus) / (2 * h)) == pytest.approx(predicted, rel=1e-7)


def test_flow_is_gauge_covariant(su2_field):
    gauge = su2_field.group.random(su2_field.extents, generator=generator(6))
    flowed_then_transformed = wilson_flow(su2_field, 0.3, 0.05)[0].gauge_transform(gauge)
    transformed_then_flowed = wilson_flow(su2_field.gauge_transform(gauge), 0.3, 0.05)[0]
    assert torch.allclose(flowed_then_transformed.links, transformed_then_flowed.links, atol=1e-12)


def test_flow_history_contents(su2_field):
    counter = []

    class Progress:
        def update(self, n):
            counter.append(n)

    flowed, history = wilson_flow(su2_field, 0.5, 0.05, measure_every=4, progress=Progress())
    assert len(counter) == 10
    assert history.t == pytest.approx([0.0, 0.2, 0.4, 0.5])
    assert len(history.topological_charge) == 4
    assert history.topological_charge[-1] == pytest.approx(float(flowed.topological_charge()))
    assert history.energy_clover[0] == pytest.approx(float(su2_field.mean_energy_density()))
    assert history.t2e()[-1] == pytest.approx(0.25 * history.energy_clover[-1])
    flowed.check()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_flow_matches_cpu(su2_field):
    on_cpu, _ = wilson_flow(su2_field, 0.1, 0.05)
    on_device, _ = wilson_flow(su2_field.to("cuda"), 0.1, 0.05)
    assert torch.allclose(on_device.links.cpu(), on_cpu.links, atol=1e-12)


def test_flow_rejects_partial_step(su2_field):
    with pytest.raises(ValueError, match=r"t_max = 0.33 is not a whole number of steps of 0.1; use t_max = 0.3"):
        wilson_flow(su2_field, 0.33, 0.1)
    with pytest.raises(ValueError, match=r"unknown flow integrator 'rk4'; use one of \['euler', 'rk3'\]"):
        wilson_flow(su2_field, 0.3, 0.1, integrator="rk4")


def test_cooling_rejects_odd_extent():
    with pytest.raises(ValueError, match="lattice extent L_0 = 3 is odd; cooling sweeps need an even extent"):
        cool(LatticeGaugeField.unit((3, 4), "su2"), 1)


# Scale setting ------------------------------------------------------------------------------


def synthetic_history(t2e_of_t, times):
    history = FlowHistory()
    for t in times:
        history.t.append(t)
        history.energy_clover.append(t2e_of_t(t) / t**2 if t > 0 else 0.0)
        history.energy_plaquette.append(history.energy_clover[-1])
    return history


def test_t0_and_w0_of_linear_t2e():
    """t^2 E = c t gives t0 = 0.3 / c and t d/dt(t^2 E) = c t, so w0^2 = 0.3 / c; interpolation is exact."""
    c = 0.17
    history = synthetic_history(lambda t: c * t, np.arange(0, 4.01, 0.1))
    assert find_t0(history) == pytest.approx(0.3 / c, rel=1e-12)
    assert find_w0(history) == pytest.approx(math.sqrt(0.3 / c), rel=1e-12)


def test_t0_and_w0_of_quadratic_t2e():
    """t^2 E = a t^2: t0 = sqrt(0.3 / a) and w0^2 = sqrt(0.15 / a), up to the interpolation error."""
    a = 0.05
    history = synthetic_history(lambda t: a * t * t, np.arange(0, 6.01, 0.02))
    assert find_t0(history) == pytest.approx(math.sqrt(0.3 / a), rel=1e-4)
    assert find_w0(history) == pytest.approx(math.sqrt(math.sqrt(0.15 / a)), rel=1e-4)


def test_t0_not_reached():
    history = synthetic_history(lambda t: 0.01 * t, np.arange(0, 1.01, 0.1))
    with pytest.raises(ValueError, match=r"t\^2 E\(t\) never reaches 0.3 on the measured range t = \[0, 1\].*flow further"):
        find_t0(history)
