"""Plain-text and LaTeX summaries of a metric's curvature."""

from __future__ import annotations

import sympy

from ._metric import Metric
from ._tensor import Tensor

__all__ = ["curvature_report"]


def _index_text(tensor: Tensor, key, latex: bool) -> str:
    names = [tensor.chart.coordinates[i] for i in key]
    if latex:
        groups = []
        for position, coordinate in zip(tensor.positions, names):
            if groups and groups[-1][0] == position:
                groups[-1][1].append(sympy.latex(coordinate))
            else:
                groups.append((position, [sympy.latex(coordinate)]))
        parts = [("^{" if p == "u" else "_{") + " ".join(c) + "}" for p, c in groups]
        return tensor.name + "{}".join(parts)
    upper = " ".join(str(c) for p, c in zip(tensor.positions, names) if p == "u")
    lower = " ".join(str(c) for p, c in zip(tensor.positions, names) if p == "d")
    name = tensor.name.lstrip("\\")
    return f"{name}^({upper})_({lower})" if upper else f"{name}_({lower})"


def _section(title: str, tensor: Tensor, latex: bool) -> list[str]:
    lines = [f"% {title}" if latex else f"{title}:"]
    components = tensor.nonzero(independent=True, factor=True)
    if not components:
        lines.append("  0" if not latex else "0")
    for key, value in components.items():
        if latex:
            lines.append(f"{_index_text(tensor, key, True)} = {sympy.latex(value)}")
        else:
            lines.append(f"  {_index_text(tensor, key, False)} = {value}")
    return lines


def curvature_report(metric: Metric, latex: bool = False) -> str:
    """Format the metric, its non-zero independent curvature components and its scalars as text.

    Independent means one component per orbit of the index symmetries:
    :math:`\\Gamma^a{}_{bc}` with b <= c, :math:`R^a{}_{bcd}` with c < d,
    :math:`R_{bd}` with b <= d.  Components are factored for reading.
    """
    coordinates = ", ".join(str(c) for c in metric.chart.coordinates)
    line_element = metric.line_element
    lines = [
        f"% coordinates: {coordinates}" if latex else f"coordinates: {coordinates}",
        f"ds^2 = {sympy.latex(line_element)}" if latex else f"ds^2 = {line_element}",
        "",
    ]
    for title, tensor in (("Christoffel symbols Gamma^a_bc", metric.christoffel),
                          ("Riemann tensor R^a_bcd", metric.riemann),
                          ("Ricci tensor R_bd", metric.ricci)):
        lines.extend(_section(title, tensor, latex))
        lines.append("")
    scalars = (("Ricci scalar R", metric.ricci_scalar_element.factor()),
               ("Kretschmann scalar R_abcd R^abcd", metric.kretschmann_element.factor()))
    for title, value in scalars:
        lines.append(f"% {title}\n{sympy.latex(value)}" if latex else f"{title} = {value}")
    return "\n".join(lines)
