"""Code generation: sympy expressions to vectorised torch kernels (the bridge between layers)."""

__all__: list[str] = []
