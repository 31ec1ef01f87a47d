"""Tests of lattice gauge fields in geomwork.numeric."""

import math

import pytest
import torch

from geomwork.numeric import (
    GROUPS,
    LatticeGaugeField,
    assert_gauge_covariant,
    assert_gauge_invariant,
    mean_link_trace,
    mean_plaquette,
    staple_sums,
)

GROUP_NAMES = sorted(GROUPS)
# Round-off bound for sums over a small lattice, relative to the size of the quantity.
ROUND_OFF = {torch.complex128: 1e-12, torch.complex64: 1e-4}


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def dagger(matrix):
    return matrix.transpose(-2, -1).conj()


def random_field(group, extents=(4, 4, 4, 4), seed=0, dtype=torch.complex128):
    return LatticeGaugeField.random(extents, group, generator=generator(seed), dtype=dtype)


def random_gauge(field, seed):
    return field.group.random(field.extents, generator=generator(seed), dtype=field.dtype)


# Functions on raw link tensors --------------------------------------------------------------


def test_unit_configuration_plaquette_and_trace():
    links = torch.eye(3, dtype=torch.complex128).expand(2, 2, 2, 2, 4, 3, 3)
    assert float(mean_plaquette(links)) == 1.0
    assert float(mean_link_trace(links)) == 1.0


def test_constant_u1_field_plaquette():
    """A constant U(1) field has trivial plaquettes but link trace cos(phase)."""
    phase = 0.3
    links = torch.full((4, 4, 2, 1, 1), complex(math.cos(phase), math.sin(phase)), dtype=torch.complex128)
    assert float(mean_plaquette(links)) == pytest.approx(1.0, abs=1e-14)
    assert float(mean_link_trace(links)) == pytest.approx(math.cos(phase), abs=1e-14)


def test_layout_rejects_wrong_direction_axis():
    links = torch.eye(2, dtype=torch.complex128).expand(4, 4, 3, 2, 2)
    with pytest.raises(ValueError, match=r"direction axis equal to the number of lattice axes d = 2"):
        mean_plaquette(links)


def test_layout_rejects_real_dtype():
    with pytest.raises(TypeError, match=r"links has dtype torch.float64; expected complex128 or complex64"):
        mean_plaquette(torch.zeros(4, 4, 2, 1, 1, dtype=torch.float64))


def test_plaquette_matches_explicit_product():
    """P_{mu nu}(x) = U_mu(x) U_nu(x+mu) U_mu(x+nu)^dagger U_nu(x)^dagger at one site, with wrap-around."""
    field = random_field("su3", extents=(3, 4, 2, 4), seed=1)
    u = field.links
    x = (2, 3, 1, 0)
    mu, nu = 0, 1
    x_mu = (0, 3, 1, 0)
    x_nu = (2, 0, 1, 0)
    expected = u[x][mu] @ u[x_mu][nu] @ dagger(u[x_nu][mu]) @ dagger(u[x][nu])
    assert torch.allclose(field.plaquette(mu, nu)[x], expected, atol=1e-14)


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_staples_close_every_plaquette(name):
    """Each plaquette contains four links, so sum_{x,mu} Re tr(U A) = 4 sum_{x,mu<nu} Re tr P."""
    field = random_field(name, extents=(4, 2, 4), seed=2)
    staples = staple_sums(field.links)
    closed = (field.links @ staples).diagonal(dim1=-2, dim2=-1).real.sum()
    planes = 3
    plaquette_sum = field.mean_plaquette() * field.n * planes * field.volume
    assert float(closed) == pytest.approx(4 * float(plaquette_sum), rel=1e-12, abs=1e-10)
    for mu in range(field.ndim):
        assert torch.allclose(field.staples(mu), staples[..., mu, :, :], atol=1e-13)


# Construction -------------------------------------------------------------------------------


def test_construction_rejects_non_unitary_links():
    field = random_field("su2", extents=(2, 2), seed=3)
    links = field.links.clone()
    links[1, 0, 1] *= 1.5
    with pytest.raises(ValueError, match=r"LatticeGaugeField links is not unitary: max \|U U\^dagger - 1\| = 1\.25"):
        LatticeGaugeField(links)


def test_construction_rejects_nan():
    links = random_field("su3", extents=(2, 2), seed=4).links.clone()
    links[0, 1, 0, 2, 2] = complex("nan")
    with pytest.raises(ValueError, match="LatticeGaugeField links contains 1 NaN or infinite entries"):
        LatticeGaugeField(links)


def test_construction_rejects_group_mismatch():
    links = random_field("su2", extents=(2, 2), seed=5).links
    with pytest.raises(ValueError, match=r"links hold 2 x 2 matrices but SU3\(\) acts on C\^3; pass group=2"):
        LatticeGaugeField(links, "su3")


def test_construction_rejects_one_dimension():
    links = torch.eye(2, dtype=torch.complex128).expand(4, 1, 2, 2)
    with pytest.raises(ValueError, match=r"needs at least 2 lattice axes .* shape \(4, 1, 2, 2\), which is d = 1"):
        LatticeGaugeField(links)


def test_construction_accepts_complex64_round_off():
    field = random_field("su3", seed=6, dtype=torch.complex64)
    LatticeGaugeField(field.links)
    assert field.mean_plaquette().dtype == torch.float32


def test_even_extent_check_names_axis():
    field = LatticeGaugeField.unit((4, 3), "u1")
    with pytest.raises(ValueError, match=r"lattice extent L_1 = 3 is odd; checkerboard updates need an even extent"):
        field.require_even_extents("checkerboard updates")


def test_invalid_extents_rejected():
    with pytest.raises(ValueError, match=r"lattice extents \(4,\) are invalid; give at least 2 positive integers"):
        LatticeGaugeField.unit((4,), "su2")


def test_gauge_transformation_shape_checked():
    field = random_field("su2", extents=(2, 2), seed=7)
    with pytest.raises(ValueError, match=r"gauge transformation has shape \(2, 2\); expected \(2, 2, 2, 2\)"):
        field.gauge_transform(torch.ones(2, 2, dtype=torch.complex128))


# Unit configuration and exact values --------------------------------------------------------


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_unit_field_observables(name):
    field = LatticeGaugeField.unit((2, 2, 2, 4), name)
    assert float(field.mean_plaquette()) == 1.0
    assert float(field.wilson_action(5.0)) == 0.0
    assert float(field.mean_energy_density("clover")) == 0.0
    assert float(field.mean_energy_density("plaquette")) == 0.0
    assert float(field.topological_charge()) == 0.0
    assert torch.allclose(field.polyakov_loop(), torch.ones(2, 2, 2, dtype=torch.complex128))


def flux_angles(length, flux_quanta):
    """Link angles (theta_0, theta_1) of a 2D U(1) field whose every plaquette angle is B = 2 pi k / L^2."""
    b = 2 * math.pi * flux_quanta / length**2
    x0 = torch.arange(length, dtype=torch.float64).reshape(-1, 1).expand(length, length)
    x1 = torch.arange(length, dtype=torch.float64).reshape(1, -1).expand(length, length)
    theta = torch.zeros(length, length, 2, dtype=torch.float64)
    theta[..., 1] = b * x0
    # The last link in direction 0 closes the wrap-around flux.
    theta[length - 1, :, 0] = -b * length * x1[length - 1]
    return theta, b


def constant_flux_u1(length, flux_quanta):
    """2D U(1) field whose every plaquette equals exp(iB), B = 2 pi k / L^2."""
    theta, b = flux_angles(length, flux_quanta)
    links = torch.polar(torch.ones_like(theta), theta)[..., None, None]
    return LatticeGaugeField(links, "u1"), b


def test_constant_flux_energy_densities():
    """Every plaquette is exp(iB): clover G = i sin B, so E_clover = sin^2 B and E_plaquette = 2(1 - cos B)."""
    field, b = constant_flux_u1(6, 1)
    assert torch.allclose(field.plaquette(0, 1), torch.polar(torch.ones(1, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)).reshape(1, 1, 1, 1).expand(6, 6, 1, 1))
    assert torch.allclose(field.clover(0, 1), torch.full((6, 6, 1, 1), 1j * math.sin(b), dtype=torch.complex128))
    assert torch.allclose(field.energy_density("clover"), torch.full((6, 6), math.sin(b) ** 2, dtype=torch.float64))
    assert torch.allclose(field.energy_density("plaquette"), torch.full((6, 6), 2 * (1 - math.cos(b)), dtype=torch.float64))


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_wilson_action_is_plaquette_energy_sum(name):
    """S = (beta / 2N) sum_x E_plaquette(x)."""
    field = random_field(name, extents=(4, 2, 2), seed=8)
    beta = 2.5
    expected = beta / (2 * field.n) * field.energy_density("plaquette").sum()
    assert float(field.wilson_action(beta)) == pytest.approx(float(expected), rel=1e-12)


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_clover_is_antisymmetric_in_algebra(name):
    field = random_field(name, extents=(2, 4, 2), seed=9)
    g01 = field.clover(0, 1)
    assert torch.allclose(field.clover(1, 0), -g01, atol=1e-14)
    assert torch.allclose(g01, -dagger(g01), atol=1e-14)
    if name != "u1":
        assert g01.diagonal(dim1=-2, dim2=-1).sum(-1).abs().max() < 1e-14


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_reused_clovers_give_same_densities(name):
    field = random_field(name, extents=(2, 4, 2, 4), seed=15)
    clovers = field.clover_fields()
    assert sorted(clovers) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert torch.equal(clovers[1, 3], field.clover(1, 3))
    assert torch.equal(field.energy_density(clovers=clovers), field.energy_density())
    assert torch.equal(field.topological_charge_density(clovers=clovers), field.topological_charge_density())


# Gauge invariance ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.complex128, torch.complex64])
@pytest.mark.parametrize("name", GROUP_NAMES)
def test_gauge_invariance_of_action_energy_and_charge(name, dtype):
    field = random_field(name, seed=10, dtype=dtype)
    transformed = field.gauge_transform(random_gauge(field, 11))
    tolerance = ROUND_OFF[dtype]
    assert float(transformed.wilson_action(1.0)) == pytest.approx(float(field.wilson_action(1.0)), rel=tolerance)
    for kind in ("clover", "plaquette"):
        assert torch.allclose(transformed.energy_density(kind), field.energy_density(kind), rtol=tolerance, atol=tolerance * 10)
    charge = float(field.topological_charge())
    assert float(transformed.topological_charge()) == pytest.approx(charge, abs=tolerance * 100)
    assert torch.allclose(transformed.polyakov_loop(), field.polyakov_loop(), atol=tolerance * 10)


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_clover_is_gauge_covariant(name):
    """G_{mu nu}(x) -> g(x) G_{mu nu}(x) g(x)^dagger."""
    field = random_field(name, extents=(4, 2, 4), seed=12)
    gauge = random_gauge(field, 13)
    transformed = field.gauge_transform(gauge).clover(0, 2)
    assert torch.allclose(transformed, gauge @ field.clover(0, 2) @ dagger(gauge), atol=1e-13)
    assert_gauge_covariant(lambda current: current.clover(1, 2), field, generator=generator(14))
    assert_gauge_covariant(lambda current: current.plaquette(0, 1), field, generator=generator(15))


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_gauge_checkers_accept_observables(name):
    field = random_field(name, seed=16)
    assert_gauge_invariant(lambda current: current.wilson_action(2.0), field, generator=generator(17))
    assert_gauge_invariant(lambda current: current.energy_density(), field, generator=generator(18))
    assert_gauge_invariant(lambda current: current.topological_charge(), field, generator=generator(19))


def test_gauge_checkers_reject_non_invariant():
    field = random_field("su2", extents=(2, 2), seed=20)
    with pytest.raises(AssertionError, match=r"observable is not gauge invariant on LatticeGaugeField\(SU2\(\)"):
        assert_gauge_invariant(lambda current: current.mean_link_trace(), field, generator=generator(21))
    with pytest.raises(AssertionError, match=r"observable is not gauge covariant .* max \|O\(g.U\) - g O\(U\) g\^dagger\|"):
        assert_gauge_covariant(lambda current: current.links[..., 0, :, :], field, generator=generator(22))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_observables_match_cpu():
    field = random_field("su3", seed=23)
    on_device = field.to("cuda")
    assert float(on_device.mean_plaquette()) == pytest.approx(float(field.mean_plaquette()), rel=1e-12)
    assert float(on_device.topological_charge()) == pytest.approx(float(field.topological_charge()), abs=1e-10)


# Topological charge and Polyakov loops ------------------------------------------------------


def time_reflection(field):
    """Reflect x_3 -> -x_3: U'_k(x) = U_k(Px) for k < 3 and U'_3(x) = U_3(Px - 3)^dagger."""
    links = torch.flip(field.links, dims=[3])
    # After the flip, index t contains site -t - 1 (mod T), so a roll by one puts site -t there.
    links = torch.roll(links, shifts=1, dims=3)
    temporal = torch.roll(links[..., 3, :, :], shifts=-1, dims=3)
    links = links.clone()
    links[..., 3, :, :] = dagger(temporal)
    return field.with_links(links, check=True)


@pytest.mark.parametrize("name", ["su2", "su3"])
def test_topological_charge_odd_under_time_reflection(name):
    field = random_field(name, seed=14)
    reflected = time_reflection(field)
    assert float(reflected.wilson_action(1.0)) == pytest.approx(float(field.wilson_action(1.0)), rel=1e-12)
    assert float(reflected.topological_charge()) == pytest.approx(-float(field.topological_charge()), abs=1e-10)


def test_topological_charge_of_constant_u1_fluxes():
    """Constant fluxes B1 in plane 01 and B2 in plane 23: the clover G is i sin B, so Q = V sin B1 sin B2 / (4 pi^2).

    This tends to k1 k2 as B -> 0, and is positive for the self-dual choice B1 = B2.
    """
    length = 4
    theta01, b1 = flux_angles(length, 1)
    theta23, b2 = flux_angles(length, 2)
    theta = torch.zeros(length, length, length, length, 4, dtype=torch.float64)
    theta[..., 0:2] = theta01[:, :, None, None, :]
    theta[..., 2:4] = theta23[None, None, :, :, :]
    field = LatticeGaugeField(torch.polar(torch.ones_like(theta), theta)[..., None, None], "u1")
    expected = length**4 * math.sin(b1) * math.sin(b2) / (4 * math.pi**2)
    assert float(field.topological_charge()) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(2.0, rel=0.25)


def test_topological_charge_needs_four_dimensions():
    with pytest.raises(ValueError, match=r"defined here for 4D fields; this field has extents \(2, 2, 2\)"):
        LatticeGaugeField.unit((2, 2, 2), "su2").topological_charge()


@pytest.mark.parametrize("name", ["u1", "su2", "su3"])
def test_polyakov_loop_centre_transformation(name):
    """Multiplying every time link on one time slice by z in the centre leaves S and multiplies L by z."""
    field = random_field(name, extents=(2, 2, 2, 4), seed=15)
    z = complex(math.cos(2 * math.pi / field.n), math.sin(2 * math.pi / field.n)) if name != "u1" else 1j
    links = field.links.clone()
    links[:, :, :, 1, 3] *= z
    rotated = field.with_links(links, check=True)
    assert float(rotated.wilson_action(1.0)) == pytest.approx(float(field.wilson_action(1.0)), rel=1e-12)
    assert torch.allclose(rotated.polyakov_loop(), z * field.polyakov_loop(), atol=1e-13)


def test_polyakov_loop_other_direction():
    field = random_field("su2", extents=(4, 2, 2), seed=16)
    loop = field.polyakov_loop(direction=0)
    assert loop.shape == (2, 2)
    u = field.links[:, 1, 0, 0]
    expected = (u[0] @ u[1] @ u[2] @ u[3]).diagonal().sum() / 2
    assert torch.allclose(loop[1, 0], expected, atol=1e-14)
    with pytest.raises(ValueError, match=r"direction 3 is out of range for a 3D field; use 0 .. 2"):
        field.polyakov_loop(direction=3)
