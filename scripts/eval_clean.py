#!/usr/bin/env python3
"""Measure the boilerplate cleaner on ../shared/eval/ the way a held-out check will.

Sets and metrics (definitions in scripts/eval_data.py):
  aeb           181 news/blog pages                 AEB metric (word 4-gram P/R per page, averaged)
  wcxb          wcxb-dev, all seven page types      WCXB metric (bag-of-words F1 per page, averaged),
                                                    overall and per page type; and the AEB metric on
                                                    the article pages, for continuity
  trafilatura   trafilatura-dev, 487 pages          snippet metric (with/without snippets, totals)

Methods: dump = the naive scraper text (html_text.extract_text, guess_layout=True), the floor;
clean_text = the dump cleaned in corpus mode; trafilatura = trafilatura.extract, no comments;
clean_html = extract_main_text then clean_text(segment=False) in corpus mode (what clean_html
does). Corpus statistics are built per set and half, grouped by site: half B is cleaned
with what half B alone teaches, as a held-out corpus would be.

Sites and halves: a page's site is its host without "www."; a site goes whole to half A (we
tune on it) or half B (held out) by the lowest bit of its blake2b hash. Every table shows
half A, half B and all (= A + B). Languages are the eval's own py3langid labels of the gold
(of trafilatura's output where the gold is snippets); languages with fewer than 5 pages are
pooled as "other" in the tables, never in totals.

Then: leaks and article text wrongly removed, by kind and by rule; per-rule precision per
language (share of the words a rule removed that were not article text; ! marks precision
< 0.90 on >= 50 judged words) for both paths; throughput; a summary block; the targets.

Targets (for half B and all): plain-text F1 >= 0.90 on English article and forum pages (AEB
metric, aeb + wcxb-dev); >= 0.87 on non-English pages (snippet metric, trafilatura-dev; the
non-English aeb/wcxb-dev pages by the AEB metric alongside); no language with >= 5 pages
below 0.80 (on either of those); HTML path >= trafilatura + 0.01 on each set by the set's
own metric (AEB, WCXB, snippets), English and non-English apart; HTML path WCXB metric
>= 0.89 over all page types and >= 0.80 on forum pages.

html_text and trafilatura outputs are cached under --cache (keyed by set, page, HTML digest
and their versions); extract_main_text is ours and runs every time.

    python scripts/eval_clean.py [--sets aeb,wcxb,trafilatura] [--limit N] [--half A|B|all]
                                 [--jobs N] [--examples N] [--cache DIR] [--eval-dir DIR]
"""

from __future__ import annotations

import argparse
import functools
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_data import (  # noqa: E402
    _TOKEN,
    DEFAULT_CACHE,
    PAGE_TYPES,
    SETS,
    LineJudge,
    Page,
    baseline_outputs,
    in_half,
    load_set,
    metrics,
    norm_words,
    page_language,
    read_html,
    shingles,
    snippet_counts,
    snippet_scores,
    tp_fp_fn,
    word_prf,
    word_scores,
)

from clean import CleanOptions, CleanResult, CorpusStatsBuilder, clean_text, fingerprint  # noqa: E402
from clean.html import extract_main_text  # noqa: E402

# The benchmarks' ground truth is the article body without its headline, so the eval turns
# headline keeping off (the default keeps it: in a plain-text corpus it is part of the story).
EVAL_OPTIONS = CleanOptions(keep_headline=False)

METHODS = {
    "dump": "dump (floor)",
    "clean_text": "clean_text(dump)",
    "trafilatura": "trafilatura",
    "clean_html": "clean_html",
}
SHORT = {"dump": "dump", "clean_text": "text", "trafilatura": "traf", "clean_html": "html"}
PATHS = {"clean_text": "plain-text path", "clean_html": "HTML path"}
TITLES = {"aeb": "aeb", "wcxb": "wcxb-dev", "trafilatura": "trafilatura-dev"}
PRIMARY = {"aeb": "aeb", "wcxb": "wcxb", "trafilatura": "snippet"}
METRIC_NAMES = {"aeb": "AEB", "wcxb": "WCXB", "snippet": "snippet"}
MIN_LANG_PAGES = 5  # languages with fewer pages are pooled as "other" in printed tables
FLAG_PRECISION, FLAG_WORDS = 0.90, 50  # a rule/language cell is flagged below this precision, on this many judged words
SUMMARY_FLAGS = 8  # flagged cells named in the summary, per path and half


# -- preparing and cleaning -------------------------------------------------------------------


def _prepare(page: Page, cache_dir: Path | None = None) -> Page:
    """Fill in the dump and trafilatura's text (cached), our main text (never cached: it is
    our code) and the language label; drop the HTML (it is not sent back)."""
    page.dump, page.traf = baseline_outputs(page, cache_dir)
    main = extract_main_text(read_html(page), EVAL_OPTIONS)
    page.main, page.metadata, page.main_removed = main.text, dict(main.metadata), main.removed
    page.lang = page_language(page)
    page.html = ""
    return page


def prepare(pages: list[Page], jobs: int, cache_dir: Path | None) -> list[Page]:
    work = functools.partial(_prepare, cache_dir=cache_dir)
    if jobs <= 1:
        return [work(p) for p in pages]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(work, pages, chunksize=4))


def corpus_clean(pages: list[Page], texts: list[str], options: CleanOptions, segment: bool = True):
    """Clean ``texts`` (one per page) with corpus statistics built over them, grouped by site."""
    builder = CorpusStatsBuilder(options)
    for page, text in zip(pages, texts):
        builder.add(fingerprint(text, options), page.group)
    stats = builder.build()
    # segment=False is what clean_html does with trafilatura's main text
    opts = options if segment else replace(options, segment=False)
    return [clean_text(text, opts, stats, page.group) for page, text in zip(pages, texts)], stats


@dataclass
class Scored:
    """One page with both paths' results, every method's output and its per-page scores."""

    page: Page
    results: dict[str, CleanResult]
    outputs: dict[str, str]
    aeb: dict | None  # method -> tp_fp_fn, where the page has a gold text (aeb, wcxb)
    word: dict | None  # method -> word_prf (wcxb)
    snip: dict | None  # method -> snippet_counts (trafilatura-dev)

    @property
    def half(self) -> str:
        return self.page.half


def score_page(page: Page, plain: CleanResult, html: CleanResult) -> Scored:
    out = {"dump": page.dump, "clean_text": plain.text, "trafilatura": page.traf, "clean_html": html.text}
    aeb = {m: tp_fp_fn(page.truth, t) for m, t in out.items()} if page.truth.strip() else None
    word = {m: word_prf(t, page.truth) for m, t in out.items()} if page.set == "wcxb" else None
    snip = (
        {m: snippet_counts(t, page.with_snippets, page.without) for m, t in out.items()}
        if page.set == "trafilatura"
        else None
    )
    return Scored(page, {"clean_text": plain, "clean_html": html}, out, aeb, word, snip)


def run_set(pages: list[Page]) -> tuple[list[Scored], dict[str, object], float]:
    """Both paths on each half with that half's corpus statistics; (rows, stats per half,
    seconds spent in clean_text on the dumps)."""
    rows, stats, t_plain = [], {}, 0.0
    for half in ("A", "B"):
        sub = in_half(pages, half)
        if not sub:
            continue
        t0 = time.perf_counter()
        plain, stats[half] = corpus_clean(sub, [p.dump for p in sub], EVAL_OPTIONS)
        t_plain += time.perf_counter() - t0
        html, _ = corpus_clean(sub, [p.main for p in sub], EVAL_OPTIONS, segment=False)
        rows += [score_page(p, a, b) for p, a, b in zip(sub, plain, html)]
    return rows, stats, t_plain


def score(rows: list[Scored], method: str, metric: str) -> tuple[float, float, float, int] | None:
    """(F1, P, R, pages) of ``method`` over ``rows`` by ``metric`` (aeb, wcxb, snippet); None
    when no page carries that metric."""
    per_page = [getattr(r, {"snippet": "snip", "wcxb": "word"}.get(metric, metric)) for r in rows]
    vals = [v[method] for v in per_page if v]
    if not vals:
        return None
    agg = {"aeb": metrics, "wcxb": word_scores, "snippet": snippet_scores}[metric](vals)
    return (*agg, len(vals))


# -- removals: rule precision and what went wrong ---------------------------------------------


def judge_removals(rows: list[Scored], path: str, keep_examples: int = 0):
    """Per (half, language, rule): [words removed, words judged, article words lost]; and per
    rule, up to ``keep_examples`` removed lines that were article text."""
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    examples: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        result = row.results[path]
        judge = LineJudge(row.page, result.text)
        removed = result.removed + (row.page.main_removed if path == "clean_html" else ())
        for r in removed:
            for line in r.text.split("\n"):
                n = len(_TOKEN.findall(line))
                if not n:
                    continue
                cell = counts[(row.half, row.page.lang, r.rule)]
                cell[0] += n
                verdict = judge(line)
                if verdict is None:
                    continue
                cell[1] += n
                if verdict:
                    cell[2] += n
                    if keep_examples and len(examples[r.rule]) < keep_examples:
                        examples[r.rule].append(f"[{row.page.id[:12]}] {line[:100]!r}")
    return counts, examples


def _precision_cell(c: list[int]) -> tuple[str, bool]:
    if not c[1]:
        return f"{c[0]:>7}   - ", False
    prec = 1 - c[2] / c[1]
    flag = prec < FLAG_PRECISION and c[1] >= FLAG_WORDS
    return f"{c[0]:>7} {prec:.2f}{'!' if flag else ' '}", flag


def _sum_halves(counts: dict, half: str, key) -> dict:
    out: dict = defaultdict(lambda: [0, 0, 0])
    for (h, lang, rule), c in counts.items():
        if half in ("all", h):
            k = key(lang, rule)
            out[k] = [a + b for a, b in zip(out[k], c)]
    return out


def flagged_cells(counts: dict, half: str) -> list[tuple[str, str, list[int]]]:
    """(rule, language, [removed, judged, lost]) of every cell below FLAG_PRECISION."""
    cells = _sum_halves(counts, half, lambda lang, rule: (rule, lang))
    return sorted(((r, lang, c) for (r, lang), c in cells.items() if _precision_cell(c)[1]), key=lambda x: -x[2][2])


def print_rule_precision(counts: dict, path: str, halves: list[str]) -> None:
    by_lang = Counter()
    for (_, lang, _), c in counts.items():
        by_lang[lang] += c[0]
    langs = [lang for lang, n in by_lang.most_common(5) if n >= FLAG_WORDS]
    for half in halves:
        cells = _sum_halves(counts, half, lambda lang, rule: (rule, lang if lang in langs else "other"))
        totals = _sum_halves(counts, half, lambda lang, rule: (rule, "all"))
        rules = sorted({r for r, _ in totals}, key=lambda r: -totals[(r, "all")][0])
        cols = langs + ["other", "all"]
        print(f"\n  {PATHS[path]}, {_half_name(half)}: words removed, precision")
        print(f"    {'rule':<26}" + "".join(f"{c:>14}" for c in cols))
        for rule in rules:
            row = [
                _precision_cell(cells.get((rule, c), [0, 0, 0]))[0]
                if c != "all"
                else _precision_cell(totals[(rule, "all")])[0]
                for c in cols
            ]
            print(f"    {rule:<26}" + "".join(f"{x:>14}" for x in row))
        flagged = flagged_cells(counts, half)
        items = [f"{r}/{lang} {1 - c[2] / c[1]:.2f} ({c[2]} of {c[1]} words)" for r, lang, c in flagged]
        print(_wrap(f"    flagged ({len(flagged)}): ", items or ["none"], 6))


_KINDS = [
    ("comments", r"comment|repl(?:y|ies)|captcha|discussion|says:|responses?"),
    ("cookie/consent", r"cookie|consent|privacy settings|gdpr"),
    (
        "share/follow/subscribe",
        r"share|follow|subscribe|newsletter|sign up|sign in|log in|member|inbox"
        r"|facebook|twitter|linkedin|pinterest|instagram",
    ),
    (
        "related/read-more",
        r"related|popular|read more|recommended|trending|latest|more (?:from|stories|articles)|you may|editor",
    ),
    ("image caption/credit", r"photo|image|picture|credit|getty|shutterstock|©"),
    ("copyright/legal", r"copyright|rights reserved|terms|privacy|disclaimer|affiliate|commission"),
    ("author/date", r"\bby\b|author|published|updated|posted|\b20\d\d\b|\d+ min"),
    ("nav/menu", r"home|menu|search|skip|contact|about|categor|tag"),
]


def snippet_kind(text: str) -> str:
    low = text.lower()
    for kind, pattern in _KINDS:
        if re.search(pattern, low):
            return kind
    words = len(_TOKEN.findall(text))
    if words <= 4:
        return "short label"
    return "headline-like" if not re.search(r"[.!?]\W*$", text.strip()) else "sentence/teaser"


def leaks(rows: list[Scored], path: str) -> tuple[Counter, int, Counter]:
    """'without' snippets still in the output, by kind (and how many were checked); words of
    output lines not in the gold text, by kind."""
    snips, checked, lines = Counter(), 0, Counter()
    for row in rows:
        page, kept = row.page, row.outputs[path]
        kept_norm, truth = norm_words(kept), norm_words(page.truth)
        for snip in page.without:
            ns = norm_words(snip)
            if len(ns) < 8 or (truth and ns in truth):
                continue
            checked += 1
            if ns in kept_norm:
                snips[snippet_kind(snip)] += 1
        if not page.truth.strip():
            continue
        truth_sh = shingles(page.truth)
        for line in kept.split("\n"):
            n = len(_TOKEN.findall(line))
            if not n:
                continue
            sh = shingles(line)
            inside = sum(1 for s in sh if s in truth_sh) / len(sh) >= 0.5 if n >= 4 else norm_words(line) in truth
            if not inside:
                lines[snippet_kind(line)] += n
    return snips, checked, lines


def breakdown(rows: list[Scored], counts: dict, path: str, halves: list[str]) -> None:
    """Leaks and article text wrongly removed on one path, one column per half."""
    per = {h: leaks(in_half(rows, h), path) for h in halves}
    head = "".join(f"{_half_name(h):>18}" for h in halves)
    print(f"  {PATHS[path]}:")
    if any(checked for _, checked, _ in per.values()):
        title = "'without' snippets still in the output"
        print(f"    {title:<46}{head}")
        kinds = sorted({k for s, _, _ in per.values() for k in s}, key=lambda k: -sum(per[h][0][k] for h in halves))
        print(
            f"      {'(all kinds, of those checked)':<44}"
            + "".join(f"{f'{sum(per[h][0].values())} of {per[h][1]}':>18}" for h in halves)
        )
        for kind in kinds:
            print(f"      {kind:<44}" + "".join(f"{per[h][0][kind]:>18}" for h in halves))
    if any(sum(lines.values()) for _, _, lines in per.values()):
        print(f"    {'leaked words (output lines not in the gold)':<46}{head}")
        kinds = sorted({k for _, _, s in per.values() for k in s}, key=lambda k: -sum(per[h][2][k] for h in halves))
        for kind in ["(all kinds)"] + kinds:
            cells = []
            for h in halves:
                total = sum(per[h][2].values())
                c = total if kind == "(all kinds)" else per[h][2][kind]
                cells.append(f"{c} {c / max(1, total):6.1%}")
            print(f"      {kind:<44}" + "".join(f"{x:>18}" for x in cells))
    print(f"    {'article words wrongly removed (lost of judged)':<46}{head}")
    by_rule = {h: _sum_halves(counts, h, lambda lang, rule: rule) for h in halves}
    rules = sorted({r for h in halves for r, c in by_rule[h].items() if c[2]}, key=lambda r: -by_rule[halves[-1]][r][2])
    if not rules:
        print("      none")
    for rule in rules:
        print(f"      {rule:<44}" + "".join(f"{f'{by_rule[h][rule][2]} of {by_rule[h][rule][1]}':>18}" for h in halves))


# -- tables -----------------------------------------------------------------------------------


def _wrap(head: str, items: list[str], indent: int, width: int = 116) -> str:
    """``head`` then ``items`` joined by "; ", broken between items into lines of ``width``."""
    lines, line = [], head
    for i, item in enumerate(items):
        piece = item + (";" if i < len(items) - 1 else "")
        if len(line) + len(piece) > width and line.strip() != head.strip():
            lines.append(line.rstrip())
            line = " " * indent
        line += piece + " "
    return "\n".join(lines + [line.rstrip()])


def _half_name(half: str) -> str:
    return "all" if half == "all" else f"half {half}"


def _lang_key(lang: str, common: set[str]) -> str:
    return lang if lang in common else "other"


def print_methods(rows: list[Scored], metric: str, halves: list[str], title: str) -> None:
    print(f"  {title}")
    print(f"    {'':<18}" + "".join(f"{_half_name(h) + f' ({len(in_half(rows, h))})':>22}" for h in halves))
    print(f"    {'method':<18}" + f"{'F1':>8}{'P':>7}{'R':>7}" * len(halves))
    for method, label in METHODS.items():
        cells = [score(in_half(rows, h), method, metric) for h in halves]
        print(f"    {label:<18}" + "".join(f"{c[0]:8.3f}{c[1]:7.3f}{c[2]:7.3f}" if c else f"{'-':>22}" for c in cells))


def print_groups(
    rows: list[Scored], groups: dict[str, list[Scored]], metric: str, halves: list[str], title: str
) -> None:
    """A table of F1 per group (language, page type): pages and each method, per half."""
    print(f"  {title}")
    print(f"    {'':<14}" + "".join(f"{_half_name(h):>30}" for h in halves))
    print(f"    {'':<14}" + (f"{'n':>6}" + "".join(f"{SHORT[m]:>6}" for m in METHODS)) * len(halves))
    for name, members in list(groups.items()) + [("all", rows)]:
        cells = []
        for h in halves:
            sub = in_half(members, h)
            scores = [score(sub, m, metric) for m in METHODS]
            cells.append(f"{len(sub):>6}" + "".join(f"{s[0]:6.3f}" if s else f"{'-':>6}" for s in scores))
        print(f"    {name:<14}" + "".join(cells))


def by_language(rows: list[Scored]) -> dict[str, list[Scored]]:
    pages = Counter(r.page.lang for r in rows)
    common = {lang for lang, n in pages.items() if n >= MIN_LANG_PAGES}
    groups: dict[str, list[Scored]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (-pages[r.page.lang], r.page.lang)):
        groups[_lang_key(r.page.lang, common)].append(r)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] == "other", -len(kv[1]))))


def report_set(
    name: str, rows: list[Scored], stats: dict, times: tuple[float, float], counts: dict, halves: list[str], examples
) -> None:
    """Every table of one set; ``times`` is (seconds preparing, seconds in clean_text on the dumps)."""
    sites = {h: {r.page.site for r in in_half(rows, h)} for h in ("A", "B", "all")}
    print(
        f"\n== {TITLES[name]}: {len(rows)} pages, {len(sites['all'])} sites"
        + "".join(f"; half {h}: {len(in_half(rows, h))} pages, {len(sites[h])} sites" for h in ("A", "B"))
    )
    print(f"  prepared in {times[0]:.0f} s (html_text and trafilatura cached, extract_main_text run)")
    if name == "wcxb":
        print_methods(rows, "wcxb", halves, "WCXB metric (bag-of-words F1 per page, averaged), all page types:")
        articles = [r for r in rows if r.page.page_type == "article"]
        print_methods(articles, "aeb", halves, "AEB metric (word 4-gram P/R per page, averaged), article pages:")
        groups = {t: [r for r in rows if r.page.page_type == t] for t in PAGE_TYPES}
        print_groups(
            rows, groups, "wcxb", halves, "per page type, WCXB metric F1 (text = clean_text, html = clean_html):"
        )
    else:
        title = "AEB metric (word 4-gram P/R per page, averaged):" if name == "aeb" else "snippet metric (totals):"
        print_methods(rows, PRIMARY[name], halves, title)
    print_groups(
        rows, by_language(rows), PRIMARY[name], halves, f"per language, {METRIC_NAMES[PRIMARY[name]]} metric F1:"
    )
    for half, st in stats.items():
        if half not in halves and "all" not in halves:
            continue
        desc = st.describe(top=3)
        print(
            f"  corpus stats, half {half}: {desc['documents']} documents, {desc['groups']} groups, "
            f"{desc['repeated_lines']} repeated lines learned; most frequent: "
            + "; ".join(f"{m['text'][:40]!r} x{m['documents']}" for m in desc["most_frequent"])
        )
    print(f"  clean_text on the dumps: {1000 * times[1] / max(1, len(rows)):.2f} ms/page (fingerprint + stats + clean)")
    for path in PATHS:
        breakdown(rows, counts[path], path, halves)
        for rule, ex in examples.get(path, {}).items():
            print(f"    examples of article text removed by {rule}:")
            for e in ex:
                print(f"      {e}")


# -- targets and summary ----------------------------------------------------------------------


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def target_lines(by_set: dict[str, list[Scored]], halves: list[str]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """(description, one cell per half) for every target, and notes on the languages below 0.80."""
    docs = [r for s in ("aeb", "wcxb") for r in by_set.get(s, []) if r.page.page_type in ("article", "forum") and r.aeb]
    traf = by_set.get("trafilatura", [])
    lines, notes = [], []

    def threshold(desc: str, rows: list[Scored], method: str, metric: str, floor: float) -> None:
        cells = []
        for h in halves:
            s = score(in_half(rows, h), method, metric)
            cells.append(f"{s[0]:.3f} {_met(s[0] >= floor)} (n={s[3]})" if s else "no pages")
        lines.append((desc, cells))

    en = [r for r in docs if r.page.lang == "en"]
    threshold("plain >= 0.90: English article+forum, aeb+wcxb (AEB)", en, "clean_text", "aeb", 0.90)
    threshold(
        "plain >= 0.87: non-English, trafilatura-dev (snippet)",
        [r for r in traf if r.page.lang != "en"],
        "clean_text",
        "snippet",
        0.87,
    )
    threshold(
        "plain >= 0.87: non-English article+forum, aeb+wcxb (AEB)",
        [r for r in docs if r.page.lang != "en"],
        "clean_text",
        "aeb",
        0.87,
    )
    cells = []
    for h in halves:
        scored = []
        for rows, metric, where in ((docs, "aeb", "aeb+wcxb"), (traf, "snippet", "trafilatura-dev")):
            for lang, members in by_language(in_half(rows, h)).items():
                s = score(members, "clean_text", metric)
                if lang != "other" and s and s[3] >= MIN_LANG_PAGES:
                    scored.append((s[0], lang, where, s[3]))
        below = sorted(x for x in scored if x[0] < 0.80)
        low = min(scored) if scored else None
        cells.append(f"{low[0]:.3f} {_met(not below)} ({len(below)} below)" if low else "no pages")
        notes.append(
            f"  {_half_name(h)}: lowest {low[1]} {low[2]} {low[0]:.3f}; below 0.80: "
            + (", ".join(f"{lang} {where} {f1:.3f} ({n} pages)" for f1, lang, where, n in below) or "none")
            if low
            else f"  {_half_name(h)}: no language with {MIN_LANG_PAGES} pages"
        )
    lines.append((f"plain: no language below 0.80 (lowest; >= {MIN_LANG_PAGES} pages)", cells))
    for name in SETS:
        rows = by_set.get(name)
        if not rows:
            continue
        for label, sub in (
            ("English", [r for r in rows if r.page.lang == "en"]),
            ("non-English", [r for r in rows if r.page.lang != "en"]),
        ):
            cells = []
            for h in halves:
                ours, theirs = (
                    score(in_half(sub, h), "clean_html", PRIMARY[name]),
                    score(in_half(sub, h), "trafilatura", PRIMARY[name]),
                )
                gain = ours[0] - theirs[0] if ours else 0.0
                cells.append(
                    f"{gain:+.4f} {_met(gain >= 0.01)} ({ours[0]:.3f} vs {theirs[0]:.3f})" if ours else "no pages"
                )
            lines.append((f"HTML >= traf + 0.01: {TITLES[name]} {label} ({METRIC_NAMES[PRIMARY[name]]})", cells))
    if by_set.get("wcxb"):
        threshold("HTML WCXB metric >= 0.89, all page types", by_set["wcxb"], "clean_html", "wcxb", 0.89)
        threshold(
            "HTML WCXB metric >= 0.80, forum pages",
            [r for r in by_set["wcxb"] if r.page.page_type == "forum"],
            "clean_html",
            "wcxb",
            0.80,
        )
    return lines, notes


def print_summary(by_set: dict[str, list[Scored]], counts: dict, halves: list[str]) -> None:
    print("\n== summary (F1 / P / R; half A = tuned on, half B = held out, all = A + B)")
    every = [r for rows in by_set.values() for r in rows]
    for h in ("A", "B"):
        sub = in_half(every, h)
        print(f"  half {h}: {len(sub)} pages, {len({r.page.site for r in sub})} sites")
    print(f"  {'set':<16}{'metric':<14}{'method':<18}" + "".join(f"{_half_name(h):>20}" for h in halves))
    for name, rows in by_set.items():
        tables = [(METRIC_NAMES[PRIMARY[name]], rows, PRIMARY[name])]
        if name == "wcxb":
            tables.append(("AEB articles", [r for r in rows if r.page.page_type == "article"], "aeb"))
        for metric_name, sub, metric in tables:
            for method, label in METHODS.items():
                cells = [score(in_half(sub, h), method, metric) for h in halves]
                print(
                    f"  {TITLES[name]:<16}{metric_name:<14}{label:<18}"
                    + "".join(f"{c[0]:>8.3f}/{c[1]:.3f}/{c[2]:.3f}" if c else f"{'-':>20}" for c in cells)
                )
    print("  per language (F1, n pages; text = clean_text, html = clean_html, traf = trafilatura):")
    columns = f"{'n':>5}{'text':>7}{'html':>7}{'traf':>7}" * len(halves)
    print(f"    {'set':<16}{'lang':<8}" + "".join(f"{_half_name(h):>26}" for h in halves))
    print(f"    {'':<24}{columns}")
    for name, rows in by_set.items():
        for lang, members in by_language(rows).items():
            cells = []
            for h in halves:
                sub = in_half(members, h)
                s = [score(sub, m, PRIMARY[name]) for m in ("clean_text", "clean_html", "trafilatura")]
                cells.append(f"{len(sub):>5}" + "".join(f"{x[0]:7.3f}" if x else f"{'-':>7}" for x in s))
            print(f"    {TITLES[name]:<16}{lang:<8}" + "".join(f"{c:>26}" for c in cells))
    if by_set.get("wcxb"):
        rows = by_set["wcxb"]
        print("  wcxb-dev per page type (WCXB metric F1):")
        print(f"    {'':<24}{columns}")
        for t in PAGE_TYPES:
            cells = []
            for h in halves:
                sub = in_half([r for r in rows if r.page.page_type == t], h)
                s = [score(sub, m, "wcxb") for m in ("clean_text", "clean_html", "trafilatura")]
                cells.append(f"{len(sub):>5}" + "".join(f"{x[0]:7.3f}" if x else f"{'-':>7}" for x in s))
            print(f"    {t:<24}" + "".join(f"{c:>26}" for c in cells))
    print(
        f"  flagged rule/language cells (precision < {FLAG_PRECISION:.2f} on >= {FLAG_WORDS} judged words; "
        f"the {SUMMARY_FLAGS} losing most article text first):"
    )
    for path in PATHS:
        for h in halves:
            flagged = flagged_cells(counts[path], h)
            items = [f"{r}/{lang} {1 - c[2] / c[1]:.2f}" for r, lang, c in flagged[:SUMMARY_FLAGS]]
            items += [f"{len(flagged) - SUMMARY_FLAGS} more"] if len(flagged) > SUMMARY_FLAGS else []
            print(_wrap(f"    {PATHS[path]:<16} {_half_name(h):<7} {len(flagged):>2}: ", items or ["none"], 32))


def print_targets(by_set: dict[str, list[Scored]], halves: list[str]) -> None:
    shown = [h for h in halves if h != "A"] or halves
    lines, notes = target_lines(by_set, shown)
    print("\n== targets (half B = held out, all = A + B)")
    names = [_half_name(h) + (" (held out)" if h == "B" else "") for h in shown]
    for desc, cells in [("target", names)] + lines:
        print((f"  {desc:<60}" + "".join(f"  {c:<34}" for c in cells)).rstrip())
    print("  languages (plain path; AEB on aeb+wcxb article+forum pages, snippets on trafilatura-dev):")
    for note in notes:
        print(f"  {note}")


# -- throughput -------------------------------------------------------------------------------


def throughput(texts: list[str], options: CleanOptions, rounds: int = 3) -> tuple[float, float]:
    """CPU ms per document for fingerprint + clean_text (best of ``rounds``), and MB/s.

    Process CPU time, so that other work on the machine inflates the figure less.
    """
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for t in texts:
            fingerprint(t, options)
            clean_text(t, options)
        best = min(best, time.process_time() - start)
    size = sum(len(t.encode("utf-8")) for t in texts)
    return 1000 * best / max(1, len(texts)), size / 1e6 / best


def _report_throughput(label: str, texts: list[str]) -> None:
    if not texts:
        return
    for t in texts[:3]:  # warm the rule cache
        clean_text(t)
    ms, mbs = throughput(texts, CleanOptions())
    mean_kb = statistics.mean(len(t.encode("utf-8")) for t in texts) / 1024
    print(f"  {label} ({len(texts)} docs, {mean_kb:.1f} KB mean): {ms:.3f} ms/doc, {mbs:.1f} MB/s")


# -- command line -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: aeb, wcxb, trafilatura (default: all)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages of each set")
    parser.add_argument(
        "--half", choices=["A", "B", "all"], default="all", help="halves to print: A, B, or all (A, B and A + B)"
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="processes for html_text, trafilatura and extract_main_text"
    )
    parser.add_argument("--examples", type=int, default=0, help="show N removed lines of article text per rule")
    parser.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"html_text/trafilatura output cache (default {DEFAULT_CACHE})",
    )
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"eval data not found at {args.eval_dir}; put shared/ beside the repo or pass --eval-dir. Skipping.")
        return 0
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in sets if s not in SETS]
    if unknown:
        parser.error(f"unknown set {unknown[0]!r}; expected some of {', '.join(SETS)}")
    halves = ["A", "B", "all"] if args.half == "all" else [args.half]
    print(f"eval data {args.eval_dir}; cache {args.cache}; sets {', '.join(sets)}; jobs {args.jobs}")
    by_set: dict[str, list[Scored]] = {}
    counts: dict[str, dict] = {path: defaultdict(lambda: [0, 0, 0]) for path in PATHS}
    for name in sets:
        pages = load_set(name, args.eval_dir)[: args.limit or None]
        t0 = time.perf_counter()
        pages = prepare(pages, args.jobs, args.cache)
        t_prep = time.perf_counter() - t0
        rows, stats, t_plain = run_set(pages)
        by_set[name] = rows
        set_counts, examples = {}, {}
        for path in PATHS:
            set_counts[path], examples[path] = judge_removals(rows, path, args.examples if path == "clean_text" else 0)
            for key, c in set_counts[path].items():
                counts[path][key] = [a + b for a, b in zip(counts[path][key], c)]
        report_set(name, rows, stats, (t_prep, t_plain), set_counts, halves, examples)
    print(
        f"\n== per-rule precision by language, all sets (precision = share of judged words not article text; "
        f"! = below {FLAG_PRECISION:.2f} on >= {FLAG_WORDS} judged words)"
    )
    for path in PATHS:
        print_rule_precision(counts[path], path, halves)
    print("\nthroughput, fingerprint + clean_text (CPU time, one process):")
    corpus_dir = Path(__file__).resolve().parents[1] / "corpus"
    _report_throughput(
        "corpus/ sample files", [p.read_text(encoding="utf-8") for p in sorted(corpus_dir.glob("*.txt"))]
    )
    aeb = [r.page for r in by_set.get("aeb", [])]
    _report_throughput("article bodies (aeb ground truth)", [p.truth for p in aeb if p.truth.strip()])
    _report_throughput("naive scraper dumps (aeb)", [p.dump for p in aeb])
    print_summary(by_set, counts, halves)
    print_targets(by_set, halves)
    return 0


if __name__ == "__main__":
    sys.exit(main())
