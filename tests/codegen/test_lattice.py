"""SU(2) and SU(3) lattice kernels against batched complex matmul."""

import pytest
import torch

from geomwork.codegen import LatticeKernels, from_matrix, lattice_kernels, to_matrix

from .helpers import assert_close, cuda

COMPLEX = {torch.float64: torch.complex128, torch.float32: torch.complex64}


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    """Kernels of both groups, built once per module in a private cache."""
    directory = tmp_path_factory.mktemp("lattice-cache")
    return {group: LatticeKernels(group, cache_dir=directory) for group in ("SU(2)", "SU(3)")}


def _random_special_unitary(n, count, generator, dtype=torch.complex128):
    """Haar-random SU(n) matrices from the QR decomposition of complex Gaussians."""
    real = torch.randn(count, n, n, generator=generator, dtype=torch.float64)
    imaginary = torch.randn(count, n, n, generator=generator, dtype=torch.float64)
    q, r = torch.linalg.qr(torch.complex(real, imaginary))
    diagonal = torch.diagonal(r, dim1=-2, dim2=-1)
    q = q * (diagonal / diagonal.abs()).unsqueeze(-2)
    determinant = torch.linalg.det(q)
    q = q / determinant.pow(1.0 / n).unsqueeze(-1).unsqueeze(-1)
    return q.to(dtype)


def _links(group, count, seed, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    n = 2 if group == "SU(2)" else 3
    matrices = _random_special_unitary(n, count, generator, COMPLEX[dtype])
    return from_matrix(group, matrices), matrices


REFERENCE = {
    "product": lambda u, v: u @ v,
    "product_dagger": lambda u, v: u @ v.mH,
    "dagger_product": lambda u, v: u.mH @ v,
}


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("group", ["SU(2)", "SU(3)"])
@pytest.mark.parametrize("operation", sorted(REFERENCE))
def test_products_match_complex_matmul(kernels, group, operation, dtype):
    u, u_matrix = _links(group, 20, seed=1, dtype=dtype)
    v, v_matrix = _links(group, 20, seed=2, dtype=dtype)

    result = getattr(kernels[group], operation)(u, v)

    assert result.dtype == dtype
    assert_close(to_matrix(group, result), REFERENCE[operation](u_matrix, v_matrix), COMPLEX[dtype])


@pytest.mark.parametrize("group", ["SU(2)", "SU(3)"])
def test_staples_match_complex_matmul(kernels, group):
    u, u_matrix = _links(group, 10, seed=3)
    v, v_matrix = _links(group, 10, seed=4)
    w, w_matrix = _links(group, 10, seed=5)

    forward = kernels[group].staple_forward(u, v, w)
    backward = kernels[group].staple_backward(u, v, w)

    assert_close(to_matrix(group, forward), u_matrix @ v_matrix.mH @ w_matrix.mH, torch.complex128)
    assert_close(to_matrix(group, backward), u_matrix.mH @ v_matrix.mH @ w_matrix, torch.complex128)


@pytest.mark.parametrize("group", ["SU(2)", "SU(3)"])
def test_real_trace(kernels, group):
    u, u_matrix = _links(group, 10, seed=6)
    expected = torch.diagonal(u_matrix, dim1=-2, dim2=-1).sum(-1).real
    assert_close(kernels[group].real_trace(u), expected, torch.float64)


def test_su2_projection_normalises_sums(kernels):
    u, _ = _links("SU(2)", 10, seed=7)
    assert_close(kernels["SU(2)"].project(2.5 * u), u, torch.float64)


def test_su3_projection_fixes_group_and_restores_unitarity(kernels):
    u, u_matrix = _links("SU(3)", 10, seed=8)
    generator = torch.Generator().manual_seed(9)
    noisy = u + 1e-3 * torch.randn(u.shape, generator=generator, dtype=torch.float64)

    fixed = kernels["SU(3)"].project(u)
    projected = to_matrix("SU(3)", kernels["SU(3)"].project(noisy))

    assert_close(fixed, u, torch.float64)
    identity = torch.eye(3, dtype=torch.complex128).expand(10, 3, 3)
    assert_close(projected @ projected.mH, identity, torch.complex128)
    assert_close(torch.linalg.det(projected), torch.ones(10, dtype=torch.complex128),
                 torch.complex128)
    assert (projected - u_matrix).abs().max() < 1e-2


def _staple_sum_reference(matrices, mu):
    """Staple sum with complex matmul and torch.roll; matrices (L, ..., L, d, N, N)."""
    dimension = matrices.dim() - 3

    def shift(field, direction, steps):
        return torch.roll(field, shifts=-steps, dims=direction)

    link_mu = matrices[..., mu, :, :]
    total = torch.zeros_like(link_mu)
    for nu in range(dimension):
        if nu == mu:
            continue
        link_nu = matrices[..., nu, :, :]
        total = total + shift(link_nu, mu, 1) @ shift(link_mu, nu, 1).mH @ link_nu.mH
        below = shift(link_nu, nu, -1)
        total = total + shift(below, mu, 1).mH @ shift(link_mu, nu, -1).mH @ below
    return total


@pytest.mark.parametrize("group", ["SU(2)", "SU(3)"])
def test_staple_sum_on_periodic_lattice(kernels, group):
    shape = (3, 4, 2, 3)
    count = 3 * 4 * 2 * 3 * 4
    links, matrices = _links(group, count, seed=10)
    n = matrices.shape[-1]
    links = links.reshape(*shape, 4, *links.shape[1:])
    matrices = matrices.reshape(*shape, 4, n, n)

    for mu in range(4):
        staples = kernels[group].staple_sum(links, mu)
        assert_close(to_matrix(group, staples), _staple_sum_reference(matrices, mu),
                     torch.complex128)


def test_staple_sum_rejects_wrong_shape(kernels):
    with pytest.raises(ValueError, match=r"links must have shape .* for SU\(3\); got \(4, 4, 3, 3, 3, 2\)"):
        kernels["SU(3)"].staple_sum(torch.zeros(4, 4, 3, 3, 3, 2, dtype=torch.float64), 0)
    with pytest.raises(ValueError, match=r"links must have shape .* for SU\(2\); got \(4, 4, 2, 3\)"):
        kernels["SU(2)"].staple_sum(torch.zeros(4, 4, 2, 3, dtype=torch.float64), 0)


def test_unknown_group_rejected():
    with pytest.raises(ValueError, match=r"lattice kernels exist for SU\(2\), SU\(3\); got 'SU\(4\)'"):
        LatticeKernels("SU(4)")


def test_su2_matrix_round_trip():
    links, matrices = _links("SU(2)", 5, seed=11)
    assert_close(to_matrix("SU(2)", links), matrices, torch.complex128)
    assert_close(links.norm(dim=-1), torch.ones(5, dtype=torch.float64), torch.float64)


def test_product_gradcheck(kernels):
    u, _ = _links("SU(3)", 3, seed=12)
    v, _ = _links("SU(3)", 3, seed=13)
    product = kernels["SU(3)"].kernel("product")
    assert torch.autograd.gradcheck(product, (u.requires_grad_(), v.requires_grad_()))


def test_shared_kernels_are_reused():
    assert lattice_kernels("SU(2)") is lattice_kernels("SU(2)")


@cuda
def test_cuda_product_matches_cpu(kernels):
    u, _ = _links("SU(3)", 50, seed=14)
    v, _ = _links("SU(3)", 50, seed=15)
    result = kernels["SU(3)"].product(u.cuda(), v.cuda())
    assert result.device.type == "cuda"
    assert_close(result.cpu(), kernels["SU(3)"].product(u, v), torch.float64)
