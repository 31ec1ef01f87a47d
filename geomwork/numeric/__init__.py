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
    "assert_gauge_covariant",
    "assert_gauge_invariant",
    "binned_mean_error",
    "brockett_flow",
    "ButcherTableau",
    "check_covariance",
    "cool",
    "CovarianceError",
    "discretise_connection",
    "ellipsoid_volume",
    "find_t0",
    "find_w0",
    "FlowHistory",
    "GEOMETRIC_INTEGRATORS",
    "get_group",
    "grid_field_strength",
    "grid_topological_charge",
    "GROUPS",
    "heatbath_sweep",
    "instanton_action",
    "InstantonHistory",
    "INTEGRATORS",
    "LatticeGaugeField",
    "LieGroup",
    "link_transporters",
    "log_det_ascent",
    "LowStorageRungeKutta",
    "MarkovChain",
    "mean_link_trace",
    "mean_plaquette",
    "MinimisationHistory",
    "minimise_action",
    "MINIMISERS",
    "monopole_surface_kernel",
    "MonopoleSurfaceSolution",
    "oja_flow",
    "overrelaxation_sweep",
    "PCAFlowResult",
    "plaquette_field",
    "ProfileError",
    "read_configuration",
    "relax_instanton",
    "ricci_flow",
    "ricci_yang_mills_monopole_flow",
    "ricci_yang_mills_torus_flow",
    "RicciFlowSolution",
    "RotationalMetric",
    "round_sphere_extinction_time",
    "sample_potential",
    "self_duality_defect",
    "staple_sums",
    "SU2",
    "SU3",
    "SUN",
    "torus_kernel",
    "TorusSolution",
    "U1",
    "unitarity_tolerance",
    "UnstableStepError",
    "wedge_norm",
    "wilson_flow",
    "wilson_flow_force",
    "write_configuration",
]
