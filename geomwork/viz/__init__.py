"""Pictures: pyvista (off screen by default) and matplotlib. Takes numpy data, never sympy."""

__all__: list[str] = []
