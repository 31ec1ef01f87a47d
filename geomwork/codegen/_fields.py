"""Field kernels: a connection's potential, curvature and densities on batches of points.

Each kernel takes one tensor ``x`` of shape ``(..., n)``, the chart's coordinates
in order, and the connection's remaining symbols (sizes, centres) as scalar
parameters.  The expressions come exactly from
:class:`geomwork.symbolic.Connection`, with numerators and denominators
factored, which keeps powers like :math:`(x^2 + \\rho^2)^4` unexpanded:

=====================  ====================================================  ===============
quantity               value                                                 output shape
=====================  ====================================================  ===============
``potential``          :math:`A^a{}_\\mu`                                      ``(..., dim G, n)``
``field-strength``     :math:`F^a{}_{\\mu\\nu}`                                ``(..., dim G, n, n)``
``action-density``     :math:`\\tfrac14\\langle F_{\\mu\\nu}, F^{\\mu\\nu}\\rangle`  ``(...)``
``instanton-density``  :math:`-\\tfrac{1}{8\\pi^2}\\operatorname{tr}(F\\wedge F)`
                       as the coefficient of :math:`dx^1\\wedge\\dots\\wedge dx^4`     ``(...)``
=====================  ====================================================  ===============
"""

from __future__ import annotations

import logging
from typing import Iterable

import sympy

from ._kernel import Kernel, plan_kernel

logger = logging.getLogger("geomwork.codegen.fields")

__all__ = ["FIELD_QUANTITIES", "connection_expressions", "connection_kernel", "connection_kernels"]


def _potential(connection):
    n = connection.chart.dim
    return sympy.Array([[connection.components[a][mu].factor() for mu in range(n)]
                        for a in range(connection.algebra.dim)])


def _field_strength(connection):
    n = connection.chart.dim
    return sympy.Array([[[connection.field_strength_component(a, mu, nu).factor() for nu in range(n)]
                         for mu in range(n)] for a in range(connection.algebra.dim)])


def _action_density(connection):
    return connection.action_density().factor()


def _instanton_density(connection):
    if connection.chart.dim != 4:
        raise ValueError(f"the instanton density needs a 4-dimensional base; connection "
                         f"{connection.name} lives on {connection.chart.dim} dimensions")
    return connection.instanton_density().component((0, 1, 2, 3)).factor()


FIELD_QUANTITIES = {
    "potential": _potential,
    "field-strength": _field_strength,
    "action-density": _action_density,
    "instanton-density": _instanton_density,
}


def connection_expressions(connection, quantity: str):
    """Return the exact sympy expression (or array) of a field quantity of a connection."""
    builder = FIELD_QUANTITIES.get(quantity)
    if builder is None:
        raise ValueError(f"unknown field quantity {quantity!r}; choose one of "
                         f"{', '.join(FIELD_QUANTITIES)}")
    return builder(connection)


def connection_kernel(connection, quantity: str, *, defaults=None, compile: bool = False,
                      cache_dir=None, use_cache: bool = True, name: str | None = None) -> Kernel:
    """Build the kernel of one field quantity of a connection.

    Parameters
    ----------
    connection : geomwork.symbolic.Connection
    quantity : str
        One of :data:`FIELD_QUANTITIES`.
    defaults : dict, optional
        Default values of the parameters (symbols other than the coordinates),
        by name, e.g. ``{"rho": 1.0}``.
    compile, cache_dir, use_cache
        As in :class:`Kernel`.
    name : str, optional
        Name of the generated function; default ``<quantity>`` with underscores.

    Examples
    --------
    >>> import torch
    >>> from geomwork.symbolic import bpst
    >>> density = connection_kernel(bpst(), "action-density", use_cache=False)
    >>> density(torch.zeros(1, 4, dtype=torch.float64), rho=1.0)
    tensor([48.], dtype=torch.float64)
    """
    expressions = connection_expressions(connection, quantity)
    coordinates = list(connection.chart.coordinates)
    free = (expressions.free_symbols if hasattr(expressions, "free_symbols")
            else set().union(*(e.free_symbols for e in sympy.flatten(expressions))))
    parameters = sorted(free - set(coordinates), key=str)
    kernel_name = name or quantity.replace("-", "_")
    logger.info("building %s kernel for %s with parameters %s", quantity, connection.name,
                [str(p) for p in parameters])
    plan = plan_kernel(expressions, {"x": coordinates}, {str(p): p for p in parameters},
                       defaults=defaults, name=kernel_name, cache_dir=cache_dir,
                       use_cache=use_cache)
    return Kernel.from_plan(plan, compile=compile)


def connection_kernels(connection, quantities: Iterable[str] = tuple(FIELD_QUANTITIES),
                       **options) -> dict[str, Kernel]:
    """Build the kernels of several field quantities; ``options`` as in :func:`connection_kernel`."""
    return {quantity: connection_kernel(connection, quantity, **options) for quantity in quantities}
