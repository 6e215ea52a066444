"""The review page: the DOM contract the browser tests rely on, escaping, no network, determinism."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser

import pytest

from dedup.review.page import render

EVIL = "<script>alert(1)</script></script>"
THRESHOLDS = [round(0.30 + 0.05 * k, 2) for k in range(14)]


class Tree(HTMLParser):
    """Every start tag as (tag, attrs), and the text of each <script> by its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)

    def find(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]

    def by_class(self, cls: str, tag: str | None = None) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if (tag is None or t == tag) and cls in (a.get("class") or "").split()]

    def by_id(self, ident: str) -> tuple[str, dict[str, str | None]]:
        found = [(t, a) for t, a in self.tags if a.get("id") == ident]
        assert len(found) == 1, f"expected one element with id {ident!r}, found {len(found)}"
        return found[0]


def parse(page: str) -> Tree:
    tree = Tree()
    tree.feed(page)
    tree.close()
    return tree


def blob(tree: Tree) -> dict:
    texts = [text for attrs, text in tree.scripts if attrs.get("id") == "review-data"]
    assert len(texts) == 1
    return json.loads(texts[0])


@pytest.fixture
def data() -> dict:
    return sample_data()


def sample_data() -> dict:
    """Two document clusters with diffs, a paragraph cluster, two cleaned documents, a failure."""
    options = {
        "level": "both",
        "ngram": 3,
        "threshold": 0.5,
        "containment": 0.8,
        "min_length_ratio": 0.4,
        "paragraph_threshold": 0.6,
        "min_paragraph_words": 10,
        "num_perm": 128,
        "seed": 1,
        "keep": "first",
        "same_url": False,
        "clean": True,
        "clean_rules": None,
        "text_field": "text",
        "id_field": "id",
    }
    return {
        "version": 1,
        "title": "dedup review",
        "inputs": ["corpus/"],
        "options": options,
        "summary": {
            "documents": 12,
            "failed": 1,
            "doc_clusters": 2,
            "duplicate_documents": 3,
            "paragraphs": 80,
            "paragraph_clusters": 1,
            "duplicate_paragraphs": 2,
            "candidates": 9,
            "rejected_candidates": 2,
            "boilerplate_spans": 5,
            "boilerplate_words": 40,
        },
        "failures": [{"path": "corpus/bad.jsonl", "line": 3, "error": "not JSON: Expecting value"}],
        "histogram": {
            "bins": [round(0.05 * i, 2) for i in range(20)],
            "documents": [0] * 9 + [1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2],
            "documents_containment": [0] * 17 + [1, 0, 0],
            "paragraphs": [0] * 12 + [1, 0, 0, 0, 0, 0, 0, 2],
        },
        "preview": [
            {"threshold": t, "documents": max(0, 6 - int(t * 6)), "paragraphs": 3 - (t > 0.6)} for t in THRESHOLDS
        ],
        "doc_clusters": [
            {
                "keep": "a1",
                "size": 3,
                "members": [
                    {"id": "a1", "similarity": 1.0, "containment": 1.0, "rule": ""},
                    {"id": "a2", "similarity": 0.62, "containment": 0.7, "rule": "jaccard"},
                    {"id": EVIL, "similarity": 0.41, "containment": 0.9, "rule": "containment"},
                ],
                "diffs": [
                    [["=", "the council met on"], ["-", "Monday"], ["+", "Tuesday night"]],
                    [["=", "the council met"], ["-", "on Monday " + EVIL]],
                ],
            },
            {
                "keep": "b1",
                "size": 2,
                "members": [
                    {"id": "b1", "similarity": 1.0, "containment": 1.0, "rule": ""},
                    {"id": "b2", "similarity": 1.0, "containment": 1.0, "rule": "exact"},
                ],
                "diffs": [[["=", " ".join(f"w{i}" for i in range(500))]]],
            },
        ],
        "doc_clusters_total": 5,
        "paragraph_clusters": [
            {
                "similarity": 0.9,
                "size": 2,
                "members": [
                    {
                        "id": "a1",
                        "source": "corpus/a.jsonl",
                        "paragraph": 2,
                        "line": 1,
                        "text": "Subscribe now " + EVIL,
                        "similarity": 1.0,
                        "before": "x" * 500,
                        "after": "After text.",
                    },
                    {
                        "id": "c3",
                        "source": "corpus/c.jsonl",
                        "paragraph": 0,
                        "line": None,
                        "text": "Subscribe now!",
                        "similarity": 0.9,
                        "before": "",
                        "after": "",
                    },
                ],
            },
        ],
        "paragraph_clusters_total": 1,
        "cleaning": {
            "rules": [
                {"rule": "nav.menu", "spans": 3, "words": 30, "examples": ["Home | News | Sport", EVIL]},
                {"rule": "footer.copyright", "spans": 2, "words": 10, "examples": ["© 2024 Example"]},
            ],
            "documents": [
                {
                    "id": "a1",
                    "source": "corpus/a.jsonl",
                    "removed_spans": 1,
                    "lines": [
                        {"line": 1, "text": "Home | News | Sport", "rule": "nav.menu"},
                        {"line": 2, "text": "The council met on Monday.", "rule": None},
                    ],
                },
                {
                    "id": EVIL,
                    "source": "corpus/b.jsonl",
                    "removed_spans": 1,
                    "lines": [
                        {"line": None, "text": EVIL, "rule": None},
                        {"line": None, "text": "© 2024 Example", "rule": "footer.copyright"},
                    ],
                },
            ],
            "documents_total": 2,
        },
        "sample": {"size": 2, "seed": 1},
    }


def test_contract_ids_and_classes(data: dict) -> None:
    tree = parse(render(data))
    assert tree.find("html")[0]["lang"] == "en"
    for ident in ("summary", "cleaning"):
        assert tree.by_id(ident)[0] == "section"
    assert tree.by_id("histogram")[0] == "svg"
    assert tree.by_id("preview-chart")[0] == "svg"
    assert tree.by_id("preview-table")[0] == "table"
    assert tree.by_id("rules-table")[0] == "table"
    assert tree.by_id("doc-select")[0] == "select"
    assert tree.by_id("preview-threshold")[0] == "output"
    slider = tree.by_id("threshold")[1]
    assert (slider["type"], slider["min"], slider["max"], slider["step"], slider["value"]) == (
        "range",
        "0.3",
        "0.95",
        "0.05",
        "0.5",
    )
    search = tree.by_id("cluster-search")[1]
    assert search["type"] == "search" and search["placeholder"] == "Search by document id"
    keys = {a["data-count"] for a in tree.find("dd") if "data-count" in a}
    assert {
        "documents",
        "failed",
        "doc_clusters",
        "duplicate_documents",
        "paragraph_clusters",
        "duplicate_paragraphs",
        "boilerplate_spans",
        "candidates",
        "rejected_candidates",
    } <= keys
    assert len(tree.by_class("failure", "li")) == 1

    hist = tree.by_id("histogram")[1]
    assert hist["role"] == "img" and hist["viewbox"]
    bars = tree.by_class("bar", "rect")
    assert {b["data-series"] for b in bars} == {"documents", "documents_containment", "paragraphs"}
    assert len(bars) == 4 + 1 + 2  # one per non-empty bin
    assert {"data-bin": "0.95", "data-count": "2"}.items() <= next(
        b for b in bars if b["data-series"] == "documents" and b["data-bin"] == "0.95"
    ).items()
    lines = {a["data-name"]: a["data-value"] for a in tree.by_class("threshold", "line")}
    assert lines == {"threshold": "0.5", "containment": "0.8", "paragraph_threshold": "0.6"}

    clusters = tree.by_class("doc-cluster", "details")
    assert [c["data-ids"] for c in clusters][1] == "b1 b2"
    members = tree.by_class("member", "li")
    assert [(m["data-similarity"], m["data-rule"]) for m in members] == [
        ("0.62", "jaccard"),
        ("0.41", "containment"),
        ("1.0", "exact"),
    ]
    assert len(tree.by_class("diff")) == len(tree.by_class("diff-kept")) == len(tree.by_class("diff-member")) == 3
    assert tree.by_class("para-cluster", "details")[0]["data-ids"] == "a1 c3"
    assert [o["value"] for o in tree.find("option")] == ["a1", EVIL]
    assert [d["data-id"] for d in tree.by_class("cleaning-doc", "div")] == ["a1", EVIL]
    removed = tree.by_class("removed", "div")
    assert [r["data-rule"] for r in removed] == ["nav.menu", "footer.copyright"]
    assert all("line" in r["class"].split() for r in removed)
    assert tree.by_class("line", "div")[1].get("data-line") == "2"


def test_preview_values_and_blob(data: dict) -> None:
    page = render(data)
    tree = parse(page)
    preview = blob(tree)["preview"]
    assert preview == data["preview"]
    assert blob(tree)["options"]["threshold"] == 0.5
    at_half = next(p for p in preview if p["threshold"] == 0.5)
    assert re.search(rf'<span id="preview-documents">{at_half["documents"]}</span>', page)
    assert re.search(rf'<span id="preview-paragraphs">{at_half["paragraphs"]}</span>', page)
    rows = [a for t, a in tree.tags if t == "tr" and "data-threshold" in a]
    assert len(rows) == 14 and [r for r in rows if r.get("class") == "current"][0]["data-threshold"] == "0.50"
    # The blob holds what the script needs, not the texts the HTML already shows.
    assert "diffs" not in blob(tree) and "cleaning" not in blob(tree)


@pytest.mark.parametrize(("threshold", "value"), [(0.52, "0.5"), (0.1, "0.3"), (1.0, "0.95"), (0.87, "0.85")])
def test_slider_rounds_and_clamps(data: dict, threshold: float, value: str) -> None:
    data["options"]["threshold"] = threshold
    assert parse(render(data)).by_id("threshold")[1]["value"] == value


def test_diff_marks_words(data: dict) -> None:
    page = render(data)
    assert '<div class="diff-kept"><p class="diff-label">a1</p>the council met on <del>Monday</del></div>' in page
    assert (
        '<div class="diff-member"><p class="diff-label">a2</p>the council met on <ins>Tuesday night</ins></div>' in page
    )
    # A long shared run is folded, not printed twice in full.
    assert "476 shared words" in page and "w250" not in page


def test_sampled_clusters_say_so(data: dict) -> None:
    assert "Showing 2 of 5." in render(data)


def test_no_network(data: dict) -> None:
    page = render(data)
    tree = parse(page)
    assert not tree.find("link") and not tree.find("img") and not tree.find("iframe")
    for _, attrs in tree.tags:
        for name in ("src", "href", "xlink:href", "action"):
            assert not re.match(r"\s*(https?:)?//", attrs.get(name) or ""), attrs
    assert "@import" not in page and "url(" not in page
    assert [a for a, _ in tree.scripts if "src" in a] == []


def test_everything_is_escaped(data: dict) -> None:
    page = render(data)
    tree = parse(page)
    # The only <script> elements are ours: the JSON blob and the code.
    assert len(tree.scripts) == 2 and page.count("</script") == 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/script&gt;" in page
    assert EVIL in "".join(tree.text)  # shown as text, not run
    assert any(a.get("data-ids") == f"a1 a2 {EVIL}" for a in tree.by_class("doc-cluster"))
    data["title"] = EVIL
    data["options"]["keep"] = "<!--" + EVIL
    page = render(data)
    assert len(parse(page).scripts) == 2 and page.count("</script") == 2 and "<!--" not in page
    assert blob(parse(page))["options"]["keep"] == "<!--" + EVIL  # "</" written as "<\/" inside the blob


@pytest.mark.parametrize("drop", ["doc_clusters", "paragraph_clusters", "cleaning", "preview", "histogram", "all"])
def test_empty_sections_render(data: dict, drop: str) -> None:
    if drop == "all":
        data = {}
    elif drop == "cleaning":
        data["cleaning"] = {"rules": [], "documents": [], "documents_total": 0}
    elif drop == "histogram":
        data["histogram"] = {}
    else:
        data[drop] = []
    tree = parse(render(data))
    for ident in (
        "summary",
        "histogram",
        "preview-chart",
        "threshold",
        "preview-threshold",
        "preview-documents",
        "preview-paragraphs",
        "preview-table",
        "cluster-search",
        "cleaning",
        "rules-table",
        "doc-select",
    ):
        tree.by_id(ident)
    assert isinstance(blob(tree)["preview"], list)


def test_containment_line_only_when_set(data: dict) -> None:
    data["options"]["containment"] = None
    names = [a["data-name"] for a in parse(render(data)).by_class("threshold", "line")]
    assert names == ["threshold", "paragraph_threshold"]


def test_deterministic(data: dict) -> None:
    assert render(data) == render(copy.deepcopy(data))


def test_keep_none_names_the_reference(data: dict) -> None:
    data["doc_clusters"][0]["keep"] = None
    assert "none kept" in render(data)


def test_unknown_diff_op_is_an_error(data: dict) -> None:
    data["doc_clusters"][0]["diffs"][0].append(["?", "x"])
    with pytest.raises(ValueError, match="diff op must be"):
        render(data)


def test_paragraph_context_is_short(data: dict) -> None:
    page = render(data)
    assert "…" + "x" * 200 + "<" in page and "x" * 201 not in page
    assert "After text." in page
