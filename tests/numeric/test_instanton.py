"""Continuum connections on the lattice: link convention, order of accuracy and the BPST instanton."""

import math

import pytest
import torch

from geomwork.codegen import connection_kernel
from geomwork.numeric import (
    SU2,
    InstantonHistory,
    discretise_connection,
    instanton_action,
    link_transporters,
    relax_instanton,
)
from geomwork.symbolic import bpst

# su(2) basis T_a = -(i/2) sigma_a, the basis of geomwork.symbolic.su(2).
GENERATORS = torch.tensor(
    [[[0, -0.5j], [-0.5j, 0]], [[0, -0.5], [0.5, 0]], [[-0.5j, 0], [0, 0.5j]]], dtype=torch.complex128
)
POINT = torch.tensor([0.3, -0.2, 0.5, 0.1], dtype=torch.float64)


def twisting_potential(x):
    """A potential whose values along a line do not commute, shape (..., 3, 4).

    The BPST potential A_mu along direction mu keeps a fixed direction in su(2), so it cannot
    tell the path order apart.
    """
    components = torch.stack([torch.cos(2 * x), torch.sin(3 * x), x * x], dim=-2)
    return components + x.sum(-1)[..., None, None]


@pytest.fixture(scope="module")
def regular_kernels():
    connection = bpst(gauge="regular")
    return connection, connection_kernel(connection, "potential"), connection_kernel(connection, "field-strength")


@pytest.fixture(scope="module")
def singular_instanton():
    """A singular-gauge BPST instanton of size 2a centred on a hypercube of an 8^4 lattice."""
    connection = bpst(gauge="singular")
    centre = 3.5
    return discretise_connection(connection, (8, 8, 8, 8), 1.0, origin=[-centre] * 4, parameters={"rho": 2.0})


def _clover_error(connection, potential, field_strength, spacing):
    """Return max |G_mu_nu / a^2 - F_mu_nu| at POINT, the centre site of a 4^4 patch."""
    field = discretise_connection(
        connection, (4, 4, 4, 4), spacing, origin=(POINT - 2 * spacing).tolist(), parameters={"rho": 1.0},
        potential=potential,
    )
    exact = field_strength(POINT, rho=1.0).to(torch.complex128)
    error = 0.0
    for mu in range(4):
        for nu in range(mu + 1, 4):
            clover = field.clover(mu, nu)[2, 2, 2, 2] / spacing**2
            continuum = torch.einsum("a,aij->ij", exact[:, mu, nu], GENERATORS)
            error = max(error, float((clover - continuum).abs().max()))
    return error


def test_clover_converges_to_field_strength_at_order_two(regular_kernels):
    """The clover G_mu_nu(x) / a^2 approaches F_mu_nu(x) of the kernel with error O(a^2).

    A wrong sign of A in the link exponent or the reversed path order would leave an O(1)
    or O(a) error in the commutator part of F.
    """
    spacings = [0.2, 0.1, 0.05]
    errors = [_clover_error(*regular_kernels, spacing) for spacing in spacings]
    slopes = [math.log(errors[i] / errors[i + 1]) / math.log(2.0) for i in range(len(errors) - 1)]
    assert errors[-1] < 5e-3
    for slope in slopes:
        assert slope == pytest.approx(2.0, abs=0.15)


def test_link_magnus_step_has_order_four():
    """The Gauss-Legendre Magnus rule's link error falls as substeps^-4 against a fine reference."""
    start = POINT.unsqueeze(0)

    def link(substeps):
        return link_transporters(twisting_potential, GENERATORS, start, 1, 0.5, substeps=substeps)

    reference = link(64)
    errors = [float((link(substeps) - reference).abs().max()) for substeps in (2, 4, 8)]
    slopes = [math.log(errors[i] / errors[i + 1]) / math.log(2.0) for i in range(2)]
    for slope in slopes:
        assert slope == pytest.approx(4.0, abs=0.3)


def test_link_solves_transport_equation():
    """dU/ds = U A_mu(x + s mu): splitting a segment multiplies the halves left to right."""
    potential = twisting_potential
    start = POINT.unsqueeze(0)
    middle = start.clone()
    middle[0, 2] += 0.3
    whole = link_transporters(potential, GENERATORS, start, 2, 0.6, substeps=16)
    first = link_transporters(potential, GENERATORS, start, 2, 0.3, substeps=8)
    second = link_transporters(potential, GENERATORS, middle, 2, 0.3, substeps=8)
    ordered_error = float((whole - first @ second).abs().max())
    reversed_error = float((whole - second @ first).abs().max())
    assert ordered_error < 1e-10
    assert reversed_error > 1e3 * ordered_error


def test_discretised_instanton_action_and_charge(singular_instanton):
    """Initial g0^2 S_W / 8 pi^2 and Q of the BPST instanton (rho = 2a, box 8a).

    Bounds: the box keeps about 1 - 3 rho^4 / R^4 = 0.81 of the charge (R = 4a, half the box),
    the clover charge loses a further few per cent at rho = 2a, and the periodic boundary
    cuts the singular-gauge tail, which adds action.  Measured: S = 1.185, Q = 0.800.
    """
    action = instanton_action(singular_instanton)
    charge = float(singular_instanton.topological_charge())
    assert 1.0 < action < 1.3
    assert 0.7 < charge < 0.9


def test_instanton_under_short_flow(singular_instanton):
    """Under the Wilson flow to t = 0.3a^2 the action falls monotonically and Q stays put.

    Measured: S/8 pi^2 from 1.185 to 1.058, Q from 0.800 to 0.799.
    """
    _, history = relax_instanton(singular_instanton, "wilson-flow", t_max=0.3, step=0.1)
    assert isinstance(history, InstantonHistory)
    steps = history.action[1:] - history.action[:-1]
    assert bool((steps < 0).all())
    assert 0.95 < float(history.action[-1]) < 1.15
    assert float((history.topological_charge - history.topological_charge[0]).abs().max()) < 0.02


def test_instanton_under_cooling(singular_instanton):
    """Two cooling sweeps lower the action and keep Q within 0.05 of its start value."""
    _, history = relax_instanton(singular_instanton, "cooling", sweeps=2)
    assert float(history.action[-1]) < float(history.action[0])
    assert float(history.action[-1]) > 0.9
    assert abs(float(history.topological_charge[-1] - history.topological_charge[0])) < 0.05


def test_instanton_gauge_invariance(singular_instanton):
    """S and Q are unchanged to round-off by a random lattice gauge transformation."""
    generator = torch.Generator().manual_seed(11)
    transformation = SU2().random(singular_instanton.extents, generator=generator)
    transformed = singular_instanton.gauge_transform(transformation)
    assert instanton_action(transformed) == pytest.approx(instanton_action(singular_instanton), abs=1e-10)
    assert float(transformed.topological_charge()) == pytest.approx(
        float(singular_instanton.topological_charge()), abs=1e-10
    )


def test_relax_instanton_rejects_unknown_method(singular_instanton):
    with pytest.raises(ValueError, match="unknown relaxation method 'annealing'"):
        relax_instanton(singular_instanton, "annealing")


def test_discretised_instanton_in_complex64(singular_instanton):
    """complex64 links give S/8 pi^2 and Q within float32 round-off of the complex128 ones."""
    single = discretise_connection(
        bpst(gauge="singular"), (8, 8, 8, 8), 1.0, origin=[-3.5] * 4, parameters={"rho": 2.0},
        dtype=torch.complex64,
    )
    assert single.dtype == torch.complex64
    assert instanton_action(single) == pytest.approx(instanton_action(singular_instanton), abs=1e-3)
    assert float(single.topological_charge()) == pytest.approx(
        float(singular_instanton.topological_charge()), abs=1e-3
    )
