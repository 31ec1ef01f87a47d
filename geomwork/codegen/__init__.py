"""Code generation: sympy expressions to vectorised torch kernels.

This is the only bridge between :mod:`geomwork.symbolic` and the torch layers.
:func:`plan_kernel` turns expressions into a printable :class:`KernelPlan` (a
Python module cached on disk); :class:`Kernel` runs it on batched tensors.
"""

from ._cache import CACHE_ENVIRONMENT_VARIABLE, KernelCache, KernelCacheWarning, default_cache_dir
from ._kernel import Kernel, KernelPlan, find_cxx_compiler, plan_kernel
from ._printer import FUNCTION_TABLE, KernelPrinter, TorchFunction, UntranslatableExpressionError

__all__ = [
    "CACHE_ENVIRONMENT_VARIABLE",
    "FUNCTION_TABLE",
    "Kernel",
    "KernelCache",
    "KernelCacheWarning",
    "KernelPlan",
    "KernelPrinter",
    "TorchFunction",
    "UntranslatableExpressionError",
    "default_cache_dir",
    "find_cxx_compiler",
    "plan_kernel",
]
