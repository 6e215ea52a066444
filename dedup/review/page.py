"""Render the review data (see ``dedup.review.data``) as one self-contained HTML page.

Everything is readable with scripts off: the summary, both charts (inline SVG drawn here),
the threshold preview table, every cluster with its word diff and the cleaning view are
plain HTML. The inline script only adds the slider, the cluster search and the document
picker. Nothing is fetched: no CDN, font or image, so the file opens offline.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["render"]

# Slider range of the threshold preview (the data builder's steps: 0.30, 0.35 ... 0.95).
PREVIEW_MIN, PREVIEW_MAX, PREVIEW_STEP = 0.3, 0.95, 0.05
# A run of more than _FOLD shared words in a diff shows its first and last _CONTEXT words
# around a "… N shared words …" marker, as a unified diff shows context lines. Measured on
# 2,000 synthetic documents (scripts/synth.py, seed 3, 60 clusters shown): page 1.36 MB
# with 30 words of context, 1.07 MB with 12; an exact copy of a 481-word document costs
# 0.4 KB instead of 6.3 KB. Twelve words is about a sentence either side of a change.
_CONTEXT = 12
_FOLD = 2 * _CONTEXT + 6
# Members of one cluster shown in full (diff or paragraph text); the rest are listed by id
# only, so a boilerplate paragraph found in 5,000 documents stays a few hundred KB.
_MEMBERS_SHOWN = 50
# Failures listed by path; the count is always given.
_FAILURES_SHOWN = 200
# Characters of a neighbouring paragraph shown as context, and of a cleaning example.
_CONTEXT_CHARS = 200
# Chart geometry, in SVG user units (the SVG scales to the page width).
_W, _H = 760, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 56, 44

_SERIES = (
    ("documents", "documents, by Jaccard"),
    ("documents_containment", "documents accepted by containment, by containment"),
    ("paragraphs", "paragraphs, by Jaccard"),
)
_THRESHOLDS = (
    ("threshold", "threshold"),
    ("containment", "containment"),
    ("paragraph_threshold", "paragraph threshold"),
)
_RULES = (
    '<p class="caption">A member is accepted by one rule: <code>exact</code> (the same words), <code>jaccard</code> '
    "(similarity at or above the threshold), <code>containment</code> (the shorter document's shingles found in the "
    "longer, at or above the containment threshold) or <code>url</code> (the same canonical URL).</p>\n"
)
_COUNTS = (
    ("documents", "documents read"),
    ("failed", "documents that failed"),
    ("doc_clusters", "document clusters"),
    ("duplicate_documents", "duplicate documents (dropped)"),
    ("paragraphs", "paragraphs"),
    ("paragraph_clusters", "paragraph clusters"),
    ("duplicate_paragraphs", "duplicate paragraphs (cut)"),
    ("boilerplate_spans", "boilerplate spans removed"),
    ("boilerplate_words", "boilerplate words removed"),
    ("candidates", "candidate pairs verified"),
    ("rejected_candidates", "candidate pairs rejected"),
)


def render(data: Mapping[str, Any]) -> str:
    """The whole page for ``data`` (the review JSON object); the same data gives the same string.

    Missing or empty sections render as a sentence saying so, never as an error.
    """
    title = str(data.get("title") or "dedup review")
    options = data.get("options") or {}
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="color-scheme" content="light dark">\n',
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n",
        f'<header><h1>{_e(title)}</h1>{_inputs(data)}<nav aria-label="Sections"><ul>'
        '<li><a href="#summary">Summary</a></li><li><a href="#similarities">Similarities</a></li>'
        '<li><a href="#preview">Threshold preview</a></li><li><a href="#clusters">Clusters</a></li>'
        '<li><a href="#cleaning">Cleaning</a></li></ul></nav></header>\n<main>\n',
        _summary(data, options),
        _histogram_section(data.get("histogram") or {}, options),
        _preview_section(data.get("preview") or [], options),
        _clusters_section(data),
        _cleaning_section(data.get("cleaning") or {}),
        "</main>\n",
        f'<script type="application/json" id="review-data">{_blob(data)}</script>\n',
        f"<script>{_JS}</script>\n</body>\n</html>\n",
    ]
    return "".join(parts)


def _e(value: object) -> str:
    """Text escaped for HTML content and quoted attributes.

    >>> _e('<a href="x">')
    '&lt;a href=&quot;x&quot;&gt;'
    """
    return escape(str(value), quote=True)


def _num(value: object) -> str:
    return str(int(value or 0))


def _n(count: object, word: str, plural: str = "") -> str:
    """A count and its noun.

    >>> _n(1, "span"), _n(2, "span"), _n(3, "copy", "copies")
    ('1 span', '2 spans', '3 copies')
    """
    n = int(count or 0)
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _f(value: object, digits: int = 3) -> str:
    """A similarity for people; ``None`` as a dash.

    >>> _f(0.5), _f(None)
    ('0.500', '–')
    """
    return "–" if value is None else f"{float(value):.{digits}f}"


def _attr_f(value: object) -> str:
    return "" if value is None else repr(float(value))


def _short(text: str, limit: int, tail: bool = False) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis; ``tail`` keeps the end.

    >>> _short("abcdef", 3), _short("abcdef", 3, tail=True), _short("ab", 3)
    ('abc…', '…def', 'ab')
    """
    if len(text) <= limit:
        return text
    return "…" + text[-limit:] if tail else text[:limit] + "…"


def _slider_value(threshold: object) -> float:
    """``threshold`` rounded to the slider's step and kept within its range.

    >>> _slider_value(0.52), _slider_value(0.1), _slider_value(0.99), _slider_value(None)
    (0.5, 0.3, 0.95, 0.5)
    """
    t = 0.5 if threshold is None else float(threshold)
    t = round(round(t / PREVIEW_STEP) * PREVIEW_STEP, 2)
    return min(PREVIEW_MAX, max(PREVIEW_MIN, t))


def _step_label(t: float) -> str:
    """A threshold as the range input writes it: ``0.5``, ``0.35``."""
    return f"{t:.2f}".rstrip("0").rstrip(".")


def _blob(data: Mapping[str, Any]) -> str:
    """What the script needs (no diffs or texts: the HTML has them), safe inside <script>."""
    small = {
        "version": data.get("version"),
        "options": data.get("options") or {},
        "summary": data.get("summary") or {},
        "preview": data.get("preview") or [],
        "histogram": data.get("histogram") or {},
        "doc_clusters_total": data.get("doc_clusters_total"),
        "paragraph_clusters_total": data.get("paragraph_clusters_total"),
    }
    text = json.dumps(small, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<!--", "\\u003c!--").replace("</", "<\\/")


def _inputs(data: Mapping[str, Any]) -> str:
    inputs = [str(p) for p in data.get("inputs") or []]
    sample = data.get("sample") or {}
    text = "Inputs: " + ", ".join(f"<code>{_e(p)}</code>" for p in inputs) if inputs else "No inputs recorded."
    if sample.get("size") is not None:
        text += f" Sampled {_num(sample['size'])} per section (seed {_e(sample.get('seed'))})."
    return f'<p class="inputs">{text}</p>'


def _section(ident: str, heading: str, body: str) -> str:
    return f'<section id="{ident}" aria-labelledby="{ident}-h">\n<h2 id="{ident}-h">{heading}</h2>\n{body}</section>\n'


def _summary(data: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    s = data.get("summary") or {}
    counts = "".join(
        f'<div><dt>{label}</dt><dd data-count="{key}">{_num(s.get(key))}</dd></div>' for key, label in _COUNTS
    )
    rows = "".join(f'<tr><th scope="row">{_e(k)}</th><td>{_e(_option(v))}</td></tr>' for k, v in options.items())
    opts = f'<table class="options"><caption>Options used</caption><tbody>{rows}</tbody></table>' if rows else ""
    failures = list(data.get("failures") or [])
    if failures:
        items = "".join(
            f'<li class="failure"><code>{_e(f.get("path"))}'
            f"{'' if f.get('line') is None else ':' + _num(f.get('line'))}</code> {_e(f.get('error', ''))}</li>"
            for f in failures[:_FAILURES_SHOWN]
        )
        more = f"<p>… and {len(failures) - _FAILURES_SHOWN} more.</p>" if len(failures) > _FAILURES_SHOWN else ""
        fail = f'<h3>Failures ({len(failures)})</h3><ul class="failures">{items}</ul>{more}'
    else:
        fail = "<h3>Failures</h3><p>No document failed.</p>"
    rules = (data.get("cleaning") or {}).get("rules") or []
    if rules:
        items = "".join(
            f'<li data-rule="{_e(r.get("rule"))}"><code>{_e(r.get("rule"))}</code>: {_n(r.get("spans"), "span")}, '
            f"{_n(r.get('words'), 'word')}</li>"
            for r in rules
        )
        boiler = f'<h3>Boilerplate removed by rule</h3><ul class="rule-counts">{items}</ul>'
    else:
        boiler = "<h3>Boilerplate removed by rule</h3><p>No boilerplate removed.</p>"
    body = f'<dl class="counts">{counts}</dl>\n<div class="cols">{opts}<div>{fail}{boiler}</div></div>\n'
    return _section("summary", "Summary", body)


def _option(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top``.

    >>> _nice_ticks(7), _nice_ticks(0), _nice_ticks(1234)
    ([0, 2, 4, 6, 8], [0, 1], [0, 500, 1000, 1500])
    """
    if top <= 0:
        return [0, 1]
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    step = max(1, int(step)) if step >= 1 else step
    n = math.ceil(top / step)
    return [step * i for i in range(n + 1)]


def _axes(x_ticks: Iterable[tuple[float, str]], y_ticks: Sequence[float], ylabel: str, xlabel: str) -> str:
    """Axes and grid of a chart whose plot area is _LEFT.._W-_RIGHT by _TOP.._H-_BOTTOM."""
    bottom, right = _H - _BOTTOM, _W - _RIGHT
    out = [f'<g class="axis"><line x1="{_LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}"/>']
    for x, label in x_ticks:
        out.append(
            f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 5}"/>'
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle">{label}</text>'
        )
    top = y_ticks[-1] or 1
    for v in y_ticks:
        y = bottom - v / top * (bottom - _TOP)
        out.append(
            f'<line class="grid" x1="{_LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>'
        )
    out.append(
        f'<text x="{(_LEFT + right) / 2:.1f}" y="{_H - 6}" text-anchor="middle">{xlabel}</text>'
        f'<text transform="translate(14 {(bottom + _TOP) / 2:.1f}) rotate(-90)" text-anchor="middle">{ylabel}</text>'
        "</g>"
    )
    return "".join(out)


def _legend(items: Iterable[tuple[str, str]], cls: str) -> str:
    out, x = [], _LEFT
    for key, label in items:
        out.append(
            f'<rect class="{cls}" data-series="{key}" x="{x}" y="8" width="12" height="12"/>'
            f'<text x="{x + 17}" y="18">{_e(label)}</text>'
        )
        x += 36 + 6.8 * len(label)
    return f'<g class="legend">{"".join(out)}</g>'


def _histogram_section(hist: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    bins = [float(b) for b in hist.get("bins") or [round(i * 0.05, 2) for i in range(20)]]
    series = {key: [int(c) for c in hist.get(key) or [0] * len(bins)] for key, _ in _SERIES}
    ticks = _nice_ticks(max((max(v, default=0) for v in series.values()), default=0))
    top, bottom, plot_w = ticks[-1] or 1, _H - _BOTTOM, _W - _LEFT - _RIGHT
    width = 1 / len(bins) if bins else 0.05

    def x(v: float) -> float:
        return _LEFT + v * plot_w

    bars, rows = [], []
    bar_w = (width * plot_w - 2) / len(_SERIES)
    for i, edge in enumerate(bins):
        for j, (key, label) in enumerate(_SERIES):
            count = series[key][i] if i < len(series[key]) else 0
            if count:
                h = max(1.0, count / top * (bottom - _TOP))
                bars.append(
                    f'<rect class="bar" data-series="{key}" data-bin="{edge:g}" data-count="{count}" '
                    f'x="{x(edge) + 1 + j * bar_w:.1f}" y="{bottom - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}">'
                    f"<title>{_e(label)}, {edge:.2f}–{edge + width:.2f}: {count} pairs</title></rect>"
                )
        rows.append(
            f"<tr><td>{edge:.2f}–{edge + width:.2f}</td>"
            + "".join(f"<td>{series[k][i] if i < len(series[k]) else 0}</td>" for k, _ in _SERIES)
            + "</tr>"
        )
    lines = []
    for n, (key, label) in enumerate(t for t in _THRESHOLDS if options.get(t[0]) is not None):
        value = float(options[key])
        xv, anchor, dx = x(value), ("end" if value > 0.8 else "start"), (-4 if value > 0.8 else 4)
        lines.append(
            f'<line class="threshold" data-name="{key}" data-value="{value:g}" x1="{xv:.1f}" y1="{_TOP - 6}" '
            f'x2="{xv:.1f}" y2="{bottom}"/><text class="threshold-label" x="{xv + dx:.1f}" y="{_TOP + 8 + 14 * n}" '
            f'text-anchor="{anchor}">{label} {value:g}</text>'
        )
    totals = {key: sum(v) for key, v in series.items()}
    shown = (
        f"{totals['documents']} document pairs (by Jaccard), {totals['documents_containment']} document pairs "
        f"accepted by containment (by containment) and {totals['paragraphs']} paragraph pairs (by Jaccard)"
    )
    x_ticks = [(x(i / 10), f"{i / 10:.1f}") for i in range(11)]
    svg = (
        f'<svg id="histogram" viewBox="0 0 {_W} {_H}" role="img" aria-labelledby="histogram-title histogram-desc">'
        '<title id="histogram-title">Similarity of every candidate pair, verified</title>'
        f'<desc id="histogram-desc">Bars of 0.05: {shown}. Vertical lines mark the thresholds used.</desc>'
        + _axes(x_ticks, ticks, "pairs", "similarity")
        + _legend(((k, lab) for k, lab in _SERIES), "swatch")
        + "".join(bars)
        + "".join(lines)
        + "</svg>"
    )
    table = (
        '<details class="chart-table"><summary>Histogram as a table</summary><table><thead><tr><th scope="col">bin'
        "</th>"
        + "".join(f'<th scope="col">{_e(label)}</th>' for _, label in _SERIES)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></details>"
    )
    body = (
        f'{svg}\n<p class="caption">Showing {shown}: every pair that shares an LSH bucket, each verified on its '
        "shingle sets for this page (the scan itself verifies only the pairs its decisions need; exact copies "
        f"are not pairs).</p>{table}\n"
    )
    return _section("similarities", "Similarity of candidate pairs", body)


def _preview_section(preview: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> str:
    current = _slider_value(options.get("threshold"))
    by_step = {round(float(p.get("threshold", 0)), 2): p for p in preview}
    now = by_step.get(current)
    docs = _num(now.get("documents")) if now else "n/a"
    paras = _num(now.get("paragraphs")) if now else "n/a"
    label = _step_label(current)
    control = (
        '<div class="slider"><label for="threshold">Document and paragraph threshold</label> '
        f'<input type="range" id="threshold" min="{_step_label(PREVIEW_MIN)}" max="{PREVIEW_MAX}" '
        f'step="{PREVIEW_STEP}" value="{label}" aria-describedby="preview-result"> '
        f'<output id="preview-threshold" for="threshold">{current:.2f}</output></div>'
        f'<p id="preview-result" aria-live="polite">At this threshold <code>dedup run</code> would drop '
        f'<span id="preview-documents">{docs}</span> documents and cut <span id="preview-paragraphs">{paras}</span> '
        "repeated paragraphs.</p>"
    )
    ticks = _nice_ticks(max((max(int(p.get(k) or 0) for k in ("documents", "paragraphs")) for p in preview), default=0))
    top, bottom, plot_w = ticks[-1] or 1, _H - _BOTTOM, _W - _LEFT - _RIGHT

    def xy(t: float, v: float) -> tuple[float, float]:
        return (_LEFT + (t - PREVIEW_MIN) / (PREVIEW_MAX - PREVIEW_MIN) * plot_w, bottom - v / top * (bottom - _TOP))

    lines, marks = [], []
    for key in ("documents", "paragraphs"):
        pts = [xy(float(p.get("threshold", 0)), int(p.get(key) or 0)) for p in preview]
        if pts:
            lines.append(f'<polyline class="line-{key}" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}"/>')
            lines.extend(f'<circle class="dot-{key}" cx="{a:.1f}" cy="{b:.1f}" r="2.5"/>' for a, b in pts)
        value = int(now.get(key) or 0) if now else 0
        marks.append(f'<circle class="marker-{key}" cx="0" cy="{xy(current, value)[1]:.1f}" r="5"/>')
    mx = xy(current, 0)[0]
    marker = (
        f'<g id="preview-marker" transform="translate({mx:.1f} 0)"><line x1="0" y1="{_TOP - 6}" x2="0" '
        f'y2="{bottom}"/>{"".join(marks)}</g>'
    )
    steps = [PREVIEW_MIN + i * PREVIEW_STEP for i in range(round((PREVIEW_MAX - PREVIEW_MIN) / PREVIEW_STEP) + 1)]
    svg = (
        f'<svg id="preview-chart" viewBox="0 0 {_W} {_H}" role="img" aria-labelledby="preview-title preview-desc" '
        f'data-left="{_LEFT}" data-top="{_TOP}" data-width="{plot_w}" data-height="{bottom - _TOP}" '
        f'data-ymax="{top:g}" data-tmin="{PREVIEW_MIN}" data-tmax="{PREVIEW_MAX}">'
        '<title id="preview-title">Documents and paragraphs dropped against the threshold</title>'
        '<desc id="preview-desc">Two lines; the table below gives the same numbers.</desc>'
        + _axes([(xy(t, 0)[0], f"{t:.2f}") for t in steps[::2]], ticks, "dropped", "threshold")
        + _legend((("documents", "documents dropped"), ("paragraphs", "paragraphs cut")), "swatch")
        + "".join(lines)
        + (marker if preview else "")
        + "</svg>"
    )
    current_attr = ' class="current"'
    rows = "".join(
        f'<tr data-threshold="{float(p.get("threshold", 0)):.2f}"'
        f"{current_attr if round(float(p.get('threshold', 0)), 2) == current else ''}>"
        f"<td>{float(p.get('threshold', 0)):.2f}</td><td>{_num(p.get('documents'))}</td>"
        f"<td>{_num(p.get('paragraphs'))}</td></tr>"
        for p in preview
    )
    table = (
        '<table id="preview-table"><caption>What <code>dedup run</code> would drop at each threshold '
        "(documents: <code>--threshold</code>, containment as set; paragraphs: <code>--paragraph-threshold</code>)"
        '</caption><thead><tr><th scope="col">threshold</th><th scope="col">documents dropped</th>'
        f'<th scope="col">paragraphs cut</th></tr></thead><tbody>{rows}</tbody></table>'
    )
    note = "" if preview else "<p>No preview in the data.</p>"
    body = (
        f'{control}\n{svg}\n{note}<p class="caption">Moving the slider also marks, in the clusters below, '
        f"the members that would no longer match.</p>\n{table}\n"
    )
    return _section("preview", "Threshold preview", body)


def _clusters_section(data: Mapping[str, Any]) -> str:
    docs = list(data.get("doc_clusters") or [])
    paras = list(data.get("paragraph_clusters") or [])
    search = (
        '<p class="search"><label for="cluster-search">Find clusters</label> '
        '<input type="search" id="cluster-search" placeholder="Search by document id" '
        'aria-describedby="cluster-search-status"> <span id="cluster-search-status" aria-live="polite"></span></p>\n'
    )
    body = [search, '<h3 id="doc-clusters-h">Document clusters</h3>\n', _RULES]
    body.append(_shown(len(docs), data.get("doc_clusters_total")))
    body.extend(_doc_cluster(c) for c in docs)
    if not docs:
        body.append("<p>No duplicate documents.</p>\n")
    body.append(
        f'<h3 id="para-clusters-h">Paragraph clusters</h3>\n{_shown(len(paras), data.get("paragraph_clusters_total"))}'
    )
    body.extend(_para_cluster(c) for c in paras)
    if not paras:
        body.append("<p>No repeated paragraphs.</p>\n")
    return _section("clusters", "Clusters", "".join(body))


def _shown(count: int, total: object) -> str:
    total = count if total is None else int(total)
    return f'<p class="shown">Showing {count} of {total}.</p>\n' if total > count else ""


def _doc_cluster(cluster: Mapping[str, Any]) -> str:
    members = list(cluster.get("members") or [])
    diffs = list(cluster.get("diffs") or [])
    ids = " ".join(str(m.get("id")) for m in members)
    ref = members[0].get("id") if members else cluster.get("keep")
    lowest = min((float(m.get("similarity") or 0) for m in members[1:]), default=None)
    kept = (
        f"kept <code>{_e(ref)}</code>"
        if cluster.get("keep") is not None
        else f"none kept (keep none), compared with <code>{_e(ref)}</code>"
    )
    head = (
        f"<summary>{kept} · {_n(cluster.get('size') or len(members), 'document')} · lowest similarity "
        f'{_f(lowest)}<span class="below-count"></span></summary>'
    )
    items = []
    for i, m in enumerate(members[1:]):
        rule = str(m.get("rule") or "")
        about = (
            f'<p class="member-head"><code>{_e(m.get("id"))}</code> similarity {_f(m.get("similarity"))} · '
            f"containment {_f(m.get('containment'))} · accepted by "
            f'<span class="rule">{_e(rule or "–")}</span> '
            '<span class="below-note"></span></p>'
        )
        if i < min(len(diffs), _MEMBERS_SHOWN):
            kept_html, member_html = _diff_columns(diffs[i])
            about += (
                f'<div class="diff"><div class="diff-kept"><p class="diff-label">{_e(ref)}</p>{kept_html}</div>'
                f'<div class="diff-member"><p class="diff-label">{_e(m.get("id"))}</p>{member_html}</div></div>'
            )
        items.append(
            f'<li class="member" data-id="{_e(m.get("id"))}" data-similarity="{_attr_f(m.get("similarity"))}" '
            f'data-containment="{_attr_f(m.get("containment"))}" data-rule="{_e(rule)}">{about}</li>'
        )
    more = (
        f'<p class="shown">Word diffs for the first {_MEMBERS_SHOWN} members; the others by id only.</p>'
        if len(members) - 1 > _MEMBERS_SHOWN and len(diffs) > _MEMBERS_SHOWN
        else ""
    )
    return (
        f'<details class="doc-cluster" data-ids="{_e(ids)}">{head}{more}'
        f'<ol class="members">{"".join(items)}</ol></details>\n'
    )


def _diff_columns(ops: Iterable[Sequence[str]]) -> tuple[str, str]:
    """The kept and member columns of a word diff: ``-`` words struck in one, ``+`` underlined in the other.

    >>> _diff_columns([["=", "a b"], ["-", "c"], ["+", "d"]])
    ('a b <del>c</del>', 'a b <ins>d</ins>')
    """
    kept: list[str] = []
    member: list[str] = []
    for op, text in ops:
        words = str(text).split()
        if not words:
            continue
        if op == "=":
            shared = _fold(words)
            kept.append(shared)
            member.append(shared)
        elif op == "-":
            kept.append(f"<del>{_e(' '.join(words))}</del>")
        elif op == "+":
            member.append(f"<ins>{_e(' '.join(words))}</ins>")
        else:
            raise ValueError(f"a diff op must be '=', '-' or '+'; got {op!r} (is the data from dedup.review.data?)")
    return " ".join(kept), " ".join(member)


def _fold(words: Sequence[str]) -> str:
    """Shared words, a long run folded to its ends around a count."""
    if len(words) <= _FOLD:
        return _e(" ".join(words))
    hidden = len(words) - 2 * _CONTEXT
    return (
        f'{_e(" ".join(words[:_CONTEXT]))} <span class="skip">… {hidden} shared words …</span> '
        f"{_e(' '.join(words[-_CONTEXT:]))}"
    )


def _para_cluster(cluster: Mapping[str, Any]) -> str:
    members = list(cluster.get("members") or [])
    ids = " ".join(str(m.get("id")) for m in members)
    first = str(members[0].get("text") or "") if members else ""
    head = (
        f"<summary>{_n(cluster.get('size') or len(members), 'copy', 'copies')} · "
        f"similarity {_f(cluster.get('similarity'))} · "
        f"<q>{_e(_short(first, 90))}</q></summary>"
    )
    items = []
    for i, m in enumerate(members):
        where = (
            f"<code>{_e(m.get('id'))}</code> in <code>{_e(m.get('source') or '')}</code>, paragraph "
            f"{_num(m.get('paragraph'))}{'' if m.get('line') is None else ', line ' + _num(m.get('line'))}"
        )
        if i:
            where += f", similarity {_f(m.get('similarity'))}"
        body = ""
        if i < _MEMBERS_SHOWN:
            text = str(m.get("text") or "")
            before, after = str(m.get("before") or ""), str(m.get("after") or "")
            if i and text == first:
                shown = '<p class="same">Same text as the first copy.</p>'
            elif i and m.get("diff"):  # beside the first copy, word by word
                kept, mine = _diff_columns(m["diff"])
                shown = (
                    f'<div class="diff"><div class="diff-kept"><p class="diff-label">first copy</p>{kept}</div>'
                    f'<div class="diff-member"><p class="diff-label">this copy</p>{mine}</div></div>'
                )
            else:
                shown = f'<blockquote class="para-text">{_e(text)}</blockquote>'
            body = (
                (f'<p class="context">{_e(_short(before, _CONTEXT_CHARS, tail=True))}</p>' if before else "")
                + shown
                + (f'<p class="context">{_e(_short(after, _CONTEXT_CHARS))}</p>' if after else "")
            )
        items.append(f'<li class="para-member" data-id="{_e(m.get("id"))}"><p>{where}</p>{body}</li>')
    more = (
        f'<p class="shown">Text for the first {_MEMBERS_SHOWN} copies; the others by place only.</p>'
        if len(members) > _MEMBERS_SHOWN
        else ""
    )
    return (
        f'<details class="para-cluster" data-ids="{_e(ids)}">{head}{more}'
        f'<ol class="members">{"".join(items)}</ol></details>\n'
    )


def _cleaning_section(cleaning: Mapping[str, Any]) -> str:
    rules = list(cleaning.get("rules") or [])
    docs = list(cleaning.get("documents") or [])
    rows = "".join(
        f'<tr data-rule="{_e(r.get("rule"))}"><th scope="row"><code>{_e(r.get("rule"))}</code></th>'
        f'<td>{_num(r.get("spans"))}</td><td>{_num(r.get("words"))}</td><td><ul class="examples">'
        + "".join(f"<li><q>{_e(_short(str(x), _CONTEXT_CHARS))}</q></li>" for x in r.get("examples") or [])
        + "</ul></td></tr>"
        for r in rules
    )
    table = (
        '<table id="rules-table"><caption>Boilerplate removed, by rule (most words first)</caption><thead><tr>'
        '<th scope="col">rule</th><th scope="col">spans</th><th scope="col">words</th><th scope="col">examples</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>" + ("" if rules else "<p>No cleaning rule removed anything.</p>")
    )
    options = "".join(
        f'<option value="{_e(d.get("id"))}">{_e(d.get("id"))} ({_num(d.get("removed_spans"))} removed)</option>'
        for d in docs
    )
    picker = (
        f'<p class="picker"><label for="doc-select">Document</label> <select id="doc-select">{options}</select> '
        '<span class="hint">(with scripts off, every document is shown below)</span></p>'
    )
    body = [table, f"<h3>Documents, before cleaning</h3>{_shown(len(docs), cleaning.get('documents_total'))}", picker]
    body.extend(_cleaning_doc(d) for d in docs)
    if not docs:
        body.append("<p>No documents to show.</p>")
    return _section("cleaning", "Cleaning", "\n".join(body) + "\n")


def _cleaning_doc(doc: Mapping[str, Any]) -> str:
    lines = []
    for line in doc.get("lines") or []:
        number = "" if line.get("line") is None else f' data-line="{_num(line.get("line"))}"'
        text, rule = _e(line.get("text") or ""), line.get("rule")
        if rule:
            lines.append(
                f'<div class="line removed" data-rule="{_e(rule)}"{number}><del>{text}</del> '
                f'<span class="rule">{_e(rule)}</span></div>'
            )
        else:
            lines.append(f'<div class="line"{number}>{text}</div>')
    return (
        f'<div class="cleaning-doc" data-id="{_e(doc.get("id"))}"><h4><code>{_e(doc.get("id"))}</code>'
        f' <span class="muted">{_e(doc.get("source") or "")} · {_n(doc.get("removed_spans"), "span")} removed</span>'
        f'</h4><div class="lines">{"".join(lines)}</div></div>'
    )


_CSS = """
:root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--panel:#f6f8fa;--accent:#0969da;--focus:#bf3989;
--s1:#0969da;--s2:#bc4c00;--s3:#1a7f37;--ins:#dafbe1;--ins-fg:#116329;--del:#ffebe9;--del-fg:#a40e26;--thr:#cf222e}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--panel:#161b22;
--accent:#4493f8;--focus:#f778ba;--s1:#4493f8;--s2:#f0883e;--s3:#3fb950;--ins:#0f3d1f;--ins-fg:#7ee2a8;
--del:#4c1319;--del-fg:#ffa198;--thr:#ff7b72}}
*{box-sizing:border-box}[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
header,main{max-width:1180px;margin:0 auto;padding:0 20px}header{padding-top:16px;border-bottom:1px solid var(--line)}
h1{margin:0 0 4px;font-size:1.6em}h2{margin:32px 0 12px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{margin:20px 0 8px}h4{margin:0 0 8px;font-size:1em}a{color:var(--accent)}code{font:0.9em ui-monospace,monospace}
nav ul{display:flex;flex-wrap:wrap;gap:16px;list-style:none;padding:0;margin:8px 0 12px}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.muted,.context,.caption,.hint,.shown,.inputs{color:var(--muted)}
.counts{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:8px;margin:0}
.counts div{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.counts dt{color:var(--muted);font-size:.85em}.counts dd{margin:0;font-size:1.4em;font-variant-numeric:tabular-nums}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:24px}
table{border-collapse:collapse;margin:8px 0}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border-bottom:1px solid var(--line);padding:3px 10px;text-align:left;vertical-align:top}
td{font-variant-numeric:tabular-nums}.options th{font-weight:normal;color:var(--muted)}
.failure{color:var(--del-fg)}.failure code{color:var(--fg)}
svg{display:block;width:100%;max-width:900px;height:auto;font-size:12px}svg text{fill:var(--fg)}
.axis line{stroke:var(--muted)}.axis line.grid{stroke:var(--line);stroke-dasharray:2 3}
[data-series=documents]{fill:var(--s1)}[data-series=documents_containment]{fill:var(--s2)}
[data-series=paragraphs]{fill:var(--s3)}.bar:hover{opacity:.75}
.threshold{stroke:var(--thr);stroke-width:2;stroke-dasharray:6 3}
.threshold-label{fill:var(--thr)!important;paint-order:stroke;stroke:var(--bg);stroke-width:3px}
.line-documents,.line-paragraphs{fill:none;stroke-width:2.5}.line-documents{stroke:var(--s1)}
.line-paragraphs{stroke:var(--s3);stroke-dasharray:7 3}.dot-documents,.marker-documents{fill:var(--s1)}
.dot-paragraphs,.marker-paragraphs{fill:var(--s3)}#preview-marker line{stroke:var(--thr);stroke-width:2}
#preview-marker circle{stroke:var(--bg);stroke-width:2}
.slider{display:flex;align-items:center;gap:10px;flex-wrap:wrap}#threshold{width:320px;max-width:100%}
#preview-threshold,#preview-documents,#preview-paragraphs{font-weight:700;font-variant-numeric:tabular-nums}
tr.current{background:var(--panel);font-weight:700}
input[type=search],select{font:inherit;padding:4px 8px;background:var(--bg);color:var(--fg);
border:1px solid var(--line);border-radius:6px}input[type=search]{width:320px;max-width:100%}
details{border:1px solid var(--line);border-radius:6px;margin:6px 0;background:var(--bg)}
summary{cursor:pointer;padding:6px 10px;background:var(--panel);border-radius:6px}
details[open]>summary{border-bottom:1px solid var(--line);border-radius:6px 6px 0 0}
details>:not(summary){margin-left:10px;margin-right:10px}
.members{padding-left:22px}.member,.para-member{margin:10px 0}.member-head{margin:4px 0}
.rule{font:0.85em ui-monospace,monospace;border:1px solid var(--line);border-radius:4px;padding:0 4px}
.diff{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:10px}
.diff>div{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:6px 10px}
.diff-label{margin:0 0 4px;font:600 .85em ui-monospace,monospace;color:var(--muted)}
ins{background:var(--ins);color:var(--ins-fg);text-decoration:underline;text-decoration-thickness:2px}
del{background:var(--del);color:var(--del-fg);text-decoration:line-through}
.skip{color:var(--muted);font-style:italic;white-space:nowrap}
.member.below{opacity:.6}.member.below .member-head>code{text-decoration:line-through}.below-count{color:var(--thr)}
.below-note{color:var(--thr);font-style:italic}.member:not(.below) .below-note{display:none}
.para-text{margin:4px 0;padding:4px 10px;border-left:3px solid var(--s3);white-space:pre-wrap}
.context{margin:2px 0 2px 13px;font-size:.9em;font-style:italic}.same{color:var(--muted);margin:2px 0}
.context,.para-text,summary,.member-head,.diff>div{overflow-wrap:anywhere}
.examples{margin:0;padding-left:18px}#rules-table th code{white-space:nowrap}.js .hint{display:none}
.cleaning-doc{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:10px 0}
.lines{font:13px/1.5 ui-monospace,monospace}
.line{white-space:pre-wrap;overflow-wrap:anywhere;min-height:1.5em;padding-left:4.5em;text-indent:-4.5em}
.line::before{content:attr(data-line);display:inline-block;width:4em;margin-right:.5em;text-indent:0;
text-align:right;color:var(--muted)}.line.removed{background:var(--del)}.line.removed .rule{margin-left:8px}
@media (max-width:760px){.cols,.diff{grid-template-columns:minmax(0,1fr)}}
"""

_JS = """
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  let data = {};
  try { data = JSON.parse(($('review-data') || {}).textContent || '{}') || {}; } catch (err) { data = {}; }
  const preview = Array.isArray(data.preview) ? data.preview : [];
  const setText = (id, text) => { const el = $(id); if (el) el.textContent = text; };
  const step = (t) => preview.find((p) => Math.round(p.threshold * 100) === Math.round(t * 100));
  const opts = data.options || {};
  const always = { exact: true, url: true, containment: true };
  // Still a copy at t: accepted whatever the threshold, or by Jaccard at t, or by the
  // containment rule, which the slider does not move. The rule's length condition comes
  // from the two similarities: smaller/larger = 1 / (C/J - 1 + C).
  const matches = (li, t) => {
    const sim = parseFloat(li.dataset.similarity);
    const con = parseFloat(li.dataset.containment);
    const fits = sim > 0 && 1 / (con / sim - 1 + con) >= (opts.min_length_ratio || 0) - 1e-6;
    return Boolean(always[li.dataset.rule]) || sim >= t - 1e-9 || (typeof opts.containment === 'number'
      && con >= opts.containment - 1e-9 && fits);
  };

  function moveMarker(t, p) {
    const svg = $('preview-chart');
    const marker = $('preview-marker');
    if (!svg || !marker) return;
    const num = (k) => parseFloat(svg.dataset[k]);
    const x = num('left') + (t - num('tmin')) / (num('tmax') - num('tmin')) * num('width');
    marker.setAttribute('transform', 'translate(' + x.toFixed(1) + ' 0)');
    ['documents', 'paragraphs'].forEach((key) => {
      const dot = marker.querySelector('.marker-' + key);
      if (!dot) return;
      dot.setAttribute('visibility', p ? 'visible' : 'hidden');
      const v = p ? Number(p[key]) || 0 : 0;
      dot.setAttribute('cy', (num('top') + num('height') - v / (num('ymax') || 1) * num('height')).toFixed(1));
    });
  }

  function markMembers(t) {
    document.querySelectorAll('.doc-cluster').forEach((cluster) => {
      let below = 0;
      cluster.querySelectorAll('li.member').forEach((li) => {
        const ok = matches(li, t);
        li.classList.toggle('below', !ok);
        const note = li.querySelector('.below-note');
        if (note) note.textContent = ok ? '' : '(would not match at threshold ' + t.toFixed(2) + ')';
        if (!ok) below += 1;
      });
      const count = cluster.querySelector('.below-count');
      if (count) count.textContent = below ? ' · ' + below + ' below ' + t.toFixed(2) : '';
    });
  }

  const slider = $('threshold');
  function update() {
    const t = parseFloat(slider.value);
    if (isNaN(t)) return;
    const p = step(t);
    setText('preview-threshold', t.toFixed(2));
    setText('preview-documents', p ? String(p.documents) : 'n/a');
    setText('preview-paragraphs', p ? String(p.paragraphs) : 'n/a');
    document.querySelectorAll('#preview-table tbody tr').forEach((tr) => {
      tr.classList.toggle('current', Math.round(parseFloat(tr.dataset.threshold) * 100) === Math.round(t * 100));
    });
    moveMarker(t, p);
    markMembers(t);
  }
  if (slider) {
    slider.addEventListener('input', update);
    slider.addEventListener('change', update);
    if (slider.value !== slider.defaultValue) update();
  }

  const search = $('cluster-search');
  const clusters = Array.from(document.querySelectorAll('.doc-cluster, .para-cluster'));
  if (search) {
    const filter = () => {
      const q = search.value.trim().toLowerCase();
      let shown = 0;
      clusters.forEach((c) => {
        const ok = !q || (c.dataset.ids || '').toLowerCase().includes(q);
        c.hidden = !ok;
        if (ok) shown += 1;
      });
      setText('cluster-search-status', q ? shown + ' of ' + clusters.length + ' clusters match' : '');
    };
    search.addEventListener('input', filter);
    if (search.value) filter();
  }

  const select = $('doc-select');
  const docs = Array.from(document.querySelectorAll('.cleaning-doc'));
  if (select && docs.length) {
    const show = () => docs.forEach((d) => { d.hidden = d.dataset.id !== select.value; });
    select.addEventListener('change', show);
    select.addEventListener('input', show);
    show();
  }
  document.documentElement.classList.add('js');
})();
"""
