"""Code generation: sympy expressions to vectorised torch kernels.

This is the only bridge between :mod:`geomwork.symbolic` and the torch layers.
:func:`plan_kernel` turns expressions into a printable :class:`KernelPlan` (a
Python module cached on disk); :class:`Kernel` runs it on batched tensors.
On top of that sit the Yang–Mills jet kernels with a periodic grid action
(:class:`GridYangMillsAction`) and the SU(2)/SU(3) link kernels
(:class:`LatticeKernels`).
"""

from ._cache import CACHE_ENVIRONMENT_VARIABLE, KernelCache, KernelCacheWarning, default_cache_dir
from ._fields import FIELD_QUANTITIES, connection_expressions, connection_kernel, connection_kernels
from ._jet import (
    GridYangMillsAction,
    as_structure_constants,
    central_difference,
    field_strength_expression,
    jet_symbols,
    su2_structure_constants,
    yang_mills_density_expression,
    yang_mills_jet_kernel,
)
from ._lattice import (
    LatticeKernels,
    from_matrix,
    lattice_kernels,
    product_expression,
    projection_expression,
    real_trace_expression,
    to_matrix,
)
from ._kernel import Kernel, KernelPlan, find_cxx_compiler, plan_kernel
from ._printer import FUNCTION_TABLE, KernelPrinter, TorchFunction, UntranslatableExpressionError

__all__ = [
    "FIELD_QUANTITIES",
    "connection_expressions",
    "connection_kernel",
    "connection_kernels",
    "CACHE_ENVIRONMENT_VARIABLE",
    "FUNCTION_TABLE",
    "GridYangMillsAction",
    "Kernel",
    "KernelCache",
    "KernelCacheWarning",
    "KernelPlan",
    "KernelPrinter",
    "LatticeKernels",
    "TorchFunction",
    "UntranslatableExpressionError",
    "as_structure_constants",
    "central_difference",
    "default_cache_dir",
    "field_strength_expression",
    "find_cxx_compiler",
    "from_matrix",
    "jet_symbols",
    "lattice_kernels",
    "plan_kernel",
    "product_expression",
    "projection_expression",
    "real_trace_expression",
    "su2_structure_constants",
    "to_matrix",
    "yang_mills_density_expression",
    "yang_mills_jet_kernel",
]
