"""Syndication benchmark: does ``dedup scan`` find the copies of an article, and only those?

Built from real article bodies (the ground truth of ``../shared/eval/``) and the real page
chrome around them (what a naive scraper keeps of each page, minus the article):

* originals: an article inside the chrome of a host site;
* copies of an original on other sites: new headline, dateline and byline, that site's
  chrome, light word edits, an abridged ending, straight or curly quotes, other
  paragraph breaks (each copy gets a random mix);
* distractors: unrelated articles on the same sites, and short briefs (30-70 words of a
  story) where the site's chrome outweighs the story.

Pairs of an original and its copies (and copies of one original) are the positives;
everything else is a negative. Reports pair precision, recall and F1 for ``dedup scan``
at its defaults and for the plain datasketch script (MinHashLSH at 0.8 on word 5-grams).
``--sweep`` prints the grid the defaults were chosen from.

    python scripts/eval_neardup.py                 # defaults vs datasketch
    python scripts/eval_neardup.py --sweep         # threshold x ngram x containment x clean
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import itertools
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from dedup import Document, ScanOptions, scan
from dedup.clusters import clusters

DEFAULT_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
DEFAULT_CACHE = Path.home() / ".cache" / "dedup-eval"
_WORDS = re.compile(r"\w+")
# A dump line belongs to the article when at least this share of its word 4-grams are in
# the ground-truth body (lines of fewer than 5 words are judged by position).
_BODY_SHARE = 0.5
# Host sites: pages whose chrome (head + tail) is real chrome, not too thin to matter and
# not article text the ground truth left out (long prose lines, thousands of words).
_CHROME_WORDS = (40, 1000)
_CHROME_LONG_LINE = 30  # words
_CHROME_LONG_LINES = 3


@dataclass
class Page:
    """One eval page: its article body (paragraphs) and the chrome around it in the dump."""

    key: str
    site: str
    body: list[str]
    head: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.body)

    @property
    def good_host(self) -> bool:
        sizes = [len(line.split()) for line in self.head + self.tail]
        long_lines = sum(n > _CHROME_LONG_LINE for n in sizes)
        return _CHROME_WORDS[0] <= sum(sizes) <= _CHROME_WORDS[1] and long_lines <= _CHROME_LONG_LINES


@dataclass
class Doc:
    """A benchmark document: id, text, host site, and what it is."""

    id: str
    text: str
    site: str
    kind: str  # original, copy, filler, brief
    group: int | None = None  # originals and their copies share a group
    edits: tuple[str, ...] = ()


# -- loading ---------------------------------------------------------------------------------


def _dump(html: str, key: str, cache: Path) -> str:
    """The naive scraper's text of a page (html_text with layout), cached on disk."""
    path = cache / "dumps" / f"{key}.txt"
    if path.exists():
        return path.read_text(encoding="utf-8")
    import html_text

    text = html_text.extract_text(html, guess_layout=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def _grams(text: str) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def _split_chrome(page: Page, dump: str) -> None:
    """Chrome = the dump lines before the first and after the last line of the article."""
    body = set().union(*(_grams(p) for p in page.body))
    lines = [line.strip() for line in dump.split("\n")]
    inside = []
    for k, line in enumerate(lines):
        grams = _grams(line)
        if len(grams) >= 2 and sum(g in body for g in grams) >= _BODY_SHARE * len(grams):
            inside.append(k)
    if not inside:
        return
    page.head = [line for line in lines[: inside[0]] if line]
    page.tail = [line for line in lines[inside[-1] + 1 :] if line]


def load_pages(eval_dir: Path, cache: Path) -> list[Page]:
    """Article pages of aeb/ and wcxb-dev/ with their bodies and chrome."""
    pages: list[Page] = []
    aeb = eval_dir / "aeb"
    truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    raw: list[tuple[str, str, str, Path]] = []
    for key in sorted(truth):
        raw.append(
            (f"aeb-{key[:12]}", truth[key].get("url", ""), truth[key]["articleBody"], aeb / "html" / f"{key}.html.gz")
        )
    wcxb = eval_dir / "wcxb-dev"
    files = json.loads((wcxb / "metadata.json").read_text(encoding="utf-8"))["files"]
    for key in sorted(files):
        if files[key].get("page_type") != "article":
            continue
        record = json.loads((wcxb / "ground-truth" / f"{key}.json").read_text(encoding="utf-8"))
        gt = record["ground_truth"]
        gt = ast.literal_eval(gt) if isinstance(gt, str) else gt
        if gt.get("main_content"):
            url = record.get("url") or f"https://{files[key].get('domain', '')}/"
            raw.append((f"wcxb-{key}", url, gt["main_content"], wcxb / "html" / f"{key}.html.gz"))
    for key, url, body, html_path in raw:
        paragraphs = [" ".join(p.split()) for p in body.split("\n") if p.strip()]
        site = (urlsplit(url).hostname or key).removeprefix("www.")
        page = Page(key, site, paragraphs)
        html = gzip.decompress(html_path.read_bytes()).decode("utf-8", "replace")
        _split_chrome(page, _dump(html, key, cache))
        pages.append(page)
    return pages


# -- building the benchmark ------------------------------------------------------------------

_CITIES = ["WASHINGTON", "LONDON", "NEW YORK", "PARIS", "BERLIN", "TOKYO", "SYDNEY", "KYIV", "MUMBAI", "NAIROBI"]
_AGENCIES = ["Reuters", "AP", "AFP", "Bloomberg", "dpa", "PA Media"]
_NAMES = ["Anna Kowalska", "James Okoro", "Maria Rossi", "Chen Wei", "Sara Lindqvist", "David Cohen", "Aisha Bello"]
_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]


def _headline(rng: random.Random, body: list[str]) -> str:
    words = _WORDS.findall(" ".join(body))
    pick = rng.sample(words, min(len(words), rng.randint(7, 12)))
    return " ".join(w.capitalize() for w in pick)


def _edit_words(rng: random.Random, text: str, rate: float, vocab: list[str]) -> str:
    out = []
    for word in text.split(" "):
        r = rng.random()
        if r < rate / 3:
            continue  # deleted
        if r < 2 * rate / 3:
            out.append(rng.choice(vocab))  # substituted
            continue
        out.append(word)
        if r < rate:
            out.append(rng.choice(vocab))  # inserted
    return " ".join(out)


def _quotes(rng: random.Random, text: str) -> str:
    if rng.random() < 0.5:
        return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("—", "-")
    text = re.sub(r"(\w)'(\w)", "\\1’\\2", text)
    text = re.sub(r'"(\w)', "“\\1", text)
    return text.replace('"', "”").replace(" - ", " — ")


def _page_text(site: Page, paragraphs: list[str], rng: random.Random, chrome: bool = True) -> str:
    sep = "\n\n" if rng.random() < 0.6 else "\n"
    if not chrome:
        return sep.join(paragraphs) + "\n"
    return "\n".join(site.head) + "\n\n" + sep.join(paragraphs) + "\n\n" + "\n".join(site.tail) + "\n"


def _copy(rng: random.Random, body: list[str], vocab: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """A syndicated copy: a random mix of the usual changes, at least one."""
    kinds = [k for k in ("headline", "edits", "abridged", "quotes") if rng.random() < 0.5] or [
        rng.choice(["headline", "edits", "abridged"])
    ]
    paras = list(body)
    if "abridged" in kinds and len(paras) >= 3:
        keep = max(2, round(len(paras) * rng.uniform(0.5, 0.85)))
        paras = paras[:keep]
    if "edits" in kinds:
        rate = rng.uniform(0.02, 0.06)
        paras = [_edit_words(rng, p, rate, vocab) for p in paras]
    if "quotes" in kinds:
        paras = [_quotes(rng, p) for p in paras]
    if "headline" in kinds:
        date = f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}"
        paras[0] = f"{rng.choice(_CITIES)}, {date} ({rng.choice(_AGENCIES)}) - {paras[0]}"
        paras = [_headline(rng, body), f"By {rng.choice(_NAMES)}"] + paras
    return paras, tuple(kinds)


def build(
    pages: list[Page],
    seed: int,
    originals: int,
    singles: int,
    fillers: int,
    briefs: int,
    hosts: int,
    chrome: bool = True,
) -> list[Doc]:
    """The benchmark documents, deterministic for a seed (``chrome=False``: article text
    only, as a perfect cleaner would leave it, to measure the matcher alone)."""
    rng = random.Random(seed)
    usable = [p for p in pages if p.words >= 150 and len(p.body) >= 3]
    host_pool = [p for p in pages if p.good_host]
    rng.shuffle(usable)
    rng.shuffle(host_pool)
    sites = host_pool[:hosts]
    vocab = sorted({w for p in usable[:200] for w in _WORDS.findall(" ".join(p.body)) if len(w) > 2})
    need = originals + singles + fillers + briefs
    if len(usable) < need:
        raise SystemExit(f"only {len(usable)} usable articles for {need} wanted; lower the counts")
    docs: list[Doc] = []
    cursor = 0

    def take(n: int) -> list[Page]:
        nonlocal cursor
        chunk = usable[cursor : cursor + n]
        cursor += n
        return chunk

    for g, page in enumerate(take(originals)):
        home = rng.randrange(len(sites))
        docs.append(
            Doc(f"orig-{g:03d}", _page_text(sites[home], page.body, rng, chrome), sites[home].site, "original", g)
        )
        others = [k for k in range(len(sites)) if k != home]
        for c, host in enumerate(rng.sample(others, rng.randint(1, 3))):
            paras, kinds = _copy(rng, page.body, vocab)
            docs.append(
                Doc(
                    f"copy-{g:03d}-{c}", _page_text(sites[host], paras, rng, chrome), sites[host].site, "copy", g, kinds
                )
            )
    for k, page in enumerate(take(singles)):
        host = rng.randrange(len(sites))
        docs.append(
            Doc(f"single-{k:03d}", _page_text(sites[host], page.body, rng, chrome), sites[host].site, "original")
        )
    for k, page in enumerate(take(fillers)):
        host = rng.randrange(len(sites))
        docs.append(Doc(f"filler-{k:03d}", _page_text(sites[host], page.body, rng, chrome), sites[host].site, "filler"))
    for k, page in enumerate(take(briefs)):
        host = rng.randrange(len(sites))
        words = " ".join(page.body).split()
        story = " ".join(words[: rng.randint(30, 70)])
        docs.append(Doc(f"brief-{k:03d}", _page_text(sites[host], [story], rng, chrome), sites[host].site, "brief"))
    rng.shuffle(docs)
    return docs


@dataclass
class ParagraphCase:
    """Documents where some paragraphs were pasted from other documents, and where."""

    docs: list[Doc]
    pairs: set[tuple[tuple[str, int], tuple[str, int]]]  # ((id, line), (id, line)) pasted copies


def build_paragraphs(pages: list[Page], seed: int, count: int, hosts: int, chrome: bool) -> ParagraphCase:
    """Agency paragraphs pasted into other outlets' articles: each receiving article gets
    1 to 3 paragraphs (of 20+ words) from one source article, lightly edited or not."""
    rng = random.Random(seed + 1)
    usable = [p for p in pages if p.words >= 150 and sum(len(x.split()) >= 20 for x in p.body) >= 3]
    rng.shuffle(usable)
    sites = [p for p in pages if p.good_host][:hosts]
    vocab = sorted({w for p in usable[:200] for w in _WORDS.findall(" ".join(p.body)) if len(w) > 2})
    docs: list[Doc] = []
    pairs: set[tuple[tuple[str, int], tuple[str, int]]] = set()

    def place(doc_id: str, paragraphs: list[str]) -> dict[int, int]:
        """Write the document; return the source line of each paragraph index."""
        site = sites[rng.randrange(len(sites))] if chrome else None
        head = (site.head + [""]) if site else []
        sep_blank = rng.random() < 0.6
        lines, where = list(head), {}
        for k, para in enumerate(paragraphs):
            where[k] = len(lines) + 1
            lines.append(para)
            if sep_blank:
                lines.append("")
        lines += ([""] + site.tail) if site else []
        docs.append(Doc(doc_id, "\n".join(lines) + "\n", site.site if site else "none", "article"))
        return where

    for k in range(count):
        source, target = usable[2 * k], usable[2 * k + 1]
        src_where = place(f"src-{k:03d}", source.body)
        long_ones = [i for i, para in enumerate(source.body) if len(para.split()) >= 20]
        picked = sorted(rng.sample(long_ones, min(len(long_ones), rng.randint(1, 3))))
        body = list(target.body)
        inserted = []
        for i in picked:
            para = source.body[i]
            if rng.random() < 0.5:
                para = _edit_words(rng, para, rng.uniform(0.02, 0.06), vocab)
            if rng.random() < 0.5:
                para = _quotes(rng, para)
            at = rng.randint(0, len(body))
            body.insert(at, para)
            inserted = [(j + (j >= at), s) for j, s in inserted] + [(at, i)]
        dst_where = place(f"dst-{k:03d}", body)
        for j, i in inserted:
            pairs.add(tuple(sorted(((f"src-{k:03d}", src_where[i]), (f"dst-{k:03d}", dst_where[j])))))  # type: ignore[arg-type]
    return ParagraphCase(docs, pairs)


def run_paragraphs(case: ParagraphCase, options: ScanOptions) -> tuple[set, float]:
    start = time.perf_counter()
    documents = [Document(d.id, d.text, source=f"{d.site}/{d.id}.txt", group=d.site) for d in case.docs]
    result = scan(documents, options)
    pred = set()
    for c in result.paragraph_clusters:
        for a, b in itertools.combinations(c.members, 2):
            if a.id != b.id:
                pred.add(tuple(sorted(((a.id, a.line), (b.id, b.line)))))
    return pred, time.perf_counter() - start


# -- scoring ---------------------------------------------------------------------------------


def true_pairs(docs: list[Doc]) -> set[tuple[str, str]]:
    groups: dict[int, list[str]] = defaultdict(list)
    for d in docs:
        if d.group is not None:
            groups[d.group].append(d.id)
    return {tuple(sorted(p)) for ids in groups.values() for p in itertools.combinations(ids, 2)}  # type: ignore[misc]


def cluster_pairs(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for ids in groups for p in itertools.combinations(ids, 2)}  # type: ignore[misc]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    found: int
    seconds: float


def score(pred: set[tuple[str, str]], truth: set[tuple[str, str]], seconds: float) -> Score:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(truth) if truth else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Score(p, r, f1, len(pred), seconds)


def run_dedup(docs: list[Doc], options: ScanOptions) -> tuple[list[list[str]], float]:
    start = time.perf_counter()
    documents = [Document(d.id, d.text, source=f"{d.site}/{d.id}.txt", group=d.site) for d in docs]
    result = scan(documents, options)
    groups = [[m.id for m in c.members] for c in result.doc_clusters]
    return groups, time.perf_counter() - start


def run_datasketch(docs: list[Doc], threshold: float = 0.8, ngram: int = 5) -> tuple[list[list[str]], float]:
    """The plain script: lower-cased words, word 5-grams, MinHashLSH(0.8), components."""
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    hashes = []
    for i, d in enumerate(docs):
        words = d.text.lower().split()
        m = MinHash(num_perm=128)
        for k in range(max(1, len(words) - ngram + 1)):
            m.update(" ".join(words[k : k + ngram]).encode("utf8"))
        lsh.insert(str(i), m)
        hashes.append(m)
    pairs = [(i, int(j)) for i, m in enumerate(hashes) for j in lsh.query(m) if int(j) != i]
    groups = [[docs[k].id for k in g] for g in clusters(len(docs), pairs)]
    return groups, time.perf_counter() - start


def breakdown(docs: list[Doc], pred: set[tuple[str, str]], truth: set[tuple[str, str]]) -> list[str]:
    """Recall by copy change and false pairs by document kinds: where the errors are."""
    by_id = {d.id: d for d in docs}
    lines = []
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for a, b in truth:
        for d in (by_id[a], by_id[b]):
            for kind in d.edits:
                total[kind] += 1
                found[kind] += (a, b) in pred
    if total:
        lines.append("    recall by change: " + ", ".join(f"{k} {found[k] / total[k]:.3f}" for k in sorted(total)))
    false = Counter("+".join(sorted((by_id[a].kind, by_id[b].kind))) for a, b in pred - truth)
    if false:
        lines.append("    false pairs: " + ", ".join(f"{k} {v}" for k, v in false.most_common()))
    return lines


def _row(name: str, s: Score) -> str:
    return f"  {name:<44} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.found:7d} {s.seconds:7.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where page dumps are cached")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--originals", type=int, default=120, help="articles that get copies")
    parser.add_argument("--singles", type=int, default=120, help="articles without copies")
    parser.add_argument("--fillers", type=int, default=120, help="unrelated articles on the same sites")
    parser.add_argument("--briefs", type=int, default=120, help="short stories in full chrome")
    parser.add_argument("--hosts", type=int, default=40, help="sites whose chrome hosts the documents")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--sweep", action="store_true", help="print the grid the defaults were chosen from")
    parser.add_argument("--write", type=Path, help="also write the benchmark as <site>/<id>.txt here")
    parser.add_argument("--no-datasketch", action="store_true")
    parser.add_argument("--no-chrome", action="store_true", help="article texts only: the matcher alone")
    parser.add_argument(
        "--paragraphs",
        type=int,
        default=150,
        metavar="N",
        help="paragraph benchmark: N source articles pasted into N others (0: skip)",
    )
    args = parser.parse_args(argv)

    if not (args.eval_dir / "aeb" / "ground-truth.json").exists():
        print(f"eval data not found at {args.eval_dir} (pass --eval-dir); nothing to do")
        return 0
    pages = load_pages(args.eval_dir, args.cache)
    docs = build(
        pages, args.seed, args.originals, args.singles, args.fillers, args.briefs, args.hosts, not args.no_chrome
    )
    truth = true_pairs(docs)
    kinds = Counter(d.kind for d in docs)
    digest = hashlib.sha256("".join(d.id + d.text for d in docs).encode()).hexdigest()[:12]
    print(
        f"syndication benchmark (seed {args.seed}, corpus {digest}): {len(docs)} documents on "
        f"{len({d.site for d in docs})} sites: " + ", ".join(f"{v} {k}s" for k, v in sorted(kinds.items()))
    )
    print(f"positive pairs: {len(truth)}; pages loaded: {len(pages)}")
    if args.write:
        for d in docs:
            path = args.write / d.site / f"{d.id}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(d.text, encoding="utf-8")
        print(f"written to {args.write}")

    base = ScanOptions(level="doc") if args.jobs is None else ScanOptions(level="doc", jobs=args.jobs)
    print(f"\n  {'method':<44} {'P':>6} {'R':>6} {'F1':>6} {'pairs':>7} {'sec':>7}")
    groups, secs = run_dedup(docs, base)
    pred = cluster_pairs(groups)
    print(_row("dedup scan (defaults)", score(pred, truth, secs)))
    for line in breakdown(docs, pred, truth):
        print(line)
    if not args.no_datasketch:
        groups, secs = run_datasketch(docs)
        pred = cluster_pairs(groups)
        print(_row("datasketch MinHashLSH(0.8), word 5-grams", score(pred, truth, secs)))
        for line in breakdown(docs, pred, truth):
            print(line)
    if args.paragraphs:
        case = build_paragraphs(pages, args.seed, args.paragraphs, args.hosts, not args.no_chrome)
        print(f"\nparagraph benchmark: {len(case.docs)} documents, {len(case.pairs)} pasted paragraphs")
        print(f"  {'method':<44} {'P':>6} {'R':>6} {'F1':>6} {'pairs':>7} {'sec':>7}")
        grid = [(ScanOptions().ngram, ScanOptions().paragraph_threshold)]
        if args.sweep:
            grid = list(itertools.product((3, 5), (0.3, 0.4, 0.5, 0.6, 0.7)))
        for ngram, threshold in grid:
            options = replace(base, level="both", ngram=ngram, paragraph_threshold=threshold)
            pred, secs = run_paragraphs(case, options)
            print(_row(f"dedup paragraphs ngram={ngram} t={threshold}", score(pred, case.pairs, secs)), flush=True)
    if args.sweep:
        print("\nsweep (document level):")
        print(f"  {'options':<44} {'P':>6} {'R':>6} {'F1':>6} {'pairs':>7} {'sec':>7}")
        for clean, ngram, containment, threshold in itertools.product(
            (True, False), (3, 5), (0.7, 0.8, 0.9, None), (0.4, 0.5, 0.6, 0.8)
        ):
            options = replace(base, clean=clean, ngram=ngram, containment=containment, threshold=threshold)
            groups, secs = run_dedup(docs, options)
            name = f"clean={clean!s:5} ngram={ngram} containment={containment!s:4} t={threshold}"
            print(_row(name, score(cluster_pairs(groups), truth, secs)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
