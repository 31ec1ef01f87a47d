"""``geomwork run``: the main job, from symbols to pictures in one output folder."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import typer

# Typer keeps the newlines of a docstring, so the help is written without them.
_RUN_HELP = (
    "Run a study end to end and write one folder of results.\n\n"
    "The built-in study derives the BPST instanton, verifies it exactly and generates its torch "
    "kernels. It puts the instanton on a 16^4 lattice with thermal noise and Wilson-flows it. It "
    "runs moduli attention on an ensemble of digit classifiers and Ricci-flows a sphere of "
    "revolution. The folder contains summary.json (every measured number), data.h5, study.toml, "
    "kernels/*.py, the PNG and GIF pictures and report.html."
)

_STUDY_HELP = (
    "all (the default: every part), instanton, attention, ricci, or the path of a STUDY.toml file "
    "whose keys are listed below."
)


def _settings_epilog() -> str:
    from .studies import describe_settings

    # Rich keeps these newlines, so lines under 76 characters show as written in an
    # 80-column terminal.
    lines = ["Study file keys (every key is optional; the value shown is the default):", ""]
    lines += [line.replace("[", "\\[") for line in describe_settings(width=76).splitlines()]
    return "\n".join(lines)


def _stop_on_sigterm(signum, frame) -> None:
    """Turn SIGTERM into SystemExit, so that the study removes its work folder on the way out."""
    raise SystemExit(128 + signum)


def run(
    study: str = typer.Argument("all", help=_STUDY_HELP, show_default=True),
    out: Path = typer.Option(Path("geomwork-run"), "--out", "-o",
                             help="Output folder; it must be absent or empty unless --overwrite is given."),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="Replace the whole folder of an earlier run, files added to it included, once the new "
                                        "one is complete."),
    setting: list[str] = typer.Option(
        [], "--set", "-s",
        help="Override a key, SECTION.KEY=VALUE in TOML syntax (repeatable), e.g. "
             "--set instanton.lattice=[8,8,8,8] or --set attention.networks=12."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars on stderr."),
) -> None:
    """Run a study end to end and write one folder of results (help text: ``_RUN_HELP``)."""
    from .studies import PARTS, StudyError, check_output_folder, default_study, load_study, parse_override

    try:
        overrides = [parse_override(text) for text in setting]
        if study == "all":
            config = default_study(overrides=overrides)
        elif study in PARTS:
            config = default_study([study], overrides)
        else:
            config = load_study(study, overrides)
        check_output_folder(out, overwrite)
    except StudyError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(2) from None

    from .studies import run_study

    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    start = time.perf_counter()

    def announce(part: str, description: str) -> None:
        typer.echo(f"[{time.perf_counter() - start:6.1f} s] {part}: {description}")

    typer.echo(f"geomwork run: parts {', '.join(config.parts)} from {config.source}, writing {out}")
    try:
        result = run_study(config, out, overwrite=overwrite, progress=progress, stage_callback=announce)
    except StudyError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"[{time.perf_counter() - start:6.1f} s] done")
    for label, text in result.headline():
        typer.echo(f"  {label}: {text}")
    typer.echo(f"wrote {len(result.summary['files'])} files to {result.folder}; open "
               f"{result.folder / 'report.html'}")


def register(app: typer.Typer) -> None:
    """Add ``run`` to the ``geomwork`` command."""
    app.command("run", help=_RUN_HELP, epilog=_settings_epilog(), no_args_is_help=False)(run)
