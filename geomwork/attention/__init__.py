"""Moduli attention: an ensemble of networks treated as an O(d) gauge field over a graph.

Pipeline, one step per line:

1. :func:`reduce_activity` centres hidden activity on a shared probe set and reduces it to ``d``
   dimensions.
2. :func:`build_connection` puts an orthogonal Procrustes map in O(d) on every edge of the
   ensemble graph.
3. :class:`Connection` measures curvature by triangle holonomy and the Yang–Mills energy.
4. :func:`synchronise` finds the nearest flat connection by O(d) synchronisation, the limit of
   :func:`relax_connection` (fidelity plus Yang–Mills energy) at infinite coupling.
5. :func:`find_islands` clusters curvature-reweighted edges into islands of agreement.
6. :class:`GaugeConsensusAttention` and :func:`moduli_attention` read the ensemble out.
7. :func:`island_ellipsoids` and :func:`compare_axes` give principal axes.

:func:`analyse_ensemble` runs steps 1 to 5 and 7 in one call.
"""

from ._activity import linear_cka, procrustes_map, reduce_activity, validate_activity
from ._axes import (
    AxisComparison,
    IslandEllipsoid,
    binet_cauchy_volume,
    compare_axes,
    consensus_activity,
    island_ellipsoids,
    principal_angles,
    principal_axes,
)
from ._checks import assert_gauge_equivariant, assert_gauge_invariant
from ._connection import (
    Connection,
    EnsembleGraph,
    build_connection,
    complete_graph,
    gram_distances,
    knn_graph,
    orthogonality_tolerance,
    procrustes_residuals,
    random_orthogonal,
)
from ._digits import DigitEnsemble, train_digit_ensemble
from ._islands import Islands, count_islands, edge_inconsistency, find_islands, island_affinity
from ._module import GaugeConsensusAttention, ModuliReadout, moduli_attention, network_consistency
from ._pipeline import ModuliAnalysis, analyse_ensemble, synchronise_islands
from ._relaxation import relax_connection
from ._planted import PlantedEnsemble, corrupt_connection, planted_ensemble, spiked_synchronisation_model
from ._synchronise import (
    SynchronisationResult,
    fix_reflection,
    flat_connection,
    polar_orthogonal,
    refine_gauges,
    spectral_synchronisation,
    synchronisation_fidelity,
    synchronise,
)

__all__: list[str] = [
    "AxisComparison",
    "Connection",
    "DigitEnsemble",
    "EnsembleGraph",
    "GaugeConsensusAttention",
    "IslandEllipsoid",
    "Islands",
    "ModuliAnalysis",
    "ModuliReadout",
    "PlantedEnsemble",
    "SynchronisationResult",
    "analyse_ensemble",
    "assert_gauge_equivariant",
    "assert_gauge_invariant",
    "binet_cauchy_volume",
    "build_connection",
    "compare_axes",
    "complete_graph",
    "consensus_activity",
    "corrupt_connection",
    "count_islands",
    "edge_inconsistency",
    "find_islands",
    "gram_distances",
    "fix_reflection",
    "flat_connection",
    "island_affinity",
    "island_ellipsoids",
    "knn_graph",
    "linear_cka",
    "moduli_attention",
    "network_consistency",
    "orthogonality_tolerance",
    "planted_ensemble",
    "polar_orthogonal",
    "principal_angles",
    "principal_axes",
    "procrustes_map",
    "procrustes_residuals",
    "random_orthogonal",
    "reduce_activity",
    "refine_gauges",
    "relax_connection",
    "spectral_synchronisation",
    "spiked_synchronisation_model",
    "synchronisation_fidelity",
    "synchronise",
    "synchronise_islands",
    "train_digit_ensemble",
    "validate_activity",
]
