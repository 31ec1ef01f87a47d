"""Monte Carlo for the Wilson action: heat-bath and overrelaxation, vectorised by checkerboard.

The chain samples :math:`e^{-S}` with
:math:`S = \\beta\\sum_{x,\\mu<\\nu}(1 - \\mathrm{Re\\,tr}\\,P_{\\mu\\nu}(x)/N)`.  The part of
:math:`S` that depends on one link is :math:`-\\tfrac{\\beta}{N}\\mathrm{Re\\,tr}(U_\\mu(x)A_\\mu(x))`
with :math:`A_\\mu(x)` the staple sum, which involves no other link of direction ``mu`` on
sites of the same parity.  All links of one direction and one parity are therefore updated
at once, as a few tensor operations.  This needs an even extent in every direction.

* SU(N), N >= 2: Cabibbo–Marinari heat-bath over the N(N-1)/2 SU(2) subgroups, each drawn
  with the Kennedy–Pendleton algorithm (Phys. Lett. B156 (1985) 393); for SU(2) this is
  the exact heat-bath.
* U(1): heat-bath, drawing the link angle from the von Mises distribution with the
  Best–Fisher algorithm (Appl. Statist. 28 (1979) 152).
* Overrelaxation: the reflection that keeps :math:`\\mathrm{Re\\,tr}(UA)` fixed, per subgroup.

Every random number comes from the chain's ``torch.Generator``, so a chain resumed from
:meth:`MarkovChain.state_dict` continues exactly as the uninterrupted chain.
"""

from __future__ import annotations

import logging
import math

import torch

from ._groups import U1, quaternion_to_su2, su2_to_quaternion
from ._lattice import LatticeGaugeField, _dagger, parity_mask, staple_sum

__all__ = ["MarkovChain", "binned_mean_error", "heatbath_sweep", "overrelaxation_sweep"]

logger = logging.getLogger("geomwork.numeric.montecarlo")

# The Kennedy-Pendleton acceptance falls to 0 as alpha -> 0, so below this alpha a Haar
# proposal with acceptance exp(alpha (a0 - 1)) >= exp(-2 alpha) is used instead.
_KENNEDY_PENDLETON_MIN_ALPHA = 1.0


# Sampling SU(2) and U(1) --------------------------------------------------------------------


def _uniform_open(count: int, like: torch.Tensor, generator) -> torch.Tensor:
    """Uniform numbers in (0, 1], safe to take the logarithm of."""
    return 1.0 - torch.rand(count, generator=generator, dtype=like.dtype, device=like.device)


def _sample_su2_a0(alpha: torch.Tensor, generator) -> torch.Tensor:
    """Draw :math:`a_0 \\in [-1, 1]` with density :math:`\\propto \\sqrt{1 - a_0^2}\\,e^{\\alpha a_0}`.

    Kennedy–Pendleton: :math:`\\delta = 1 - a_0` is proposed from the Gamma(3/2, alpha)
    density :math:`\\propto \\sqrt\\delta e^{-\\alpha\\delta}` and accepted with probability
    :math:`\\sqrt{1 - \\delta/2}`.  Small ``alpha`` uses a Haar proposal instead.
    """
    a0 = torch.empty_like(alpha)
    pending = torch.arange(alpha.numel(), device=alpha.device)
    while pending.numel():
        count = pending.numel()
        pending_alpha = alpha[pending]
        r1, r2, r3, r4 = (_uniform_open(count, alpha, generator) for _ in range(4))

        # Kennedy-Pendleton proposal and test.
        gamma = -(torch.log(r1) + torch.cos(2 * math.pi * r2) ** 2 * torch.log(r3))
        delta = gamma / pending_alpha.clamp(min=_KENNEDY_PENDLETON_MIN_ALPHA)
        accept_kp = r4 * r4 <= 1.0 - 0.5 * delta

        # Haar proposal: the a0 of a uniform point on S^3 has density ~ sqrt(1 - a0^2), the law
        # of the x coordinate of a uniform point in the unit disc.
        haar_a0 = torch.sqrt(r1) * torch.cos(2 * math.pi * r2)
        accept_haar = r4 <= torch.exp(pending_alpha * (haar_a0 - 1.0))

        use_kp = pending_alpha >= _KENNEDY_PENDLETON_MIN_ALPHA
        proposal = torch.where(use_kp, 1.0 - delta, haar_a0)
        accepted = torch.where(use_kp, accept_kp, accept_haar)
        a0[pending[accepted]] = proposal[accepted]
        pending = pending[~accepted]
    return a0


def _sample_su2_heatbath(alpha: torch.Tensor, generator) -> torch.Tensor:
    """Draw SU(2) quaternions ``(..., 4)`` with density :math:`\\propto e^{\\alpha a_0}` on :math:`S^3`."""
    flat_alpha = alpha.reshape(-1)
    a0 = _sample_su2_a0(flat_alpha, generator)
    direction = torch.randn((flat_alpha.numel(), 3), generator=generator, dtype=alpha.dtype, device=alpha.device)
    direction = direction / direction.norm(dim=-1, keepdim=True)
    vector = torch.sqrt((1.0 - a0 * a0).clamp(min=0.0)).unsqueeze(-1) * direction
    return torch.cat([a0.unsqueeze(-1), vector], dim=-1).reshape(*alpha.shape, 4)


def _sample_von_mises(kappa: torch.Tensor, generator) -> torch.Tensor:
    """Draw angles in :math:`(-\\pi, \\pi]` with density :math:`\\propto e^{\\kappa\\cos\\psi}` (Best–Fisher)."""
    flat_kappa = kappa.reshape(-1)
    angle = torch.empty_like(flat_kappa)
    pending = torch.arange(flat_kappa.numel(), device=kappa.device)

    # Best-Fisher constants, written to avoid cancellation at small kappa.
    k = flat_kappa.clamp(min=1e-12)
    root = torch.sqrt(1.0 + 4.0 * k * k)
    tau = 1.0 + root
    tau_minus_sqrt = tau * (4.0 * k * k / (root + 1.0)) / (tau + torch.sqrt(2.0 * tau))
    rho = tau_minus_sqrt / (2.0 * k)
    r = (1.0 + rho * rho) / (2.0 * rho)

    while pending.numel():
        count = pending.numel()
        u1, u2, u3 = (_uniform_open(count, flat_kappa, generator) for _ in range(3))
        kp, rp = k[pending], r[pending]
        z = torch.cos(math.pi * u1)
        f = (1.0 + rp * z) / (rp + z)
        c = kp * (rp - f)
        accepted = (c * (2.0 - c) - u2 > 0) | (torch.log(c / u2) + 1.0 - c >= 0)
        sign = torch.where(u3 > 0.5, 1.0, -1.0)
        values = sign * torch.arccos(f.clamp(-1.0, 1.0))
        angle[pending[accepted]] = values[accepted]
        pending = pending[~accepted]
    return angle.reshape(kappa.shape)


# Link updates on one direction and parity ---------------------------------------------------


def _subgroups(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def _update_subgroups(links, staples, beta, n, generator, heatbath: bool):
    """Return links updated in each SU(2) subgroup by heat-bath or by overrelaxation.

    For the subgroup (i, j), ``w`` is the (i, j) block of ``W = U A``. The action depends on
    the SU(2) factor ``r`` of ``U -> R U`` only through
    :math:`\\mathrm{Re\\,tr}(r w) = k\\,\\mathrm{Re\\,tr}(r V)`, where :math:`kV` is the
    quaternion part of ``w``.
    """
    product = links @ staples
    for i, j in _subgroups(n):
        rows = [i, j]
        block = product[..., rows, :][..., :, rows]
        quaternion = su2_to_quaternion(block)
        k = quaternion.norm(dim=-1).clamp(min=torch.finfo(quaternion.dtype).tiny)
        v = quaternion_to_su2(*(quaternion / k.unsqueeze(-1)).unbind(-1))
        if heatbath:
            # The density of X = r V is exp((2 beta k / N) x0), so r = X V^dagger.
            sample = _sample_su2_heatbath(2.0 * beta * k / n, generator)
            r = quaternion_to_su2(*sample.unbind(-1)) @ _dagger(v)
        else:
            # r = (V^dagger)^2 keeps Re tr(r V) = Re tr(V) and is its own inverse step.
            r = _dagger(v) @ _dagger(v)
        links = links.clone()
        links[..., rows, :] = r @ links[..., rows, :]
        product[..., rows, :] = r @ product[..., rows, :]
    return links


def _update_u1(links, staples, beta, generator, heatbath: bool):
    modulus = staples.abs().clamp(min=torch.finfo(staples.real.dtype).tiny)
    if heatbath:
        # Re(U A) = |A| cos(theta + arg A): draw psi = theta + arg A from von Mises(beta |A|).
        psi = _sample_von_mises(beta * modulus, generator)
        return torch.polar(torch.ones_like(psi), psi) * (staples.conj() / modulus)
    return links.conj() * (staples.conj() / modulus) ** 2


def _update_direction(field: LatticeGaugeField, mu: int, parity: int, beta: float, generator, heatbath: bool):
    links = field.links
    mask = parity_mask(field.extents, parity, device=links.device)
    staples = staple_sum(links, mu)[mask]
    current = links[..., mu, :, :][mask]
    if isinstance(field.group, U1):
        updated = _update_u1(current, staples, beta, generator, heatbath)
    else:
        updated = _update_subgroups(current, staples, beta, field.n, generator, heatbath)
    links[..., mu, :, :][mask] = updated


def heatbath_sweep(field: LatticeGaugeField, beta: float, generator: torch.Generator | None = None) -> None:
    """Update every link of ``field`` in place by one heat-bath step (checkerboard order).

    Parameters
    ----------
    field : LatticeGaugeField
        The configuration; its ``links`` tensor is modified in place.  Every extent must be even.
    beta : float
        Coupling of the Wilson action, :math:`\\beta = 2N/g_0^2`.
    generator : torch.Generator, optional
        Source of every random number, on the device of the field.
    """
    field.require_even_extents("checkerboard updates")
    for mu in range(field.ndim):
        for parity in (0, 1):
            _update_direction(field, mu, parity, beta, generator, heatbath=True)


def overrelaxation_sweep(field: LatticeGaugeField, beta: float = 1.0) -> None:
    """Update every link of ``field`` in place by one overrelaxation step; the action is unchanged.

    The step is deterministic and leaves the Wilson action unchanged up to round-off, so
    ``beta`` only enters through the staples' normalisation and can be left at 1.
    """
    field.require_even_extents("checkerboard updates")
    for mu in range(field.ndim):
        for parity in (0, 1):
            _update_direction(field, mu, parity, beta, None, heatbath=False)


# The chain ----------------------------------------------------------------------------------


class MarkovChain:
    """A Markov chain of gauge configurations for the Wilson action.

    One sweep is a heat-bath step on every link followed by ``overrelaxation_steps``
    overrelaxation steps; links are reunitarised every ``reunitarise_every`` sweeps.

    Parameters
    ----------
    field : LatticeGaugeField
        The start configuration (e.g. ``LatticeGaugeField.unit`` or ``.random``).  The chain
        works on a copy.  Every extent must be even.
    beta : float
        Coupling, :math:`\\beta = 2N/g_0^2`.
    generator : torch.Generator or int
        Source of every random number, or a seed for a new generator on the field's device.
    overrelaxation_steps : int
        Overrelaxation steps per sweep (default 1).
    reunitarise_every : int
        Sweeps between reunitarisations of all links (default 10).

    Examples
    --------
    >>> field = LatticeGaugeField.unit((4, 4), "su2")
    >>> chain = MarkovChain(field, beta=2.0, generator=7)
    >>> plaquettes = chain.run(3, measure=lambda current: float(current.mean_plaquette()))
    >>> len(plaquettes), chain.sweeps
    (3, 3)
    """

    def __init__(
        self,
        field: LatticeGaugeField,
        beta: float,
        *,
        generator: torch.Generator | int,
        overrelaxation_steps: int = 1,
        reunitarise_every: int = 10,
    ):
        field.require_even_extents("checkerboard updates")
        if not beta > 0:
            raise ValueError(f"MarkovChain beta = {beta!r} is invalid; the coupling must be positive")
        if overrelaxation_steps < 0 or reunitarise_every < 1:
            raise ValueError(
                f"MarkovChain overrelaxation_steps = {overrelaxation_steps} and reunitarise_every = "
                f"{reunitarise_every}; use overrelaxation_steps >= 0 and reunitarise_every >= 1"
            )
        self.field = field.clone()
        self.beta = float(beta)
        self.overrelaxation_steps = int(overrelaxation_steps)
        self.reunitarise_every = int(reunitarise_every)
        self.sweeps = 0
        if isinstance(generator, int):
            seed = generator
            generator = torch.Generator(device=field.device)
            generator.manual_seed(seed)
        self.generator = generator

    def sweep(self) -> None:
        """Run one sweep."""
        heatbath_sweep(self.field, self.beta, self.generator)
        for _ in range(self.overrelaxation_steps):
            overrelaxation_sweep(self.field, self.beta)
        self.sweeps += 1
        if self.sweeps % self.reunitarise_every == 0:
            self.field.links = self.field.group.reunitarise(self.field.links)

    def run(self, sweeps: int, *, measure=None, progress=None) -> list:
        """Run ``sweeps`` sweeps and return the measurements.

        Parameters
        ----------
        sweeps : int
            Number of sweeps.
        measure : callable, optional
            Called as ``measure(field)`` after every sweep; its results are returned in order.
        progress : object with ``update(n)``, optional
            For example a ``tqdm`` bar; ``update(1)`` is called after every sweep.  Silent by
            default.

        Returns
        -------
        list
            The measurements, empty without ``measure``.
        """
        logger.info("running %d sweeps at beta = %g on %s", sweeps, self.beta, self.field)
        results = []
        for _ in range(sweeps):
            self.sweep()
            if measure is not None:
                results.append(measure(self.field))
            if progress is not None:
                progress.update(1)
        logger.info("finished at sweep %d, mean plaquette %.8f", self.sweeps, float(self.field.mean_plaquette()))
        return results

    # Checkpoints ----------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """Return the chain state: links, parameters, sweep count and generator state.

        Every value is a tensor except ``"group"`` (the registry name, a string), so the
        dictionary can be written to HDF5 or with ``torch.save``.  Loading it with
        :meth:`from_state_dict` continues the chain exactly.
        """
        return {
            "links": self.field.links.clone(),
            "group": self.field.group.name,
            "beta": torch.tensor(self.beta, dtype=torch.float64),
            "overrelaxation_steps": torch.tensor(self.overrelaxation_steps),
            "reunitarise_every": torch.tensor(self.reunitarise_every),
            "sweeps": torch.tensor(self.sweeps),
            "generator_state": self.generator.get_state(),
        }

    @classmethod
    def from_state_dict(cls, state: dict) -> "MarkovChain":
        """Rebuild a chain from :meth:`state_dict`; it continues with the same random numbers."""
        missing = {"links", "group", "beta", "overrelaxation_steps", "reunitarise_every", "sweeps", "generator_state"} - set(state)
        if missing:
            raise ValueError(f"MarkovChain state is missing {sorted(missing)}; pass a dict from MarkovChain.state_dict()")
        field = LatticeGaugeField(state["links"], state["group"])
        generator = torch.Generator(device=field.device)
        generator.set_state(state["generator_state"])
        chain = cls(
            field,
            float(state["beta"]),
            generator=generator,
            overrelaxation_steps=int(state["overrelaxation_steps"]),
            reunitarise_every=int(state["reunitarise_every"]),
        )
        chain.sweeps = int(state["sweeps"])
        return chain


# Statistics ---------------------------------------------------------------------------------


def binned_mean_error(samples, n_bins: int = 20) -> tuple[float, float]:
    """Return the mean of a Monte Carlo series and its standard error from binning.

    The series is cut into ``n_bins`` consecutive bins of equal length, dropping a remainder
    at the start. The error is the standard error of the bin means. It accounts for
    autocorrelation when the bins are longer than the autocorrelation time.
    """
    values = torch.as_tensor(samples, dtype=torch.float64).reshape(-1)
    if values.numel() < 2 * n_bins:
        raise ValueError(
            f"binned_mean_error got {values.numel()} samples for {n_bins} bins; give at least 2 per bin"
        )
    size = values.numel() // n_bins
    bins = values[values.numel() - size * n_bins :].reshape(n_bins, size).mean(-1)
    return float(bins.mean()), float(bins.std(unbiased=True) / math.sqrt(n_bins))
