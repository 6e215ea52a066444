"""The evaluation data of ../shared/eval/ for the cleaner: loaders, the site split, language
labels, the three metrics, and a judge of removed lines.

No dependency on the cleaner: other tooling can ``sys.path.insert(0, "scripts")`` and
``import eval_data``. html_text, trafilatura and py3langid are imported only where used.

Metrics (each a pure function with a test in tests/test_clean_eval.py):

* AEB (``tp_fp_fn`` per page, ``metrics`` over pages): word 4-gram shingles (``\\w+`` runs,
  case kept, counted with multiplicity); precision and recall per page, averaged; F1 from
  the two means, as scrapinghub/article-extraction-benchmark ``evaluate.py`` computes it.
* WCXB (``word_prf`` per page, ``word_scores`` over pages): bag-of-words precision, recall
  and F1 of the lower-cased ``\\w+`` tokens as multisets, averaged over pages. Edge cases
  as WCXB's ``evaluate.py`` (its README does not define them): an empty gold scores 1 when
  the prediction is empty too and 0 otherwise; an empty prediction scores 0. Pages whose
  gold is empty are kept, as ``evaluate.py`` keeps them.
* snippets (``snippet_counts`` per page, ``snippet_scores`` over pages), trafilatura's
  method: a ``with`` snippet found in the output is a true positive, one missing a false
  negative, a ``without`` snippet found a false positive; P/R/F1 over the totals. Text and
  snippets are compared white-space-normalised and case kept.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import html as htmllib
import importlib.metadata
import json
import os
import re
import statistics
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

SETS = ("aeb", "wcxb", "trafilatura")
PAGE_TYPES = ("article", "forum", "product", "service", "collection", "listing", "documentation")
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "dedup-eval-cache"

_TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)


# -- pages, sites and halves ------------------------------------------------------------------


@dataclass
class Page:
    """One evaluation page: its gold (``truth`` text and/or snippets), and the outputs the
    eval fills in (``dump``, ``traf``, ``main``) and its language label."""

    set: str
    id: str
    url: str
    html_path: Path | None = None
    truth: str = ""  # gold main text; "" where the gold is snippets only (trafilatura-dev)
    with_snippets: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)
    page_type: str = "article"
    site: str = ""
    html: str = ""  # read by read_html when not given
    dump: str = ""
    traf: str = ""
    main: str = ""
    main_removed: tuple = ()  # extract_main_text's removals (the fallback body search)
    metadata: dict = field(default_factory=dict)
    lang: str = ""

    def __post_init__(self) -> None:
        if not self.site:
            self.site = site_of(self.url)

    @property
    def half(self) -> str:
        return half_of(self.site)

    @property
    def group(self) -> str | None:
        """The corpus-statistics group of the page (its site)."""
        return self.site or None


def site_of(url: str) -> str:
    """The web site of a URL: the host, lower-cased, without port and leading "www.";
    an archive.org snapshot belongs to the site it archived.

    >>> site_of("https://WWW.Example.com:8080/a?b")
    'example.com'
    >>> site_of("https://web.archive.org/web/20140109030403/http://blog.example.org/x")
    'blog.example.org'
    """
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if host.endswith("archive.org"):
        inner = re.match(r"/web/[^/]+/(https?:)/*(.+)", parsed.path)
        if inner:
            return site_of(f"{inner.group(1)}//{inner.group(2)}")
    return host.removeprefix("www.")


def half_of(site: str) -> str:
    """Half "A" (the one we tune on) or "B" (held out) of a site: the lowest bit of the
    blake2b hash of the site, so that a site never straddles the halves and the split is
    the same on every machine and run.

    >>> half_of("example.com"), half_of("dw.com")
    ('A', 'B')
    """
    return "B" if hashlib.blake2b(site.encode("utf-8"), digest_size=8).digest()[-1] & 1 else "A"


def in_half(items: Iterable, half: str) -> list:
    """The items (anything with a ``half``) in ``half``: "A", "B", or "all" for both."""
    return [x for x in items if half == "all" or x.half == half]


# -- loaders ----------------------------------------------------------------------------------


def decode_html(data: bytes) -> str:
    """UTF-8, else the charset the page declares, else UTF-8 with replacement characters
    (13 trafilatura-dev pages are ISO-8859-1, windows-1252 or stray bytes in UTF-8)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = re.search(rb"""charset=["']?([\w-]+)""", data[:8192])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        if name not in ("utf-8", "utf8"):
            try:
                return data.decode(name, "replace")
            except LookupError:
                pass
    return data.decode("utf-8", "replace")


def read_html(page: Page) -> str:
    if not page.html and page.html_path is not None:
        page.html = decode_html(gzip.decompress(page.html_path.read_bytes()))
    return page.html


def load_aeb(root: Path) -> list[Page]:
    """The 181 pages of the Article Extraction Benchmark (all news and blog articles)."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page("aeb", key, truth[key].get("url", ""), root / "html" / f"{key}.html.gz", truth[key].get("articleBody", ""))
        for key in sorted(truth)
    ]


def load_wcxb(root: Path) -> list[Page]:
    """All pages of wcxb-dev (seven page types), including the 21 whose gold is empty."""
    files = json.loads((root / "metadata.json").read_text(encoding="utf-8"))["files"]
    pages = []
    for key in sorted(files):
        record = json.loads((root / "ground-truth" / f"{key}.json").read_text(encoding="utf-8"))
        gt = record["ground_truth"]
        if isinstance(gt, str):
            gt = ast.literal_eval(gt)
        domain = files[key].get("domain", "")
        url = record.get("url") or f"https://{domain}/"
        page = Page(
            "wcxb",
            key,
            url,
            root / "html" / f"{key}.html.gz",
            gt.get("main_content") or "",
            list(gt.get("with") or []),
            list(gt.get("without") or []),
            files[key].get("page_type", "article"),
            site=site_of(url) or domain.removeprefix("www."),
        )
        pages.append(page)
    return pages


def load_trafilatura(root: Path) -> list[Page]:
    """trafilatura-dev: 487 pages with snippet gold. Ten keys are not URLs ("hard::...");
    their site comes from the page's canonical link (or og:url)."""
    data = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(data):
        item = data[key]
        path = root / "html" / item["file"]
        url = key if re.match(r"https?://", key) else _canonical_url(path) or f"https://{item['file']}/"
        name = item["file"].removesuffix(".gz").removesuffix(".html")
        pages.append(Page("trafilatura", name, url, path, "", list(item["with"]), list(item["without"])))
    return pages


def _canonical_url(path: Path) -> str:
    head = decode_html(gzip.decompress(path.read_bytes()))[:200_000]
    for tag in re.findall(r"<(?:link|meta)\b[^>]*>", head, re.I):
        if re.search(r"""rel=["']?canonical|property=["']?og:url""", tag, re.I):
            url = re.search(r"""(?:href|content)=["']([^"']+)""", tag, re.I)
            if url and htmllib.unescape(url.group(1)).startswith("http"):
                return htmllib.unescape(url.group(1))
    return ""


def load_set(name: str, eval_dir: Path) -> list[Page]:
    loaders = {
        "aeb": (load_aeb, "aeb"),
        "wcxb": (load_wcxb, "wcxb-dev"),
        "trafilatura": (load_trafilatura, "trafilatura-dev"),
    }
    if name not in loaders:
        raise ValueError(f"unknown set {name!r}; expected one of {', '.join(SETS)}")
    load, folder = loaders[name]
    return load(eval_dir / folder)


# -- the outputs that do not depend on our code, cached -----------------------------------------

# Bump when the way the cached outputs are made changes (arguments, not versions: those are in
# the key already).
_RECIPE = "1"


def baseline_outputs(page: Page, cache_dir: Path | None) -> tuple[str, str]:
    """(html_text dump, trafilatura text) of the page, from ``cache_dir`` when there.

    Keyed by set, page id, a digest of the HTML and the versions of html_text and
    trafilatura, so that a new version or changed data is never served stale output.
    """
    import html_text
    import trafilatura

    html = read_html(page)
    path = None
    if cache_dir is not None:
        tag = f"html_text-{importlib.metadata.version('html-text')}-trafilatura-{trafilatura.__version__}-r{_RECIPE}"
        digest = hashlib.blake2b(html.encode("utf-8", "replace"), digest_size=8).hexdigest()
        name = re.sub(r"[^\w.-]", "_", page.id)[:80]
        path = cache_dir / page.set / tag / f"{name}-{digest}.json"
        if path.exists():
            cached = json.loads(path.read_text(encoding="utf-8"))
            return cached["dump"], cached["traf"]
    dump = html_text.extract_text(html, guess_layout=True)
    traf = trafilatura.extract(html, output_format="txt", include_comments=False) or ""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"dump": dump, "traf": traf}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # atomic: workers never read half a file
    return dump, traf


# -- language labels --------------------------------------------------------------------------


def label_language(text: str) -> str:
    """ISO 639-1 code of ``text`` by py3langid ("unknown" when it has no words). The eval's
    own label, independent of the language the cleaner detects."""
    from py3langid.langid import classify

    if not _TOKEN.search(text or ""):
        return "unknown"
    return classify(text[:20_000])[0]


def page_language(page: Page) -> str:
    """The language of the gold text; where the gold is only snippets (or empty), of
    trafilatura's output, else of the snippets."""
    return label_language(page.truth if page.truth.strip() else page.traf or " ".join(page.with_snippets))


# -- metrics ----------------------------------------------------------------------------------


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    """AEB's per-page shares of true positive, false positive and false negative shingles."""
    t, p = shingles(true), shingles(pred)
    tp = fp = fn = 0.0
    for key in t.keys() | p.keys():
        a, b = t.get(key, 0), p.get(key, 0)
        tp += min(a, b)
        fp += max(0, b - a)
        fn += max(0, a - b)
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def metrics(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(F1, precision, recall) as AEB computes them from per-page ``tp_fp_fn`` rows."""
    p = statistics.mean([_precision(*r) for r in rows if r[0] + r[1] > 0] or [0.0])
    r = statistics.mean([_recall(*x) for x in rows if x[0] + x[2] > 0] or [0.0])
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def word_prf(pred: str, gold: str) -> tuple[float, float, float]:
    """WCXB's per-page (precision, recall, F1) over lower-cased ``\\w+`` words as multisets.

    >>> word_prf("the cat sat", "The cat sat on the mat")
    (1.0, 0.5, 0.6666666666666666)
    >>> word_prf("", ""), word_prf("x", ""), word_prf("", "x")
    ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    """
    pred_words, gold_words = Counter(_TOKEN.findall(pred.lower())), Counter(_TOKEN.findall(gold.lower()))
    if not gold_words:
        return (1.0, 1.0, 1.0) if not pred_words else (0.0, 0.0, 0.0)
    if not pred_words:
        return 0.0, 0.0, 0.0
    overlap = sum((pred_words & gold_words).values())
    p, r = overlap / sum(pred_words.values()), overlap / sum(gold_words.values())
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def word_scores(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(F1, precision, recall) of the WCXB metric: per-page ``word_prf`` values averaged."""
    if not rows:
        return 0.0, 0.0, 0.0
    return statistics.mean(r[2] for r in rows), statistics.mean(r[0] for r in rows), statistics.mean(r[1] for r in rows)


def normalise_ws(text: str) -> str:
    return " ".join(text.split())


def snippet_counts(output: str, with_snippets: list[str], without: list[str]) -> tuple[int, int, int]:
    """(true positives, false negatives, false positives) of one page's snippets.

    >>> snippet_counts("a  good\\ntext here", ["good text", "missing"], ["here", "nope"])
    (1, 1, 1)
    """
    text = normalise_ws(output)
    found = [normalise_ws(s) in text for s in with_snippets if normalise_ws(s)]
    leaked = sum(normalise_ws(s) in text for s in without if normalise_ws(s))
    return sum(found), len(found) - sum(found), leaked


def snippet_scores(rows: Iterable[tuple[int, int, int]]) -> tuple[float, float, float]:
    """(F1, precision, recall) over the summed ``snippet_counts`` of all pages."""
    tp = fn = fp = 0
    for a, b, c in rows:
        tp, fn, fp = tp + a, fn + b, fp + c
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


# -- was a removed line article text? ---------------------------------------------------------


def norm_words(text: str) -> str:
    """Lower-cased words joined by single spaces: the key for comparing short lines."""
    return " ".join(_TOKEN.findall(text.lower()))


class LineJudge:
    """Says whether a line the cleaner removed from one page was article text it lost.

    With a gold text (aeb, wcxb): a line of four words or more is article text when at least
    half of its word 4-gram shingles are in the gold and not kept elsewhere in the output
    (a repeat whose first copy was kept lost nothing); a shorter line when it equals a gold
    line (words compared lower-cased) and no kept line. With snippet gold (trafilatura-dev):
    article text when it overlaps a ``with`` snippet that the output lacks (the snippet in
    the line, or a line of four words or more in the snippet; white-space-normalised),
    boilerplate when it overlaps a ``with`` snippet kept elsewhere or a ``without``
    snippet, otherwise unknown (None). A page with neither gold judges nothing.
    """

    def __init__(self, page: Page, kept: str) -> None:
        self.gold = page.truth.strip() != ""
        if self.gold:
            self.truth_sh = shingles(page.truth)
            self.kept_sh = shingles(kept)
            self.truth_lines = {norm_words(x) for x in page.truth.split("\n")}
            self.kept_lines = {norm_words(x) for x in kept.split("\n")}
        else:
            self.kept = normalise_ws(kept)
            self.with_snippets = [s for s in map(normalise_ws, page.with_snippets) if s]
            self.without = [s for s in map(normalise_ws, page.without) if s]

    def __call__(self, line: str) -> bool | None:
        words = len(_TOKEN.findall(line))
        if not words:
            return None
        if self.gold:
            if words < 4:
                key = norm_words(line)
                return key in self.truth_lines and key not in self.kept_lines
            sh = shingles(line)
            lost = sum(1 for s in sh if s in self.truth_sh and s not in self.kept_sh)
            return lost / len(sh) >= 0.5
        if not (self.with_snippets or self.without):
            return None
        ln = normalise_ws(line)

        def overlaps(snip: str) -> bool:
            return snip in ln or (words >= 4 and ln in snip)

        hits = [s for s in self.with_snippets if overlaps(s)]
        if hits:
            return any(s not in self.kept for s in hits)
        return False if any(overlaps(s) for s in self.without) else None
