"""The ``geomwork lattice`` commands: generate configurations by Monte Carlo and Wilson-flow them.

Both commands checkpoint to HDF5 and continue from the checkpoint with ``--resume``.  The chain's
generator state and sweep count are stored, and the flow is deterministic, so a resumed run
ends with exactly the links of an uninterrupted run with the same seed.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Optional

import typer
from tqdm import tqdm

lattice_app = typer.Typer(
    help="Generate lattice gauge configurations and run the Wilson flow on them.", no_args_is_help=True
)

logger = logging.getLogger("geomwork.cli.lattice")

# Output formats by file suffix; ILDG and NERSC files hold 4D SU(3) fields only.
_SUFFIX_FORMATS = {".lime": "ildg", ".ildg": "ildg", ".nersc": "nersc", ".h5": "hdf5", ".hdf5": "hdf5"}
_SU3_ONLY_FORMATS = {"ildg", "nersc"}


def _check_output_folder(path: Path) -> None:
    """Reject an output path whose folder is missing or that is a folder, before any work."""
    if path.is_dir():
        raise typer.BadParameter(f"{path} is a folder; give a file name such as {path / 'cfg.h5'}",
                                 param_hint="--out")
    if not path.parent.is_dir():
        raise typer.BadParameter(f"folder {path.parent} does not exist; create it first",
                                 param_hint="--out")


def _output_format(path: Path, format: Optional[str], group_name: str) -> str:
    from .numeric.io import FORMATS

    if format is None:
        format = _SUFFIX_FORMATS.get(path.suffix.lower())
        if format is None:
            raise typer.BadParameter(
                f"cannot tell the format of {path} from its suffix {path.suffix!r}; use one of "
                f"{', '.join(sorted(_SUFFIX_FORMATS))} or pass --format",
                param_hint="--out",
            )
    if format not in FORMATS or FORMATS[format].write is None:
        writable = sorted(name for name, entry in FORMATS.items() if entry.write is not None)
        raise typer.BadParameter(f"unknown output format {format!r}; use one of {writable}", param_hint="--format")
    if format in _SU3_ONLY_FORMATS and group_name != "su3":
        raise typer.BadParameter(
            f"format {format} stores SU(3) fields only, but the group is {group_name}; write an .h5 file instead",
            param_hint="--out",
        )
    return format


def _progress(total: int, initial: int, description: str):
    # disable=None turns the bar off when stderr is not a terminal (pipes, tests).
    return tqdm(total=total, initial=initial, desc=description, unit="step", disable=None)


# generate -----------------------------------------------------------------------------------


def _new_chain(group_name: str, size: int, beta: float, seed: int):
    from .numeric import LatticeGaugeField, MarkovChain

    field = LatticeGaugeField.unit((size,) * 4, group_name)
    return MarkovChain(field, beta, generator=seed)


def _save_chain(path: Path, chain, seed: int) -> None:
    from .numeric.io import write_checkpoint

    state = chain.state_dict()
    write_checkpoint(
        path,
        state["links"],
        group=state["group"],
        beta=chain.beta,
        seed=seed,
        step=chain.sweeps,
        rng_state=state["generator_state"],
        attributes={
            "overrelaxation_steps": chain.overrelaxation_steps,
            "reunitarise_every": chain.reunitarise_every,
        },
    )


def _load_chain(path: Path, group_name: str, size: int, beta: float, seed: int):
    import torch

    from .numeric import MarkovChain
    from .numeric.io import read_checkpoint

    if not path.is_file():
        raise typer.BadParameter(f"checkpoint {path} not found; run without --resume to start", param_hint="--checkpoint")
    checkpoint = read_checkpoint(path)
    stored = {"group": checkpoint.group, "size": int(checkpoint.links.shape[0]), "beta": checkpoint.beta,
              "seed": checkpoint.seed}
    requested = {"group": group_name, "size": size, "beta": beta, "seed": seed}
    for key, value in requested.items():
        if stored[key] != value:
            raise typer.BadParameter(
                f"checkpoint {path} has {key} = {stored[key]!r} but this run requests {value!r}; "
                f"pass --{key} {stored[key]} to resume it",
                param_hint="--resume",
            )
    state = {
        "links": checkpoint.links,
        "group": checkpoint.group,
        "beta": torch.tensor(checkpoint.beta, dtype=torch.float64),
        "overrelaxation_steps": torch.tensor(int(checkpoint.attributes["overrelaxation_steps"])),
        "reunitarise_every": torch.tensor(int(checkpoint.attributes["reunitarise_every"])),
        "sweeps": torch.tensor(checkpoint.step),
        "generator_state": torch.frombuffer(bytearray(checkpoint.rng_state), dtype=torch.uint8),
    }
    return MarkovChain.from_state_dict(state)


@lattice_app.command("generate")
def generate(
    group: str = typer.Option("su3", "--group", "-g", help="Gauge group: u1, su2, su3 or suN."),
    size: int = typer.Option(8, "--size", "-L", help="Extent L of the L^4 lattice; even, for checkerboard updates."),
    beta: float = typer.Option(6.0, "--beta", "-b", help="Coupling beta = 2N/g0^2 of the Wilson action."),
    sweeps: int = typer.Option(..., "--sweeps", "-n", help="Total number of sweeps (heat-bath plus overrelaxation)."),
    out: Path = typer.Option(..., "--out", "-o", help="Configuration file to write: .lime (ILDG), .nersc or .h5."),
    format: Optional[str] = typer.Option(None, "--format", help="Output format (ildg, nersc, hdf5); default from --out."),
    seed: int = typer.Option(0, "--seed", "-s", help="Seed of the chain's random number generator."),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="HDF5 checkpoint file of the chain."),
    checkpoint_every: int = typer.Option(10, "--checkpoint-every", help="Sweeps between checkpoint writes."),
    resume: bool = typer.Option(False, "--resume", help="Continue the chain from --checkpoint."),
) -> None:
    """Thermalise an L^4 configuration from a cold start and write it; print the plaquette."""
    from .numeric import get_group
    from .numeric.io import write_configuration

    try:
        group_name = get_group(group).name
    except ValueError:
        raise typer.BadParameter(f"unknown group {group!r}; use u1, su2, su3 or suN with N an "
                                 "integer (e.g. su4)", param_hint="--group") from None
    if size < 2 or size % 2:
        raise typer.BadParameter(
            f"lattice size {size} is invalid; checkerboard updates need an even size >= 2", param_hint="--size"
        )
    if not beta > 0:
        raise typer.BadParameter(f"beta = {beta} is invalid; the coupling must be positive", param_hint="--beta")
    if sweeps < 0 or checkpoint_every < 1:
        raise typer.BadParameter(
            f"--sweeps {sweeps} and --checkpoint-every {checkpoint_every}: use sweeps >= 0 and a positive interval",
            param_hint="--sweeps",
        )
    if resume and checkpoint is None:
        raise typer.BadParameter("--resume needs --checkpoint FILE to resume from", param_hint="--resume")
    _check_output_folder(out)
    output_format = _output_format(out, format, group_name)

    chain = _load_chain(checkpoint, group_name, size, beta, seed) if resume else _new_chain(group_name, size, beta, seed)
    if chain.sweeps > sweeps:
        raise typer.BadParameter(
            f"checkpoint {checkpoint} is at sweep {chain.sweeps}, past the requested --sweeps {sweeps}",
            param_hint="--sweeps",
        )
    logger.info("generating %s at beta %g from sweep %d to %d", chain.field, beta, chain.sweeps, sweeps)
    with _progress(sweeps, chain.sweeps, "sweeps") as bar:
        while chain.sweeps < sweeps:
            chain.run(min(checkpoint_every, sweeps - chain.sweeps), progress=bar)
            if checkpoint is not None:
                _save_chain(checkpoint, chain, seed)

    write_configuration(out, chain.field.links, output_format)
    typer.echo(f"wrote {out} ({output_format}): {group_name} on {size}^4 at beta {beta:g} after {chain.sweeps} sweeps")
    typer.echo(f"plaquette {float(chain.field.mean_plaquette()):.10f}")


# flow ---------------------------------------------------------------------------------------

_HISTORY_NAMES = ("t", "energy_clover", "energy_plaquette", "action", "topological_charge")


def _read_field(path: Path):
    from .numeric import LatticeGaugeField
    from .numeric.io import ConfigurationFileError, read_configuration

    if not path.is_file():
        raise typer.BadParameter(f"configuration file {path} not found", param_hint="CONFIGURATION")
    try:
        configuration = read_configuration(path)
    except ConfigurationFileError as error:
        message = str(error).split("; pass format=")[0]
        raise typer.BadParameter(f"{message}; the flow command reads ILDG (LIME), NERSC, openQCD "
                                 "and HDF5 files", param_hint="CONFIGURATION") from None
    if configuration.links.ndim != 7:
        raise typer.BadParameter(
            f"{path} contains a {configuration.links.ndim - 3}D field; the flow command needs a 4D field",
            param_hint="CONFIGURATION",
        )
    return LatticeGaugeField(configuration.links)


@lattice_app.command("flow")
def flow(
    configuration: Path = typer.Argument(..., help="Configuration file (ILDG, NERSC, openQCD or geomwork HDF5)."),
    t_max: float = typer.Option(..., "--t-max", "-t", help="Final flow time in lattice units."),
    step: float = typer.Option(0.01, "--step", "-e", help="Step size epsilon of the RK3 integrator."),
    out: Path = typer.Option(..., "--out", "-o", help="HDF5 file for the flowed links and t, E, t^2E, Q."),
    measure_every: int = typer.Option(1, "--measure-every", help="Steps between measurements and checkpoints."),
    resume: bool = typer.Option(False, "--resume", help="Continue the flow stored in --out."),
) -> None:
    """Run the Wilson flow (Lüscher's RK3) and print the plaquette, t0 and Q."""
    from .numeric import INTEGRATORS, FlowHistory, find_t0, wilson_flow_force
    from .numeric.io import read_checkpoint, write_checkpoint

    for option, value in (("--t-max", t_max), ("--step", step), ("--measure-every", measure_every)):
        if not value > 0:
            raise typer.BadParameter(f"{option} {value} is invalid; it must be positive",
                                     param_hint=option)
    _check_output_folder(out)
    steps = int(round(t_max / step))
    if not math.isclose(steps * step, t_max, rel_tol=1e-9):
        raise typer.BadParameter(
            f"--t-max {t_max} is not a whole number of steps of {step}; use --t-max {steps * step:g}",
            param_hint="--t-max",
        )
    field = _read_field(configuration)
    typer.echo(f"plaquette at t = 0: {float(field.mean_plaquette()):.10f}")

    history = FlowHistory()
    done = 0
    if resume:
        if not out.is_file():
            raise typer.BadParameter(f"flow file {out} not found; run without --resume to start", param_hint="--resume")
        stored = read_checkpoint(out)
        if tuple(stored.links.shape) != tuple(field.links.shape):
            raise typer.BadParameter(
                f"flow file {out} contains links of shape {tuple(stored.links.shape)}, not the shape of {configuration}",
                param_hint="--resume",
            )
        if not math.isclose(float(stored.attributes["epsilon"]), step):
            raise typer.BadParameter(
                f"flow file {out} was written with --step {stored.attributes['epsilon']}; resume with that step",
                param_hint="--step",
            )
        done = int(stored.step)
        if done > steps:
            raise typer.BadParameter(
                f"flow file {out} already reaches t = {done * step:g}, beyond --t-max {t_max:g}; "
                f"give --t-max of at least {done * step:g}",
                param_hint="--t-max",
            )
        field = field.with_links(stored.links)
        for name in _HISTORY_NAMES:
            getattr(history, name).extend(float(value) for value in stored.history[name])
    else:
        history.record(0.0, field)

    scheme = INTEGRATORS["rk3"]
    links = field.links

    def force(current):
        return wilson_flow_force(field, current)

    with _progress(steps, min(done, steps), "flow steps") as bar:
        for index in range(done + 1, steps + 1):
            links = scheme.step(links, step, force, field.group.exp)
            bar.update(1)
            if index % measure_every == 0 or index == steps:
                history.record(index * step, field.with_links(links))
                write_checkpoint(
                    out, links, group=field.group.name, step=index,
                    history={name: getattr(history, name) for name in _HISTORY_NAMES},
                    attributes={"epsilon": step, "source": str(configuration)},
                )
    field = field.with_links(links)

    typer.echo(f"plaquette at t = {t_max:g}: {float(field.mean_plaquette()):.10f}")
    try:
        typer.echo(f"t0 = {find_t0(history):.6f}")
    except ValueError as error:
        typer.echo(f"t0 not found: {error}")
    typer.echo(f"Q = {history.topological_charge[-1]:.6f}")
    typer.echo(f"wrote {out}")
