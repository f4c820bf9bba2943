"""HTML for the report: one self-contained page (inline CSS, Plotly's JavaScript inlined once).

Nothing on the page loads from the network: no CDN, no web fonts (a system font stack), no
MathJax, so it opens offline and survives being attached to an e-mail.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

FONT_STACK = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
    '"Noto Sans", "Liberation Sans", sans-serif'
)
# No Plotly logo link; responsive so charts fit the column.
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
FIGURE_COUNT_META = "behaviorseg-figures"

CSS = f"""
:root {{ --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --panel: #f8f9fb;
  --accent: #2f5d8a; --good: #2d7d46; --bad: #b3261e; --warn: #a86b00; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: {FONT_STACK}; color: var(--ink); background: #fff;
  line-height: 1.5; font-size: 15px; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 0 24px 48px; }}
header.top {{ background: linear-gradient(135deg, #1d3b5a, #2f5d8a); color: #fff;
  padding: 28px 0 22px; margin-bottom: 8px; }}
header.top .inner {{ max-width: 1180px; margin: 0 auto; padding: 0 24px; }}
header.top h1 {{ margin: 0 0 4px; font-size: 28px; font-weight: 650; letter-spacing: -0.01em; }}
header.top p {{ margin: 0; opacity: 0.85; }}
.kpis {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px;
  margin-top: 18px; }}
.kpi {{ background: rgba(255,255,255,0.12); border-radius: 10px; padding: 10px 14px; }}
.kpi .value {{ font-size: 22px; font-weight: 650; }}
.kpi .label {{ font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em;
  opacity: 0.8; }}
nav.toc {{ display: flex; flex-wrap: wrap; gap: 6px 14px; padding: 12px 0 4px;
  border-bottom: 1px solid var(--line); font-size: 13px; }}
nav.toc a {{ color: var(--accent); text-decoration: none; }}
nav.toc a:hover {{ text-decoration: underline; }}
section {{ padding: 22px 0 8px; border-bottom: 1px solid var(--line); }}
section h2 {{ font-size: 21px; margin: 0 0 4px; font-weight: 650; }}
section h3 {{ font-size: 16px; margin: 18px 0 6px; font-weight: 620; }}
p.lead {{ color: var(--muted); margin: 0 0 12px; max-width: 900px; }}
.note {{ background: var(--panel); border-left: 4px solid #9aa5b1; padding: 10px 14px;
  color: var(--muted); border-radius: 4px; margin: 8px 0; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr));
  gap: 14px; }}
.card {{ border: 1px solid var(--line); border-left: 6px solid var(--seg); border-radius: 10px;
  padding: 14px 16px; background: #fff; box-shadow: 0 1px 2px rgba(16,24,40,0.04); }}
.card h3 {{ margin: 0; font-size: 17px; }}
.card .size {{ display: flex; gap: 12px; align-items: baseline; margin: 4px 0 8px;
  flex-wrap: wrap; }}
.card .size strong {{ font-size: 22px; }}
.card .share {{ color: var(--muted); }}
.badge {{ display: inline-block; font-size: 12px; padding: 1px 8px; border-radius: 999px;
  background: #eef1f4; color: var(--muted); white-space: nowrap; }}
.badge.up {{ background: #e6f4ea; color: var(--good); }}
.badge.down {{ background: #fce8e6; color: var(--bad); }}
.card .profile {{ margin: 0 0 6px; }}
.card .zs {{ font-size: 12px; color: var(--muted); margin: 0 0 8px; }}
.card .metrics {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 6px;
  font-size: 12px; color: var(--muted); margin: 0 0 10px; }}
.card .metrics b {{ display: block; color: var(--ink); font-size: 14px; }}
.card .action {{ background: var(--panel); border-radius: 6px; padding: 8px 10px;
  font-size: 14px; }}
.card .action b {{ color: var(--accent); }}
.card .description {{ color: var(--muted); font-size: 13px; margin: 0 0 6px; }}
.figure {{ margin: 6px 0 10px; }}
table.data {{ border-collapse: collapse; font-size: 13px; margin: 6px 0 14px; }}
table.data th, table.data td {{ padding: 5px 10px; border-bottom: 1px solid var(--line);
  text-align: left; vertical-align: top; }}
table.data th {{ background: var(--panel); font-weight: 600; }}
table.data td.num, table.data th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.good {{ color: var(--good); font-weight: 600; }}
td.bad {{ color: var(--bad); font-weight: 600; }}
td.warn {{ color: var(--warn); font-weight: 600; }}
.two-col {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
  gap: 18px; }}
details {{ margin: 0 0 12px; }}
details summary {{ cursor: pointer; color: var(--accent); font-size: 14px; margin: 4px 0; }}
footer {{ color: var(--muted); font-size: 12px; padding: 18px 0; }}
"""


@dataclass(frozen=True)
class Section:
    """One titled part of the page; ``body`` is trusted HTML built by this package."""

    anchor: str
    title: str
    lead: str
    body: str


def escape(text: object) -> str:
    """Text made safe for HTML."""
    return html.escape(str(text), quote=True)


def note(text: str) -> str:
    """A short muted note, e.g. why a section has nothing to show."""
    return f'<div class="note">{escape(text)}</div>'


def figure_html(figure: go.Figure, div_id: str) -> str:
    """A figure's div and its script, without Plotly's library (the page carries it once)."""
    height = figure.layout.height or 420
    markup = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        config=PLOTLY_CONFIG,
        default_width="100%",
        default_height=f"{height}px",
    )
    return f'<div class="figure">{markup}</div>'


def table_html(
    frame: pd.DataFrame,
    *,
    numeric: Iterable[str] = (),
    cell_classes: pd.DataFrame | None = None,
) -> str:
    """A small HTML table of already formatted values; ``cell_classes`` styles single cells."""
    numeric = set(numeric)
    head = "".join(
        f'<th class="num">{escape(c)}</th>' if c in numeric else f"<th>{escape(c)}</th>"
        for c in frame.columns
    )
    rows = []
    for position, (_, row) in enumerate(frame.iterrows()):
        cells = []
        for column in frame.columns:
            classes = ["num"] if column in numeric else []
            if cell_classes is not None and column in cell_classes.columns:
                extra = cell_classes[column].iloc[position]
                if isinstance(extra, str) and extra:
                    classes.append(extra)
            attribute = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attribute}>{escape(row[column])}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def render_page(
    *,
    title: str,
    subtitle: str,
    kpis: Sequence[tuple[str, str]],
    sections: Sequence[Section],
    figure_count: int,
    footer: str,
) -> str:
    """The whole page; Plotly's library is inlined once in the head when any figure exists."""
    plotly_js = (
        '<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: "local"};</script>'
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        if figure_count
        else ""
    )
    kpi_html = "".join(
        f'<div class="kpi"><div class="value">{escape(value)}</div>'
        f'<div class="label">{escape(label)}</div></div>'
        for label, value in kpis
    )
    toc = "".join(f'<a href="#{s.anchor}">{escape(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{s.anchor}"><h2>{escape(s.title)}</h2>'
        + (f'<p class="lead">{escape(s.lead)}</p>' if s.lead else "")
        + f"{s.body}</section>"
        for s in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="{FIGURE_COUNT_META}" content="{figure_count}">'
        f"<title>{escape(title)}</title><style>{CSS}</style>{plotly_js}</head>"
        f'<body><header class="top"><div class="inner"><h1>{escape(title)}</h1>'
        f'<p>{escape(subtitle)}</p><div class="kpis">{kpi_html}</div></div></header>'
        f'<main><nav class="toc">{toc}</nav>{body}<footer>{escape(footer)}</footer></main>'
        "</body></html>\n"
    )
