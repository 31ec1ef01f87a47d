"""Tests of the Lie groups U(1) and SU(N) in geomwork.numeric."""

import math

import numpy as np
import pytest
import scipy.linalg
import torch

from geomwork.numeric import GROUPS, SU2, SUN, get_group, unitarity_tolerance

GROUP_NAMES = sorted(GROUPS)
NONABELIAN = [name for name in GROUP_NAMES if name != "u1"]
EXP_TOLERANCE = {torch.complex128: 1e-13, torch.complex64: 2e-5}


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def trace(matrix):
    return matrix.diagonal(dim1=-2, dim2=-1).sum(-1)


def dagger(matrix):
    return matrix.transpose(-2, -1).conj()


@pytest.mark.parametrize("name", GROUP_NAMES)
@pytest.mark.parametrize("dtype", [torch.complex128, torch.complex64])
@pytest.mark.parametrize("scale", [1e-6, 1e-2, 0.3, 1.0, 4.0])
def test_exp_matches_scipy_expm(name, dtype, scale):
    group = GROUPS[name]
    algebra = group.random_algebra((200,), scale=scale, generator=generator(1))
    expected = scipy.linalg.expm(algebra.numpy())
    found = group.exp(algebra.to(dtype)).to(torch.complex128).numpy()
    assert np.abs(found - expected).max() < EXP_TOLERANCE[dtype] * max(1.0, scale)


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_exp_of_zero_is_identity(name):
    group = GROUPS[name]
    zero = torch.zeros(3, group.n, group.n, dtype=torch.complex128)
    assert torch.equal(group.exp(zero), group.identity((3,)))


def test_su3_exp_with_degenerate_eigenvalues():
    """c0 = ±c0_max in the Morningstar–Peardon form, where theta = 0 or pi."""
    group = GROUPS["su3"]
    rotation = group.random(generator=generator(2))
    for a in (1e-3, 0.2, 1.5):
        diagonal = torch.diag(torch.tensor([1j * a, 1j * a, -2j * a], dtype=torch.complex128))
        for algebra in (diagonal, rotation @ diagonal @ dagger(rotation), -diagonal):
            expected = scipy.linalg.expm(algebra.numpy())
            assert np.abs(group.exp(algebra).numpy() - expected).max() < 1e-14


def test_su2_generator_convention():
    """T_3 = -(i/2) sigma_3, so exp(theta T_3) = diag(exp(-i theta/2), exp(i theta/2))."""
    theta = 0.7
    t3 = -0.5j * torch.tensor([[1, 0], [0, -1]], dtype=torch.complex128)
    expected = torch.diag(torch.tensor([complex(math.cos(theta / 2), -math.sin(theta / 2)),
                                        complex(math.cos(theta / 2), math.sin(theta / 2))], dtype=torch.complex128))
    assert torch.allclose(SU2().exp(theta * t3), expected, atol=1e-15)


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_exp_lands_in_group(name):
    group = GROUPS[name]
    group.check(group.exp(group.random_algebra((500,), scale=2.0, generator=generator(3))))


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_project_algebra_is_orthogonal_projection(name):
    group = GROUPS[name]
    matrices = torch.randn((100, group.n, group.n, 2), generator=generator(4), dtype=torch.float64)
    matrices = torch.view_as_complex(matrices)
    projected = group.project_algebra(matrices)

    assert torch.allclose(projected, -dagger(projected), atol=1e-15)
    if name != "u1":
        assert trace(projected).abs().max() < 1e-14
    assert torch.allclose(group.project_algebra(projected), projected, atol=1e-15)
    algebra = group.random_algebra((100,), generator=generator(5))
    remainder = matrices - projected
    assert (trace(dagger(algebra) @ remainder).real).abs().max() < 1e-13


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_random_algebra_normalisation(name):
    """E<X, X> = dim g for standard normal components in an orthonormal basis."""
    group = GROUPS[name]
    samples = group.random_algebra((20000,), generator=generator(6))
    norms = group.inner(samples, samples)
    standard_error = float(norms.std()) / math.sqrt(norms.numel())
    assert abs(float(norms.mean()) - group.dimension) < 4 * standard_error


@pytest.mark.parametrize("name", NONABELIAN)
def test_haar_moments(name):
    """Haar measure on SU(N), N >= 2: E tr U = 0, E|tr U|^2 = 1, E|tr U|^4 = 2 (Diaconis–Shahshahani)."""
    group = GROUPS[name]
    elements = group.random((40000,), generator=generator(7))
    group.check(elements)
    traces = trace(elements)
    count = traces.numel()

    second = traces.abs() ** 2
    fourth = traces.abs() ** 4
    assert abs(complex(traces.mean())) < 4 * math.sqrt(1.0 / count)
    assert abs(float(second.mean()) - 1.0) < 4 * float(second.std()) / math.sqrt(count)
    assert abs(float(fourth.mean()) - 2.0) < 4 * float(fourth.std()) / math.sqrt(count)


def test_haar_u1_phases_uniform():
    elements = GROUPS["u1"].random((40000,), generator=generator(8))
    assert abs(complex(elements.mean())) < 4 / math.sqrt(40000)
    assert torch.allclose(elements.abs(), torch.ones(1, dtype=torch.float64))


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_random_is_reproducible_with_seed(name):
    group = GROUPS[name]
    assert torch.equal(group.random((5,), generator=generator(9)), group.random((5,), generator=generator(9)))


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_reunitarise_restores_group_elements(name):
    group = GROUPS[name]
    elements = group.random((50,), generator=generator(10))
    noise = 1e-3 * torch.view_as_complex(torch.randn((*elements.shape, 2), generator=generator(11), dtype=torch.float64))
    repaired = group.reunitarise(elements + noise)
    group.check(repaired)
    assert (repaired - elements).abs().max() < 1e-2
    assert torch.allclose(group.reunitarise(elements), elements, atol=1e-13)


def test_su2_reunitarise_is_nearest_element():
    """The normalised quaternion is no farther than the generic polar-factor projection."""
    matrices = torch.view_as_complex(torch.randn((200, 2, 2, 2), generator=generator(12), dtype=torch.float64))
    matrices = GROUPS["su2"].random((200,), generator=generator(13)) + 0.3 * matrices
    quaternion_distance = (SU2().reunitarise(matrices) - matrices).abs().pow(2).sum((-2, -1))
    polar_distance = (SUN(2).reunitarise(matrices) - matrices).abs().pow(2).sum((-2, -1))
    assert bool((quaternion_distance <= polar_distance + 1e-12).all())


def test_check_rejects_non_unitary():
    elements = GROUPS["su3"].random((4,), generator=generator(14))
    elements[1] *= 1.01
    with pytest.raises(ValueError, match=r"elements is not unitary: max \|U U\^dagger - 1\| = 0\.02.* reunitarise"):
        GROUPS["su3"].check(elements)


def test_check_rejects_nan():
    elements = GROUPS["su2"].random((4,), generator=generator(15))
    elements[2, 0, 1] = float("nan")
    with pytest.raises(ValueError, match="elements contains 1 NaN or infinite entries"):
        GROUPS["su2"].check(elements)


def test_check_rejects_determinant_phase():
    elements = GROUPS["su2"].random((3,), generator=generator(16)) * 1j
    with pytest.raises(ValueError, match=r"determinant away from 1: max \|det U - 1\| = 2.*needs det U = 1"):
        GROUPS["su2"].check(elements)


def test_unitarity_tolerance_keyed_by_dtype():
    assert unitarity_tolerance(torch.complex64) > unitarity_tolerance(torch.complex128)
    with pytest.raises(TypeError, match="link dtype torch.float64 is not supported; use torch.complex128"):
        unitarity_tolerance(torch.float64)


def test_get_group_by_name_size_and_instance():
    assert get_group("su3") is GROUPS["su3"]
    assert get_group("SU(2)") is GROUPS["su2"]
    assert get_group(1) is GROUPS["u1"]
    assert get_group(5).n == 5
    assert get_group(GROUPS["su4"]) is GROUPS["su4"]
    with pytest.raises(ValueError, match=r"unknown group 'so3'; use one of \['su2', 'su3', 'su4', 'u1'\]"):
        get_group("so3")
    with pytest.raises(ValueError, match=r"SUN\(n=1\) .* n must be an int >= 2 \(use U1 for n = 1\)"):
        SUN(1)


def test_numeric_layer_imports_without_sympy():
    """The numeric layer loads torch only; sympy comes in when a kernel is built."""
    import subprocess
    import sys

    script = "import sys, geomwork.numeric; print('sympy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
