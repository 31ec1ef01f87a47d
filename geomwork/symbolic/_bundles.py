"""Principal bundles glued from trivial patches, and connections given patch by patch.

Conventions:

* a patch is a :class:`Chart`; an overlap of patches α and β carries the
  coordinate change :math:`x_\\beta = \\phi_{\\beta\\alpha}(x_\\alpha)` and the
  transition function :math:`g_{\\beta\\alpha}(x_\\alpha)` with values in G, so that
  local sections change as :math:`s_\\beta = g_{\\beta\\alpha}s_\\alpha`;
* the cocycle condition on a triple overlap is
  :math:`g_{\\gamma\\beta}g_{\\beta\\alpha} = g_{\\gamma\\alpha}`, and
  :math:`g_{\\alpha\\beta} = g_{\\beta\\alpha}^{-1}`;
* connections on overlapping patches are compatible when
  :math:`\\phi_{\\beta\\alpha}^*A_\\beta = g_{\\beta\\alpha}A_\\alpha g_{\\beta\\alpha}^{-1}
  - (dg_{\\beta\\alpha})g_{\\beta\\alpha}^{-1}`, the gauge transformation of
  :class:`~geomwork.symbolic.Connection`;
* an associated vector bundle through a representation
  :math:`\\rho` has transition functions :math:`\\rho(g_{\\beta\\alpha})`; for the
  defining representation these are the matrices themselves.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import sympy

from ._chart import Chart
from ._forms import ChartMap
from ._gauge import Connection, GaugeError, _adjoint, _is_identity, _matmul, _matrix
from ._lie import LieAlgebra

logger = logging.getLogger("geomwork.symbolic.bundles")

__all__ = ["BundleError", "PrincipalBundle", "Transition"]


class BundleError(ValueError):
    """Patches, transition functions or patchwise connections do not form a bundle."""


@dataclass
class Transition:
    """The gluing of patch α into patch β: coordinate change and transition function.

    ``coordinates`` are the β coordinates as expressions in the α coordinates;
    ``function`` is :math:`g_{\\beta\\alpha}` as a matrix of expressions in the α
    coordinates.
    """

    source: str
    target: str
    coordinates: Sequence
    function: sympy.Matrix


class PrincipalBundle:
    """A principal bundle with structure algebra ``algebra`` over a base covered by patches.

    Parameters
    ----------
    algebra : LieAlgebra
        The Lie algebra of the structure group, in the matrix representation
        used for transition functions.
    patches : mapping
        ``{name: Chart}``.
    transitions : sequence of Transition
        One per ordered pair (α, β) that overlaps, or one per unordered pair (the
        inverse is derived: :math:`g_{\\alpha\\beta} = g_{\\beta\\alpha}^{-1}`, with the
        inverse coordinate change given as ``inverse_coordinates``).
    name : str

    Raises
    ------
    BundleError
        For unknown patch names, a transition function outside the group, or a
        broken cocycle condition.
    """

    def __init__(self, algebra: LieAlgebra, patches: Mapping[str, Chart],
                 transitions: Sequence[Transition], name: str = "P"):
        self.algebra = algebra
        self.patches = dict(patches)
        self.name = name
        self.transitions: dict[tuple[str, str], Transition] = {}
        for transition in transitions:
            for end in (transition.source, transition.target):
                if end not in self.patches:
                    raise BundleError(f"bundle {name}: transition {transition.source}->"
                                      f"{transition.target} names patch {end!r}, which is not one "
                                      f"of {sorted(self.patches)}")
            self.transitions[transition.source, transition.target] = transition
            self._check_group_valued(transition)
        self._check_inverses()
        self._check_cocycles()

    # ------------------------------------------------------------------ checks

    def _probe(self, chart: Chart) -> Connection:
        zero = [[0] * chart.dim for _ in range(self.algebra.dim)]
        return Connection(self.algebra, chart, zero, name="probe")

    def _check_group_valued(self, transition: Transition) -> None:
        chart = self.patches[transition.source]
        try:
            self._probe(chart).check_group_element(transition.function)
        except GaugeError as error:
            raise BundleError(f"bundle {self.name}: transition function g_"
                              f"{transition.target}{transition.source}: {error}") from None

    def _compose(self, first: Transition, second: Transition):
        """Return :math:`g_{\\gamma\\beta}(\\phi_{\\beta\\alpha}(x))g_{\\beta\\alpha}(x)` on α's chart."""
        chart = self.patches[first.source]
        middle = self.patches[first.target]
        substitution = dict(zip(middle.coordinates, [sympy.sympify(e) for e in first.coordinates]))
        outer = sympy.Matrix(second.function).xreplace(substitution)
        return _matmul(_matrix(chart, outer), _matrix(chart, first.function), chart.field.zero)

    def _check_inverses(self) -> None:
        for (alpha, beta), forward in self.transitions.items():
            backward = self.transitions.get((beta, alpha))
            if backward is None or alpha >= beta:
                continue
            product = self._compose(forward, backward)
            if not _is_identity(product):
                raise BundleError(
                    f"bundle {self.name}: g_{alpha}{beta} g_{beta}{alpha} is not the identity; "
                    f"give g_{alpha}{beta} as the inverse of g_{beta}{alpha}"
                )

    def _check_cocycles(self) -> None:
        for (alpha, beta), (beta2, gamma) in itertools.product(self.transitions, repeat=2):
            if beta != beta2 or gamma == alpha or (alpha, gamma) not in self.transitions:
                continue
            chart = self.patches[alpha]
            direct = _matrix(chart, self.transitions[alpha, gamma].function)
            composed = self._compose(self.transitions[alpha, beta], self.transitions[beta, gamma])
            if any(composed[i][j] != direct[i][j]
                   for i in range(len(direct)) for j in range(len(direct))):
                raise BundleError(
                    f"bundle {self.name}: the cocycle condition g_{gamma}{beta} g_{beta}{alpha} = "
                    f"g_{gamma}{alpha} fails on the overlap of patches {alpha}, {beta}, {gamma}; "
                    "fix the transition functions so that they compose"
                )

    # ------------------------------------------------------------------ sections and connections

    def change_trivialisation(self, alpha: str, beta: str, section: Sequence) -> list:
        """Return a local section of the associated vector bundle in patch β from patch α.

        :math:`s_\\beta = g_{\\beta\\alpha}s_\\alpha` (defining representation), as
        expressions in the α coordinates.
        """
        transition = self._transition(alpha, beta)
        vector = sympy.Matrix(section)
        return list((sympy.Matrix(transition.function) * vector).applyfunc(sympy.simplify))

    def associated_transition(self, alpha: str, beta: str,
                              representation: Callable[[sympy.Matrix], sympy.Matrix]) -> sympy.Matrix:
        """Return :math:`\\rho(g_{\\beta\\alpha})` for a representation given as a function of matrices."""
        return sympy.Matrix(representation(sympy.Matrix(self._transition(alpha, beta).function)))

    def _transition(self, alpha: str, beta: str) -> Transition:
        transition = self.transitions.get((alpha, beta))
        if transition is None:
            raise BundleError(f"bundle {self.name}: no transition from patch {alpha!r} to "
                              f"{beta!r}; known overlaps: {sorted(self.transitions)}")
        return transition

    def check_connection(self, connections: Mapping[str, Connection]) -> None:
        """Check that patchwise connections agree on every overlap.

        Raises
        ------
        BundleError
            Naming the overlap and the first component where
            :math:`\\phi^*A_\\beta \\ne g A_\\alpha g^{-1} - dg\\,g^{-1}`.
        """
        missing = sorted(set(self.patches) - set(connections))
        if missing:
            raise BundleError(f"bundle {self.name}: no connection given on patch(es) {missing}")
        for (alpha, beta), transition in self.transitions.items():
            source, target = connections[alpha], connections[beta]
            if source.chart is not self.patches[alpha] or target.chart is not self.patches[beta]:
                raise BundleError(f"bundle {self.name}: the connection on patch {alpha!r} or "
                                  f"{beta!r} lives on another chart; build it on the patch's chart")
            expected = source.gauge_transform(transition.function)
            pulled = _pull_back_connection(target, source.chart, transition.coordinates)
            for a, mu in itertools.product(range(self.algebra.dim), range(source.chart.dim)):
                if pulled[a][mu] != expected.components[a][mu]:
                    raise BundleError(
                        f"bundle {self.name}: connections are incompatible on the overlap "
                        f"{alpha}->{beta}: component A^{a + 1}_{source.chart.coordinates[mu]} is "
                        f"{pulled[a][mu].expr} from patch {beta!r} but "
                        f"{expected.components[a][mu].expr} from the gauge transformation of "
                        f"patch {alpha!r}"
                    )

    def __repr__(self):
        return (f"PrincipalBundle({self.name}, algebra={self.algebra.name}, "
                f"patches={sorted(self.patches)})")


def _pull_back_connection(connection: Connection, chart: Chart, coordinates) -> list:
    """Return :math:`(\\phi^*A)^a{}_\\mu` on ``chart`` for the map given by ``coordinates``."""
    mapping = ChartMap(chart, connection.chart, coordinates, name="overlap")
    jacobian = mapping.jacobian_components
    zero = chart.field.zero
    pulled = []
    for a in range(connection.algebra.dim):
        images = [mapping.pull_scalar(value) for value in connection.components[a]]
        row = []
        for mu in range(chart.dim):
            total = zero
            for nu in range(connection.chart.dim):
                if images[nu] and jacobian[nu][mu]:
                    total = total + images[nu] * jacobian[nu][mu]
            row.append(total)
        pulled.append(row)
    return pulled


def monopole_bundle(charge: int = 1) -> tuple[PrincipalBundle, dict[str, Connection]]:
    """Build the U(1) bundle of charge n over :math:`S^2` with its Wu–Yang connection.

    Patches N (θ < π) and S (θ > 0) share the coordinates (θ, φ);
    :math:`A_N = -\\tfrac{in}{2}(1 - \\cos\\theta)d\\phi`,
    :math:`A_S = \\tfrac{in}{2}(1 + \\cos\\theta)d\\phi`, transition
    :math:`g_{SN} = e^{-in\\phi}` (with :math:`A \\mapsto gAg^{-1} - dg\\,g^{-1}`).
    The first Chern number, integrated patch by patch over the two
    hemispheres, is n.
    """
    from ._gauge_catalogue import dirac_monopole
    from ._lie import u1
    from ._metric import Metric

    north_field = dirac_monopole(charge)
    north = north_field.chart
    south = Chart("theta phi", name="S2 south", ranges={"theta": (0, sympy.pi),
                                                        "phi": (0, 2 * sympy.pi)})
    theta, phi = south.coordinates
    n = sympy.sympify(charge)
    south_field = Connection(u1(), south, [[0, -n * (1 + sympy.cos(theta)) / 2]], name="A_S",
                             metric=Metric(south, [1, sympy.sin(theta) ** 2], name="g_S2"))
    north_theta, north_phi = north.coordinates
    transitions = [
        Transition("N", "S", [north_theta, north_phi],
                   sympy.Matrix([[sympy.exp(-sympy.I * n * north_phi)]])),
        Transition("S", "N", [theta, phi], sympy.Matrix([[sympy.exp(sympy.I * n * phi)]])),
    ]
    bundle = PrincipalBundle(u1(), {"N": north, "S": south}, transitions,
                             name=f"monopole bundle (n = {charge})")
    return bundle, {"N": north_field, "S": south_field}


def instanton_bundle(degree: int = 1, rho=None) -> tuple[PrincipalBundle, dict[str, Connection] | None]:
    """Build the SU(2) bundle over :math:`S^4` clutched by a map of the given degree, with BPST for degree 1.

    Patches N and S are copies of :math:`\\mathbb{R}^4` with coordinates x and y,
    glued on :math:`\\mathbb{R}^4\\setminus 0` by the inversion :math:`y = x/|x|^2`
    (orientation reversing, so the S patch counts with the opposite
    orientation).  The transition is :math:`g_{SN} = u^k` with
    :math:`u = (x_4 - i\\,x\\cdot\\sigma)/|x|`, a map :math:`S^3 \\to SU(2)` of degree
    ±1.  For degree 1 the connection is BPST in regular gauge of size ρ on N,
    :math:`A^a{}_\\mu = 2\\eta^a{}_{\\mu\\nu}x_\\nu/(x^2 + \\rho^2)`, and on S
    :math:`A^a{}_\\mu = 2\\bar\\eta^a{}_{\\mu\\nu}y_\\nu/(y^2 + \\rho^{-2})`; for other
    degrees no connection is returned.
    """
    from ._gauge_catalogue import bpst, thooft_eta
    from ._lie import su

    rho = sympy.Symbol("rho", positive=True) if rho is None else sympy.sympify(rho)
    if not isinstance(degree, int) or degree == 0:
        raise BundleError(f"instanton bundle degree must be a non-zero integer, got {degree!r}")
    north_field = bpst(rho=rho)
    north = north_field.chart
    south = Chart([f"y{i + 1}" for i in range(4)], name="S4 south")
    sigma = [sympy.Matrix([[0, 1], [1, 0]]), sympy.Matrix([[0, -sympy.I], [sympy.I, 0]]),
             sympy.Matrix([[1, 0], [0, -1]])]

    def clutching(coordinates, power):
        norm = sympy.sqrt(sum(c ** 2 for c in coordinates))
        x_sigma = sum((coordinates[k] * sigma[k] for k in range(3)), sympy.zeros(2))
        unit = (coordinates[3] * sympy.eye(2) - sympy.I * x_sigma) / norm
        inverse = (coordinates[3] * sympy.eye(2) + sympy.I * x_sigma) / norm
        return (unit if power > 0 else inverse) ** abs(power)

    x, y = north.coordinates, south.coordinates
    x2, y2 = sum(c ** 2 for c in x), sum(c ** 2 for c in y)
    # on the overlap, u(x) written in y is u(y) since x/|x| = y/|y|
    transitions = [Transition("N", "S", [c / x2 for c in x], clutching(x, degree)),
                   Transition("S", "N", [c / y2 for c in y], clutching(y, -degree))]
    bundle = PrincipalBundle(su(2), {"N": north, "S": south}, transitions,
                             name=f"instanton bundle over S4 (degree {degree})")
    if degree != 1:
        return bundle, None
    components = [[2 * sum(thooft_eta(a, mu, nu, anti=True) * y[nu] for nu in range(4))
                   / (y2 + rho ** -2) for mu in range(4)] for a in range(3)]
    south_field = Connection(su(2), south, components, name="A_S")
    return bundle, {"N": north_field, "S": south_field}
