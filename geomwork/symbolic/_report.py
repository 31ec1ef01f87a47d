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


def gauge_report(connection, latex: bool = False, integrate: bool = True) -> str:
    """Format a connection's field strength, action density, duality and integrals as text.

    For four-dimensional Cartesian charts the action and instanton number are
    integrated exactly over all of R^4 when their densities separate in
    hyperspherical coordinates (otherwise the report says so).  A U(1) field on a
    chart with finite ranges reports its first Chern number instead.
    """
    from ._forms import FormError
    from ._gauge import integrate_over_space

    chart = connection.chart
    lines = [f"connection {connection.name}: {connection.algebra.name} on chart {chart.name} "
             f"({', '.join(str(c) for c in chart.coordinates)})", "",
             "% field strength F^a_{mu nu}" if latex else "field strength F^a_(mu nu):"]
    strength = connection._field_strength
    if not strength:
        lines.append("  0")
    for (a, mu, nu), value in sorted(strength.items()):
        pair = f"{chart.coordinates[mu]} {chart.coordinates[nu]}"
        if latex:
            lines.append(f"F^{{{a + 1}}}{{}}_{{{sympy.latex(chart.coordinates[mu])} "
                         f"{sympy.latex(chart.coordinates[nu])}}} = {sympy.latex(value.factor())}")
        else:
            lines.append(f"  F^{a + 1}_({pair}) = {value.factor()}")
    density = connection.action_density().factor()
    lines += ["", f"action density (1/4)<F, F> = {sympy.latex(density) if latex else density}"]
    if chart.dim == 4:
        if connection.is_self_dual():
            verdict = "self-dual (F = *F)"
        elif connection.is_self_dual(anti=True):
            verdict = "anti-self-dual (F = -*F)"
        else:
            verdict = "neither self-dual nor anti-self-dual"
        lines.append(f"duality: {verdict}")
        if integrate:
            try:
                action = integrate_over_space(connection.action_form(), separable_only=True)
                charge = integrate_over_space(connection.instanton_density(), separable_only=True)
            except FormError:
                lines.append("action S and instanton number: not computed exactly, because the "
                             "densities do not separate in hyperspherical coordinates")
            else:
                lines.append(f"action S (g = 1, over R^4) = "
                             f"{sympy.latex(action) if latex else action}")
                lines.append(f"instanton number k = {charge}")
    else:
        lines.append(f"duality: not defined in dimension {chart.dim}")
        if connection.algebra.dim == 1 and integrate and len(chart.ranges) == chart.dim:
            lines.append(f"first Chern number = {connection.first_chern_form().integrate()}")
    return "\n".join(lines)
