"""Matrix flows whose fixed points are principal components, batched in torch.

* Brockett's double-bracket flow :math:`\\dot H = [H, [H, N]]` (Brockett, Lin. Alg. Appl. 146
  (1991) 79) is isospectral; from :math:`H_0 = C` and a diagonal :math:`N` with distinct entries
  it converges, for generic :math:`C` with distinct eigenvalues, to the diagonal matrix of the
  eigenvalues ordered like the entries of :math:`N`.  The steps are Lie–Euler steps
  :math:`H \\mapsto RHR^T` with :math:`R = \\exp(-\\delta t\\,[H, N])`, exactly isospectral; the
  product of the :math:`R` is an orthogonal frame whose rows become eigenvectors of :math:`C`.
* Oja's subspace flow :math:`\\dot W = (I - WW^T)CW` (Yan, Helmke & Moore, IEEE TNN 5 (1994)
  674) converges from almost every start to an orthonormal basis of the dominant k-dimensional
  eigenspace of :math:`C`.  The steps are classical Runge–Kutta (order 4) steps of the flow.
* Riemannian gradient ascent of :math:`f(U) = \\log\\det(U^TCU)` on the Stiefel manifold of
  orthonormal :math:`n\\times k` frames.  With the embedded metric the gradient is
  :math:`2(I - UU^T)CU(U^TCU)^{-1}`; each step moves along it and retracts by the polar
  decomposition.  The maximum is the sum of the logs of the k largest eigenvalues, attained
  exactly on the principal subspace (Miao & Hua, IEEE TSP 46 (1998) 1967).

The k frame vectors :math:`u_i` span an ellipsoid of the data: the image of the unit k-ball
under :math:`C^{1/2}` restricted to their span.  Its volume is :math:`\\omega_k\\,\\|C^{1/2}u_1
\\wedge\\dots\\wedge C^{1/2}u_k\\|` with :math:`\\omega_k` the volume of the unit k-ball, and by
the Binet–Cauchy formula the squared norm of the wedge, the sum of the squared k×k minors of
:math:`C^{1/2}U`, equals :math:`\\det(U^TCU)`.  On the principal subspace the volume is
:math:`\\omega_k\\prod_{i\\le k}\\sqrt{\\lambda_i}`, the largest over all k-frames.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = [
    "CovarianceError",
    "PCAFlowResult",
    "brockett_flow",
    "check_covariance",
    "ellipsoid_volume",
    "log_det_ascent",
    "oja_flow",
    "wedge_norm",
]

logger = logging.getLogger("geomwork.numeric.pca_flows")


class CovarianceError(ValueError):
    """Raised for a matrix that is not a symmetric positive semidefinite covariance."""


@dataclass
class PCAFlowResult:
    """Trajectory and fixed point of a PCA flow over a batch of covariances of shape ``(..., n, n)``.

    Attributes
    ----------
    times : torch.Tensor, shape ``(S,)``
        Flow times of the saved states (sums of the step sizes of the first batch element for
        batch-dependent steps).
    trajectory : torch.Tensor, shape ``(S, ..., n, m)``
        Saved states: :math:`H` (``m = n``) for Brockett, the frame (``m = k``) otherwise.
    frame : torch.Tensor, shape ``(..., n, k)``
        Final orthonormal frame; for Brockett the eigenvector estimates in the order of the
        diagonal of :math:`N`.
    eigenvalues : torch.Tensor, shape ``(..., k)``
        Final Rayleigh–Ritz values :math:`\\mathrm{eig}(U^TCU)` in descending order
        (for Brockett the diagonal of :math:`H`, in the order of :math:`N`).
    objective : torch.Tensor, shape ``(S, ...)``
        :math:`\\mathrm{tr}(HN)` for Brockett, :math:`\\mathrm{tr}(W^TCW)` for Oja and
        :math:`\\log\\det(U^TCU)` for the log-det ascent, at the saved states.
    ellipsoid_volume : torch.Tensor, shape ``(...)``
        :func:`ellipsoid_volume` of the final frame.
    residual : torch.Tensor, shape ``(...)``
        Final size of the flow's velocity, relative to :math:`\\|C\\|_F`.
    steps : int
    """

    times: torch.Tensor
    trajectory: torch.Tensor
    frame: torch.Tensor
    eigenvalues: torch.Tensor
    objective: torch.Tensor
    ellipsoid_volume: torch.Tensor
    residual: torch.Tensor
    steps: int


def _symmetry_tolerance(dtype) -> float:
    return 100 * torch.finfo(dtype).eps


def check_covariance(covariance: torch.Tensor, name: str = "covariance") -> torch.Tensor:
    """Return ``covariance`` as a floating tensor after checking it is symmetric positive semidefinite.

    Symmetry is checked to a relative tolerance of :math:`100\\epsilon` of the dtype, and
    semidefiniteness by a Cholesky factorisation of :math:`C + 100\\epsilon\\|C\\|_F I`, so that
    rank-deficient covariances pass.

    Raises
    ------
    CovarianceError
        Naming the first offending batch index and the bad value.
    """
    covariance = torch.as_tensor(covariance)
    if not covariance.is_floating_point():
        covariance = covariance.to(torch.float64)
    if covariance.ndim < 2 or covariance.shape[-1] != covariance.shape[-2]:
        raise CovarianceError(f"{name} has shape {tuple(covariance.shape)}; expected (..., n, n)")
    tolerance = _symmetry_tolerance(covariance.dtype)
    scale = torch.linalg.matrix_norm(covariance).clamp(min=torch.finfo(covariance.dtype).tiny)
    asymmetry = torch.linalg.matrix_norm(covariance - covariance.mT) / scale
    if bool((asymmetry > tolerance).any()):
        index = _first_index(asymmetry > tolerance)
        raise CovarianceError(f"{name}{index} is not symmetric: ||C - C^T||_F / ||C||_F = "
                              f"{float(asymmetry[index]):.3g} > {tolerance:.1g}; pass (C + C^T)/2")
    identity = torch.eye(covariance.shape[-1], dtype=covariance.dtype, device=covariance.device)
    shifted = covariance + (tolerance * scale)[..., None, None] * identity
    _, info = torch.linalg.cholesky_ex(shifted)
    if bool((info > 0).any()):
        index = _first_index(info > 0)
        smallest = float(torch.linalg.eigvalsh(covariance[index]).min())
        raise CovarianceError(f"{name}{index} is not positive semidefinite: its smallest "
                              f"eigenvalue is {smallest:.6g}; a covariance has eigenvalues >= 0")
    return covariance


def _first_index(mask: torch.Tensor) -> tuple:
    if mask.ndim == 0:
        return ()
    return tuple(int(i) for i in torch.nonzero(mask)[0])


def _check_rank(covariance: torch.Tensor, k: int) -> int:
    n = covariance.shape[-1]
    if int(k) != k or not 1 <= k <= n:
        raise ValueError(f"subspace dimension k = {k!r} is invalid for {n}x{n} covariances; "
                         f"use an integer 1 <= k <= {n}")
    return int(k)


def _initial_frame(covariance, k, frame, generator, seed):
    n = covariance.shape[-1]
    if frame is not None:
        frame = torch.as_tensor(frame, dtype=covariance.dtype, device=covariance.device)
        if frame.shape[-2:] != (n, k):
            raise ValueError(f"initial frame has shape {tuple(frame.shape)}; expected (..., {n}, {k})")
        return torch.linalg.qr(frame.expand(covariance.shape[:-2] + (n, k))).Q
    if generator is None:
        generator = torch.Generator(device="cpu").manual_seed(seed)
    gaussian = torch.randn(covariance.shape[:-2] + (n, k), generator=generator, dtype=covariance.dtype)
    return torch.linalg.qr(gaussian.to(covariance.device)).Q


def ellipsoid_volume(covariance: torch.Tensor, frame: torch.Tensor) -> torch.Tensor:
    """Return the volume :math:`\\omega_k\\sqrt{\\det(U^TCU)}` of the data ellipsoid on a k-frame.

    By Binet–Cauchy, :math:`\\det(U^TCU) = \\|C^{1/2}u_1\\wedge\\dots\\wedge C^{1/2}u_k\\|^2`
    (see :func:`wedge_norm`).  ``covariance`` has shape ``(..., n, n)``, ``frame`` orthonormal
    columns of shape ``(..., n, k)``; the result has shape ``(...)``.
    """
    k = frame.shape[-1]
    unit_ball = math.pi ** (k / 2) / math.gamma(k / 2 + 1)
    gram = frame.mT @ covariance @ frame
    return unit_ball * torch.sqrt(torch.linalg.det(gram).clamp(min=0))


def wedge_norm(vectors: torch.Tensor) -> torch.Tensor:
    """Return :math:`\\|v_1\\wedge\\dots\\wedge v_k\\|` from the k×k minors of the columns.

    ``vectors`` has shape ``(..., n, k)``.  The norm is the square root of the sum of the squared
    k×k minors (coordinates of the wedge in the basis :math:`e_I`), which costs
    :math:`\\binom nk` determinants, so this is a check for small n; it equals
    :math:`\\sqrt{\\det(V^TV)}` by Binet–Cauchy.
    """
    n, k = vectors.shape[-2:]
    rows = torch.tensor(list(itertools.combinations(range(n), k)), device=vectors.device)
    minors = torch.linalg.det(vectors[..., rows, :])
    return torch.sqrt((minors ** 2).sum(-1))


def _frobenius(covariance):
    return torch.linalg.matrix_norm(covariance).clamp(min=torch.finfo(covariance.dtype).tiny)


def brockett_flow(covariance, diagonal=None, *, steps: int = 2000, dt=None, tolerance: float = 0.0,
                  save_every: int = 10, callback: Callable | None = None,
                  check: bool = True) -> PCAFlowResult:
    """Run Brockett's double-bracket flow :math:`\\dot H = [H, [H, N]]` from :math:`H_0 = C`.

    Parameters
    ----------
    covariance : torch.Tensor, shape ``(..., n, n)``
    diagonal : torch.Tensor, shape ``(n,)``, optional
        Diagonal of :math:`N` with distinct entries; default :math:`(n, n-1, \\dots, 1)/n`, which
        sorts the eigenvalues in descending order.
    steps : int
        Maximum number of steps.
    dt : float or torch.Tensor of shape ``(...)``, optional
        Step size; default :math:`1/(\\|C\\|_F(\\mu_{\\max} - \\mu_{\\min}))` per matrix.  Since
        :math:`\\lambda_{\\max} - \\lambda_{\\min} \\le \\|C\\|_F`, this is at most half the
        stability limit :math:`2/((\\lambda_i - \\lambda_j)(\\mu_i - \\mu_j))` of every mode.
    tolerance : float
        Stop when every :math:`\\|[H, N]\\|_F/\\|C\\|_F` is below it.
    save_every : int
        Save every this many steps (0: first and last only).
    callback : callable, optional
        ``callback(step, H)`` after every step.
    check : bool
        Run :func:`check_covariance` first.
    """
    covariance = check_covariance(covariance) if check else torch.as_tensor(covariance)
    n = covariance.shape[-1]
    if diagonal is None:
        diagonal = torch.arange(n, 0, -1, dtype=covariance.dtype) / n
    diagonal = torch.as_tensor(diagonal, dtype=covariance.dtype).to(covariance.device)
    if diagonal.shape != (n,) or len(torch.unique(diagonal)) != n:
        raise ValueError(f"Brockett's N needs {n} distinct diagonal entries; got {diagonal.tolist()}")
    norm = _frobenius(covariance)
    if dt is None:
        dt = 1.0 / (norm * (diagonal.max() - diagonal.min()))
    dt = torch.as_tensor(dt, dtype=covariance.dtype, device=covariance.device).expand(covariance.shape[:-2])

    h, frame = covariance.clone(), None
    times, saved, objective = [0.0], [h], [_brockett_objective(h, diagonal)]
    step = 0
    for step in range(1, steps + 1):
        bracket = h * diagonal[..., None, :] - diagonal[..., :, None] * h
        rotation = _expm_skew(-dt[..., None, None] * bracket)
        h = rotation @ h @ rotation.mT
        h = (h + h.mT) / 2
        frame = rotation if frame is None else rotation @ frame
        if callback is not None:
            callback(step, h)
        done = tolerance > 0 and bool((torch.linalg.matrix_norm(bracket) / norm < tolerance).all())
        if (save_every and step % save_every == 0) or done or step == steps:
            times.append(float(dt.flatten()[0]) * step if dt.numel() else 0.0)
            saved.append(h)
            objective.append(_brockett_objective(h, diagonal))
        if done:
            break
    bracket = h * diagonal[..., None, :] - diagonal[..., :, None] * h
    eigenvectors = frame.mT if frame is not None else torch.eye(n, dtype=h.dtype).expand_as(h)
    logger.info("Brockett flow stopped after %d steps", step)
    return PCAFlowResult(
        times=torch.tensor(times, dtype=torch.float64), trajectory=torch.stack(saved),
        frame=eigenvectors, eigenvalues=torch.diagonal(h, dim1=-2, dim2=-1),
        objective=torch.stack(objective), ellipsoid_volume=ellipsoid_volume(covariance, eigenvectors),
        residual=torch.linalg.matrix_norm(bracket) / norm, steps=step)


def _expm_skew(matrix, degree: int = 12):
    """Return :math:`\\exp(X)` of small matrices by scaling, a Taylor polynomial and squaring.

    Used instead of :func:`torch.linalg.matrix_exp`, which took 4.6 ms per call on eight 6x6
    matrices with torch 2.13 on a loaded two-core CPU, against microseconds for the products.  The matrix is scaled to Frobenius norm at most 1/4, so the
    truncation error of the degree-12 polynomial is below :math:`4^{-13}/13! \\approx 10^{-17}`.
    """
    norm = float(torch.linalg.matrix_norm(matrix).max()) if matrix.numel() else 0.0
    squarings = max(0, math.ceil(math.log2(norm / 0.25))) if norm > 0.25 else 0
    scaled = matrix / 2 ** squarings
    identity = torch.eye(matrix.shape[-1], dtype=matrix.dtype, device=matrix.device)
    result = identity + scaled / degree
    for order in range(degree - 1, 0, -1):
        result = identity + (scaled @ result) / order
    for _ in range(squarings):
        result = result @ result
    return result


def _brockett_objective(h, diagonal):
    return (torch.diagonal(h, dim1=-2, dim2=-1) * diagonal).sum(-1)


def _oja_velocity(covariance, w):
    product = covariance @ w
    return product - w @ (w.mT @ product)


def oja_flow(covariance, k: int, *, frame=None, steps: int = 2000, dt=None, tolerance: float = 0.0,
             save_every: int = 10, seed: int = 0, generator: torch.Generator | None = None,
             callback: Callable | None = None, check: bool = True) -> PCAFlowResult:
    """Run Oja's subspace flow :math:`\\dot W = (I - WW^T)CW` with classical Runge–Kutta steps.

    Parameters
    ----------
    covariance : torch.Tensor, shape ``(..., n, n)``
    k : int
        Dimension of the subspace.
    frame : torch.Tensor, shape ``(..., n, k)``, optional
        Initial frame (orthonormalised); default a Gaussian frame drawn from ``generator`` or
        ``seed``.
    dt : float or torch.Tensor of shape ``(...)``, optional
        Default :math:`1/\\|C\\|_F` per matrix.
    tolerance : float
        Stop when every :math:`\\|\\dot W\\|_F/\\|C\\|_F` is below it.
    save_every, callback, check
        As in :func:`brockett_flow`; ``callback(step, W)``.
    """
    covariance = check_covariance(covariance) if check else torch.as_tensor(covariance)
    k = _check_rank(covariance, k)
    w = _initial_frame(covariance, k, frame, generator, seed)
    norm = _frobenius(covariance)
    dt = (1.0 / norm) if dt is None else torch.as_tensor(dt, dtype=covariance.dtype)
    dt = torch.as_tensor(dt, dtype=covariance.dtype, device=covariance.device).expand(covariance.shape[:-2])
    h = dt[..., None, None]

    times, saved, objective = [0.0], [w], [_trace_objective(covariance, w)]
    step = 0
    for step in range(1, steps + 1):
        k1 = _oja_velocity(covariance, w)
        k2 = _oja_velocity(covariance, w + h / 2 * k1)
        k3 = _oja_velocity(covariance, w + h / 2 * k2)
        k4 = _oja_velocity(covariance, w + h * k3)
        w = w + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if callback is not None:
            callback(step, w)
        done = tolerance > 0 and bool((torch.linalg.matrix_norm(k1) / norm < tolerance).all())
        if (save_every and step % save_every == 0) or done or step == steps:
            times.append(float(dt.flatten()[0]) * step if dt.numel() else 0.0)
            saved.append(w)
            objective.append(_trace_objective(covariance, w))
        if done:
            break
    logger.info("Oja flow stopped after %d steps", step)
    return _frame_result(covariance, times, saved, objective,
                         torch.linalg.matrix_norm(_oja_velocity(covariance, w)) / norm, step)


def _trace_objective(covariance, w):
    return torch.diagonal(w.mT @ covariance @ w, dim1=-2, dim2=-1).sum(-1)


def _frame_result(covariance, times, saved, objective, residual, steps):
    frame = saved[-1]
    ritz = torch.linalg.eigvalsh(frame.mT @ covariance @ frame).flip(-1)
    return PCAFlowResult(
        times=torch.tensor(times, dtype=torch.float64), trajectory=torch.stack(saved), frame=frame,
        eigenvalues=ritz, objective=torch.stack(objective),
        ellipsoid_volume=ellipsoid_volume(covariance, frame), residual=residual, steps=steps)


def log_det_ascent(covariance, k: int, *, frame=None, steps: int = 2000, dt=None,
                   tolerance: float = 0.0, save_every: int = 10, seed: int = 0,
                   generator: torch.Generator | None = None, callback: Callable | None = None,
                   check: bool = True) -> PCAFlowResult:
    """Maximise :math:`\\log\\det(U^TCU)` over orthonormal k-frames by Riemannian gradient ascent.

    Each step is :math:`U \\mapsto \\mathrm{pf}(U + \\delta t\\,G)` with the Riemannian gradient
    :math:`G = 2(I - UU^T)CUM^{-1}`, :math:`M = U^TCU`, and the polar retraction
    :math:`\\mathrm{pf}(A) = A(A^TA)^{-1/2}`.

    Parameters
    ----------
    covariance : torch.Tensor, shape ``(..., n, n)``
        Of rank at least k, so that :math:`\\log\\det(U^TCU)` is finite for generic frames.
    k : int
    frame, seed, generator
        Initial frame, as in :func:`oja_flow`.
    dt : float, optional
        Default, per matrix and step, :math:`\\lambda_{\\min}(M)/(4\\|C\\|_F)`, a quarter of the
        inverse curvature scale of the objective.
    tolerance : float
        Stop when every :math:`\\|G\\|_F\\,\\lambda_{\\min}(M)/\\|C\\|_F` is below it.
    save_every, callback, check
        As in :func:`brockett_flow`; ``callback(step, U)``.
    """
    covariance = check_covariance(covariance) if check else torch.as_tensor(covariance)
    k = _check_rank(covariance, k)
    u = _initial_frame(covariance, k, frame, generator, seed)
    norm = _frobenius(covariance)
    gram = u.mT @ covariance @ u
    smallest = torch.linalg.eigvalsh(gram)[..., 0]
    if bool((smallest <= 0).any()):
        index = _first_index(smallest <= 0)
        raise CovarianceError(f"covariance{index} restricted to the initial frame is singular "
                              f"(smallest eigenvalue of U^T C U = {float(smallest[index]):.3g}); "
                              f"log det needs a covariance of rank >= k = {k} and a generic frame")

    times, saved, objective = [0.0], [u], [torch.log(torch.linalg.eigvalsh(gram)).sum(-1)]
    elapsed, step, residual = 0.0, 0, torch.zeros_like(norm)
    for step in range(1, steps + 1):
        # k x k symmetric eigendecompositions give M^-1, log det M and the retraction; they
        # are cheap next to the n x n products.
        eigenvalues, vectors = torch.linalg.eigh(u.mT @ covariance @ u)
        inverse = (vectors / eigenvalues[..., None, :]) @ vectors.mT
        product = covariance @ u
        gradient = 2 * (product - u @ (u.mT @ product)) @ inverse
        residual = torch.linalg.matrix_norm(gradient) * eigenvalues[..., 0] / norm
        size = eigenvalues[..., 0] / (4 * norm) if dt is None else torch.as_tensor(dt, dtype=u.dtype)
        size = torch.as_tensor(size, dtype=u.dtype, device=u.device).expand(norm.shape)
        u = _polar(u + size[..., None, None] * gradient)
        elapsed += float(size.flatten()[0]) if size.numel() else 0.0
        if callback is not None:
            callback(step, u)
        done = tolerance > 0 and bool((residual < tolerance).all())
        if (save_every and step % save_every == 0) or done or step == steps:
            times.append(elapsed)
            saved.append(u)
            objective.append(torch.log(torch.linalg.eigvalsh(u.mT @ covariance @ u)).sum(-1))
        if done:
            break
    logger.info("log-det ascent stopped after %d steps", step)
    return _frame_result(covariance, times, saved, objective, residual, step)


def _polar(matrix):
    """Return the orthonormal polar factor :math:`A(A^TA)^{-1/2}`, a retraction onto the Stiefel manifold."""
    eigenvalues, vectors = torch.linalg.eigh(matrix.mT @ matrix)
    return matrix @ ((vectors * eigenvalues.rsqrt()[..., None, :]) @ vectors.mT)
