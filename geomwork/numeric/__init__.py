"""Numerics in torch: Lie groups, lattice gauge fields, Monte Carlo, flows and configuration I/O."""

from ._checks import assert_gauge_covariant, assert_gauge_invariant
from ._flows import (
    INTEGRATORS,
    FlowHistory,
    LowStorageRungeKutta,
    cool,
    find_t0,
    find_w0,
    wilson_flow,
    wilson_flow_force,
)
from ._continuum import (MINIMISERS, MinimisationHistory, grid_field_strength, grid_topological_charge,
                         minimise_action, sample_potential, self_duality_defect)
from ._geometric_integrators import GEOMETRIC_INTEGRATORS, ButcherTableau, UnstableStepError
from ._instanton import (InstantonHistory, discretise_connection, instanton_action, link_transporters,
                         relax_instanton)
from ._groups import GROUPS, SU2, SU3, SUN, U1, LieGroup, get_group, unitarity_tolerance
from ._lattice import LatticeGaugeField, mean_link_trace, mean_plaquette, plaquette_field, staple_sums
from ._montecarlo import MarkovChain, binned_mean_error, heatbath_sweep, overrelaxation_sweep
from ._pca_flows import (CovarianceError, PCAFlowResult, brockett_flow, check_covariance,
                         ellipsoid_volume, log_det_ascent, oja_flow, wedge_norm)
from ._ricci_flow import (ProfileError, RicciFlowSolution, RotationalMetric, ricci_flow,
                          round_sphere_extinction_time)
from ._rym_flow import (MonopoleSurfaceSolution, TorusSolution, monopole_surface_kernel,
                        ricci_yang_mills_monopole_flow, ricci_yang_mills_torus_flow, torus_kernel)
from .io import read_configuration, write_configuration

__all__: list[str] = [
    "FlowHistory",
    "GROUPS",
    "INTEGRATORS",
    "LatticeGaugeField",
    "LieGroup",
    "LowStorageRungeKutta",
    "MarkovChain",
    "SU2",
    "SU3",
    "SUN",
    "U1",
    "assert_gauge_covariant",
    "assert_gauge_invariant",
    "binned_mean_error",
    "cool",
    "find_t0",
    "find_w0",
    "get_group",
    "heatbath_sweep",
    "mean_link_trace",
    "mean_plaquette",
    "overrelaxation_sweep",
    "plaquette_field",
    "read_configuration",
    "staple_sums",
    "unitarity_tolerance",
    "wilson_flow",
    "wilson_flow_force",
    "write_configuration",
    "GEOMETRIC_INTEGRATORS",
    "ButcherTableau",
    "UnstableStepError",
    "CovarianceError",
    "PCAFlowResult",
    "brockett_flow",
    "check_covariance",
    "ellipsoid_volume",
    "log_det_ascent",
    "oja_flow",
    "wedge_norm",
    "ProfileError",
    "RicciFlowSolution",
    "RotationalMetric",
    "ricci_flow",
    "round_sphere_extinction_time",
    "MonopoleSurfaceSolution",
    "TorusSolution",
    "monopole_surface_kernel",
    "ricci_yang_mills_monopole_flow",
    "ricci_yang_mills_torus_flow",
    "torus_kernel",
    "InstantonHistory",
    "discretise_connection",
    "instanton_action",
    "link_transporters",
    "relax_instanton",
    "MINIMISERS",
    "MinimisationHistory",
    "grid_field_strength",
    "grid_topological_charge",
    "minimise_action",
    "sample_potential",
    "self_duality_defect",
]
