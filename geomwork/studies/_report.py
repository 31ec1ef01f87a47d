"""``report.html``: one page with every picture of a study and the numbers measured beside them."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

__all__ = ["headline", "notebook_html", "write_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1, h2 { font-weight: 600; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .92em; }
td, th { border: 1px solid #ddd; padding: .3em .7em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
figure { display: inline-block; margin: .5em; vertical-align: top; }
figure img { max-width: 34em; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #555; max-width: 34em; }
code { background: #f4f4f4; padding: 0 .2em; }
"""

_CAPTIONS = {
    "flow_observables": "S/8π², Q and t²E along the Wilson flow.",
    "action_density": "Isosurfaces of the action density on the slice through its peak, after the flow.",
    "charge_density": "Isosurfaces of the topological-charge density on the same slice.",
    "flow_animation": "The action density on that slice along the flow (levels of the last frame).",
    "charge_animation": "The topological-charge density on that slice along the flow (levels of the last frame).",
    "ellipsoids": "Frame Gram ellipsoids of the flowed links, coloured by action density, "
                  "with the principal axes of the sample sites.",
    "islands": "Each island's covariance ellipsoid against the PCA axes of the pooled synchronised activity.",
    "digits": "The largest island's consensus activity: one ellipsoid per digit class.",
    "energy": "Fidelity plus coupling times Yang–Mills energy along the relaxation.",
    "merge_tree": "The islands' merge tree (average linkage on the curvature-reweighted affinity).",
    "animation": "Ricci flow of the sphere of revolution, coloured by Gaussian curvature.",
}

_TITLES = {"instanton": "BPST instanton: exact, generated, on the lattice, flowed",
           "attention": "Moduli attention on the digits ensemble",
           "ricci": "Ricci flow of a sphere of revolution"}


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list) and len(value) > 12:
        return html.escape(json.dumps(value[:12])[:-1] + ", ...]")
    return html.escape(json.dumps(value) if isinstance(value, (list, dict, bool)) or value is None
                       else str(value))


def _rows(summary: dict[str, Any], prefix: str = "") -> list[str]:
    rows = []
    for key, value in summary.items():
        if key == "pictures":
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += _rows(value, f"{name}.")
        else:
            rows.append(f"<tr><th>{html.escape(name)}</th><td>{_value(value)}</td></tr>")
    return rows


def _figures(pictures: dict[str, str]) -> list[str]:
    return [f'<figure><img src="{html.escape(path)}" alt="{html.escape(name)}">'
            f"<figcaption><code>{html.escape(path)}</code>: {html.escape(_CAPTIONS.get(name, ''))}"
            "</figcaption></figure>" for name, path in pictures.items()]


def headline(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the key results of a study as (label, text) rows, part by part."""
    rows = []
    if "instanton" in summary:
        instanton = summary["instanton"]
        symbolic, lattice, flow = instanton["symbolic"], instanton["lattice"], instanton["flow"]
        error = max(kernel["max_relative_error_against_mpmath"] for kernel in instanton["kernels"].values())
        extents = "x".join(str(extent) for extent in lattice["extents"])
        rows += [
            ("exact BPST", f"self-dual {symbolic['self_dual']}, S = {symbolic['action']}, "
                           f"k = {symbolic['instanton_number']}"),
            ("kernels", f"{len(instanton['kernels'])} modules, largest relative error against mpmath "
                        f"{error:.1e}"),
            ("lattice", f"{lattice['group'].upper()} {extents}, rho = {lattice['size_rho']:g}: Q = "
                        f"{lattice['initial_charge']:.3f}, after the noise {lattice['noisy_charge']:.3f}"),
            (f"Wilson flow to t = {flow['flow_time']:g}", f"S/8pi^2 = {flow['action_over_8pi2']:.3f}, "
                                                          f"Q = {flow['charge']:.3f}"),
        ]
    if "attention" in summary:
        attention = summary["attention"]
        relaxation = attention["relaxation"]
        rows += [
            ("islands", f"{attention['island_count']} of sizes {attention['island_sizes']}"),
            ("readout accuracy", f"{attention['moduli_attention_accuracy']:.3f} (plain mean "
                                 f"{attention['plain_mean_accuracy']:.3f}, best network "
                                 f"{attention['best_network_accuracy']:.3f})"),
            ("Yang-Mills energy", f"{attention['yang_mills_energy']:.4g}, after relaxation at coupling "
                                  f"{relaxation['coupling']:g}: {relaxation['yang_mills_energy_after']:.4g}"),
        ]
    if "ricci" in summary:
        ricci = summary["ricci"]
        measured = ricci["extinction_time"]
        rows.append(("Ricci flow", "no extinction found" if measured is None else
                     f"extinction at t = {measured:.4f} against A0/8pi = {ricci['predicted_extinction_time']:.4f}"))
    return rows


def _headline_table(summary: dict[str, Any]) -> list[str]:
    return ["<table>", *[f"<tr><th>{html.escape(label)}</th><td>{html.escape(text)}</td></tr>"
                         for label, text in headline(summary)], "</table>"]


def notebook_html(folder: Path, summary: dict[str, Any]) -> str:
    """Return HTML for Jupyter: the key results and every picture, embedded so it shows anywhere."""
    parts = [f"<h3>{html.escape(summary['study'])}: {html.escape(str(folder))}</h3>", *_headline_table(summary)]
    for part in summary["parts"]:
        for name, file in summary[part].get("pictures", {}).items():
            kind = "gif" if file.endswith(".gif") else "png"
            data = base64.b64encode((folder / file).read_bytes()).decode("ascii")
            parts.append(f'<figure style="display:inline-block;margin:.3em"><img style="max-width:28em" '
                         f'src="data:image/{kind};base64,{data}" alt="{html.escape(name)}">'
                         f"<figcaption>{html.escape(file)}</figcaption></figure>")
    return "\n".join(parts)


def write_report(path: Path, summary: dict[str, Any]) -> None:
    """Write ``report.html`` for ``summary`` (as stored in ``summary.json``) to ``path``."""
    title = html.escape(summary["study"])
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>",
             f"<style>{_STYLE}</style></head><body>", f"<h1>{title}</h1>",
             (f"<p>geomwork {html.escape(summary['geomwork_version'])}, settings from "
             f"{html.escape(summary['source'])}, finished {html.escape(summary['finished'])} in "
             f"{summary['wall_seconds']:.1f} s. Every number is also in <code>summary.json</code>, the "
             "series in <code>data.h5</code> and the settings in <code>study.toml</code>.</p>"),
             "<h2>Key results</h2>", *_headline_table(summary)]
    for part in summary["parts"]:
        section = summary[part]
        parts.append(f"<h2>{html.escape(_TITLES[part])}</h2>")
        parts += _figures(section.get("pictures", {}))
        parts += ["<table>", *_rows(section), "</table>"]
    parts += ["<h2>Timings</h2><table>",
              *[f"<tr><th>{html.escape(k)}</th><td>{v:.2f} s</td></tr>" for k, v in summary["timings_seconds"].items()],
              "</table>", "<h2>Machine</h2><table>", *_rows(summary["machine"]), "</table></body></html>"]
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
