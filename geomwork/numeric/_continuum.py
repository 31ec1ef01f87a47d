"""Minimisation of the discretised continuum Yang–Mills action on a periodic grid.

The field is :math:`A^a_\\mu` sampled on a periodic grid, shape ``(N_1, ..., N_d, n, d)``, and
the action is :class:`geomwork.codegen.GridYangMillsAction`: central differences and the
rectangle rule, :math:`S_h = h^d\\sum_x \\tfrac14 F^a_{\\mu\\nu}F^a_{\\mu\\nu}` with coupling
:math:`g = 1`.  Autograd gives its gradient, and :func:`minimise_action` runs gradient descent
with a backtracking line search or L-BFGS with a strong-Wolfe line search, so the action never
increases from one recorded iterate to the next.

Self-duality on the grid
------------------------
With :math:`F^a_{\\mu\\nu}` from the same central differences, pointwise
:math:`\\tfrac14 F^a_{\\mu\\nu}F^a_{\\mu\\nu} \\ge \\tfrac14|F^a_{\\mu\\nu}\\tilde F^a_{\\mu\\nu}|` with
:math:`\\tilde F_{\\mu\\nu} = \\tfrac12\\epsilon_{\\mu\\nu\\rho\\sigma}F_{\\rho\\sigma}`, because
:math:`(F \\mp \\tilde F)^2 \\ge 0`.  Summed over the grid this gives
:math:`S_h \\ge 8\\pi^2|Q_h|` for :math:`Q_h = \\tfrac{h^4}{32\\pi^2}\\sum_x F^a_{\\mu\\nu}\\tilde F^a_{\\mu\\nu}`
(:func:`grid_topological_charge`), with equality exactly for grid fields whose
finite-difference :math:`F` is self-dual or anti-self-dual at every point.
:func:`self_duality_defect` returns :math:`S_h - 8\\pi^2|Q_h| \\ge 0`.

A periodic potential lives on the trivial bundle over the torus, so its continuum charge is 0
and no grid field is an exact instanton; :math:`Q_h` is not conserved by the minimisation.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field as dataclass_field
from typing import Mapping, Sequence

import torch

__all__ = [
    "MINIMISERS",
    "MinimisationHistory",
    "grid_field_strength",
    "grid_topological_charge",
    "minimise_action",
    "sample_potential",
    "self_duality_defect",
]

logger = logging.getLogger("geomwork.numeric.continuum")

MINIMISERS = ("gradient-descent", "lbfgs")
"""Names of the minimisation methods of :func:`minimise_action`."""


def _su2_structure_constants(dtype, device) -> torch.Tensor:
    constants = torch.zeros(3, 3, 3, dtype=dtype, device=device)
    for a, b, c in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        constants[a, b, c] = 1.0
        constants[b, a, c] = -1.0
    return constants


def sample_potential(
    potential,
    shape: Sequence[int],
    spacing: float,
    *,
    origin: Sequence[float] | None = None,
    parameters: Mapping[str, float] | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """Sample :math:`A^a_\\mu` at the grid points :math:`x = \\mathrm{origin} + h\\,n`.

    Parameters
    ----------
    potential : callable
        ``potential(x, **parameters)`` on points of shape ``(..., d)`` returning shape
        ``(..., n, d)``, e.g. the ``"potential"`` kernel of
        :func:`geomwork.codegen.connection_kernel`.
    shape : sequence of int
        Grid shape :math:`(N_1, \\dots, N_d)`.
    spacing : float
        Grid spacing :math:`h`.
    origin : sequence of float, optional
        Position of grid point 0; zero by default.

    Returns
    -------
    torch.Tensor
        Shape ``(N_1, ..., N_d, n, d)``, the layout of :class:`~geomwork.codegen.GridYangMillsAction`.
    """
    dimension = len(shape)
    origin = [0.0] * dimension if origin is None else [float(value) for value in origin]
    if len(origin) != dimension:
        raise ValueError(f"origin {origin} has {len(origin)} coordinates; the grid has {dimension} axes")
    axes = [origin[mu] + spacing * torch.arange(size, dtype=dtype) for mu, size in enumerate(shape)]
    points = torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=-1)
    return potential(points, **dict(parameters or {}))


def grid_field_strength(field: torch.Tensor, action, structure_constants: torch.Tensor | None = None) -> torch.Tensor:
    """Return :math:`F^c_{\\mu\\nu} = \\partial_\\mu A^c_\\nu - \\partial_\\nu A^c_\\mu + f_{ab}{}^c A^a_\\mu A^b_\\nu`.

    Parameters
    ----------
    field : torch.Tensor
        :math:`A^a_\\mu` of shape ``(N_1, ..., N_d, n, d)``.
    action : GridYangMillsAction
        Supplies the central differences (``action.derivatives``).
    structure_constants : torch.Tensor, optional
        ``f[a, b, c]`` with :math:`[T_a, T_b] = f_{ab}{}^c T_c`; :math:`\\epsilon_{abc}` (su(2)) by default.

    Returns
    -------
    torch.Tensor
        Shape ``(N_1, ..., N_d, n, d, d)``, index order ``[..., c, mu, nu]``.
    """
    if structure_constants is None:
        structure_constants = _su2_structure_constants(field.dtype, field.device)
    # derivatives[..., nu, a, mu] is d_nu A^a_mu; reorder to [..., a, nu, mu].
    derivative = action.derivatives(field).movedim(-3, -2)
    abelian = derivative - derivative.transpose(-2, -1)
    commutator = torch.einsum("abc,...am,...bn->...cmn", structure_constants, field, field)
    return abelian + commutator


def grid_topological_charge(field: torch.Tensor, action, structure_constants: torch.Tensor | None = None) -> torch.Tensor:
    """Return :math:`Q_h = \\tfrac{h^4}{32\\pi^2}\\sum_x F^a_{\\mu\\nu}\\tilde F^a_{\\mu\\nu}` of a 4D grid field.

    :math:`F^a_{\\mu\\nu}\\tilde F^a_{\\mu\\nu} = 4(F^a_{01}F^a_{23} - F^a_{02}F^a_{13} + F^a_{03}F^a_{12})`;
    :math:`Q_h` tends to the instanton number :math:`-\\tfrac{1}{8\\pi^2}\\int\\mathrm{tr}(F\\wedge F)`
    for smooth fields (+1 for the BPST instanton).
    """
    if action.dimension != 4:
        raise ValueError(f"the topological charge needs a 4D grid; this action has dimension {action.dimension}")
    strength = grid_field_strength(field, action, structure_constants)
    density = 4.0 * (
        strength[..., 0, 1] * strength[..., 2, 3]
        - strength[..., 0, 2] * strength[..., 1, 3]
        + strength[..., 0, 3] * strength[..., 1, 2]
    ).sum(-1)
    return density.sum() * math.prod(action.spacing) / (32.0 * math.pi**2)


def self_duality_defect(field: torch.Tensor, action, structure_constants: torch.Tensor | None = None) -> torch.Tensor:
    """Return :math:`S_h - 8\\pi^2|Q_h| \\ge 0`, zero exactly for (anti-)self-dual grid fields."""
    return action(field) - 8.0 * math.pi**2 * grid_topological_charge(field, action, structure_constants).abs()


@dataclass
class MinimisationHistory:
    """The action along a minimisation, one entry per accepted iterate (index 0 is the start).

    Attributes
    ----------
    action : list of float
        :math:`S_h` of each iterate.
    gradient_norm : list of float
        Euclidean norm of :math:`\\partial S_h/\\partial A^a_\\mu(x)` at each iterate.
    """

    action: list = dataclass_field(default_factory=list)
    gradient_norm: list = dataclass_field(default_factory=list)


def _value_and_gradient(action, field: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    variable = field.detach().requires_grad_(True)
    value = action(variable)
    (gradient,) = torch.autograd.grad(value, variable)
    return value.detach(), gradient


def _gradient_descent(action, field, iterations, learning_rate, history, progress):
    value, gradient = _value_and_gradient(action, field)
    history.action.append(float(value))
    history.gradient_norm.append(float(gradient.norm()))
    step = learning_rate
    for _ in range(iterations):
        # Backtracking: halve the step until the action falls (Armijo with constant 1e-4).
        squared_norm = float((gradient * gradient).sum())
        while True:
            candidate = field - step * gradient
            candidate_value = action(candidate).detach()
            if float(candidate_value) <= float(value) - 1e-4 * step * squared_norm or step < 1e-14:
                break
            step *= 0.5
        if float(candidate_value) > float(value):
            logger.info("gradient descent stopped: no step down from S = %.12g", float(value))
            break
        field = candidate
        value, gradient = _value_and_gradient(action, field)
        history.action.append(float(value))
        history.gradient_norm.append(float(gradient.norm()))
        step = min(2.0 * step, learning_rate)
        if progress is not None:
            progress.update(1)
    return field


def _lbfgs(action, field, iterations, learning_rate, history_size, history, progress):
    variable = field.detach().clone().requires_grad_(True)
    optimiser = torch.optim.LBFGS(
        [variable], lr=learning_rate, max_iter=1, history_size=history_size, line_search_fn="strong_wolfe"
    )

    def closure():
        optimiser.zero_grad()
        value = action(variable)
        value.backward()
        # The kernel's gradient can come back strided, and LBFGS flattens it with view().
        variable.grad = variable.grad.contiguous()
        return value

    value, gradient = _value_and_gradient(action, variable)
    history.action.append(float(value))
    history.gradient_norm.append(float(gradient.norm()))
    for _ in range(iterations):
        optimiser.step(closure)
        value, gradient = _value_and_gradient(action, variable)
        history.action.append(float(value))
        history.gradient_norm.append(float(gradient.norm()))
        if progress is not None:
            progress.update(1)
    return variable.detach()


def minimise_action(
    field: torch.Tensor,
    action,
    *,
    method: str = "lbfgs",
    iterations: int = 20,
    learning_rate: float | None = None,
    history_size: int = 20,
    progress=None,
) -> tuple[torch.Tensor, MinimisationHistory]:
    """Lower the discretised Yang–Mills action of a grid field.

    Parameters
    ----------
    field : torch.Tensor
        :math:`A^a_\\mu` of shape ``(N_1, ..., N_d, n, d)``, float64 by default; not modified.
    action : GridYangMillsAction
        The discretised action :math:`S_h`.
    method : {"gradient-descent", "lbfgs"}
        Gradient descent :math:`A \\mapsto A - \\eta\\,\\nabla S_h` with a backtracking line
        search (Armijo), or ``torch.optim.LBFGS`` with a strong-Wolfe line search, one
        iteration per recorded iterate.
    iterations : int
        Number of iterations.
    learning_rate : float, optional
        Largest gradient-descent step :math:`\\eta`, default :math:`h^{2-d}/8` (an estimate of a
        stable step for the stiffest finite-difference mode), or the
        L-BFGS ``lr`` (default 1).
    history_size : int
        L-BFGS memory.
    progress : object with ``update(n)``, optional
        For example a ``tqdm`` bar, updated after every iteration.

    Returns
    -------
    (torch.Tensor, MinimisationHistory)
        The minimised field and the action at every iterate, non-increasing.
    """
    if method not in MINIMISERS:
        raise ValueError(f"unknown minimisation method {method!r}; use one of {list(MINIMISERS)}")
    if not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations = {iterations!r} is invalid; use an integer >= 0")
    history = MinimisationHistory()
    volume_element = math.prod(action.spacing)
    h = min(action.spacing)
    logger.info("minimising the grid action of a field of shape %s by %s", tuple(field.shape), method)
    if method == "gradient-descent":
        # An estimate: the stiffest mode of grad S_h has eigenvalue of order d h^(d-2), so this
        # start step is stable and the line search rarely has to halve it.
        rate = learning_rate if learning_rate is not None else h * h / (8.0 * volume_element)
        result = _gradient_descent(action, field.detach(), iterations, rate, history, progress)
    else:
        rate = learning_rate if learning_rate is not None else 1.0
        result = _lbfgs(action, field, iterations, rate, history_size, history, progress)
    logger.info("grid action from %.10g to %.10g", history.action[0], history.action[-1])
    return result, history
