"""Pages of one site under www., m. and the bare host (any case, port, trailing dot) are one group."""

import io
import json
import random

import pytest

from dedup.cleaning import CleanRunOptions, clean_documents
from dedup.documents import Document
from dedup.readers import iter_documents, site_of

SAME_SITE = [
    "https://www.example.com/a", "https://m.example.com/b", "https://example.com/c", "https://Example.COM./d",
    "http://example.com:8080/e", "https://mobile.example.com/f", "https://amp.example.com/g", "https://www2.example.com/h",
]  # fmt: skip


@pytest.mark.parametrize("url", SAME_SITE)
def test_site_of_strips_www_mobile_and_amp_prefixes_case_port_and_dot(url):
    assert site_of(url) == "example.com"


@pytest.mark.parametrize(
    "url, site",
    [
        ("https://news.example.com/x", "news.example.com"),  # another site of the domain stays apart
        ("https://www.m.example.co.uk/x", "example.co.uk"),
        ("https://www.com/", "www.com"),  # nothing left to be a site: kept whole
        ("https://m.co/", "m.co"),
        ("http://192.168.0.1:8000/", "192.168.0.1"),
        ("not a url", None),
        ("http://[oops/x", None),
    ],
)
def test_site_of_other_hosts(url, site):
    assert site_of(url) == site


def test_records_group_by_site(tmp_path):
    lines = [json.dumps({"id": f"r{k}", "text": "text", "url": url}) for k, url in enumerate(SAME_SITE)]
    lines.append(json.dumps({"id": "bad", "text": "text", "url": "http://[oops/x"}))
    (tmp_path / "recs.jsonl").write_text("\n".join(lines), encoding="utf-8")
    docs = list(iter_documents([str(tmp_path / "recs.jsonl")]))
    assert all(isinstance(d, Document) for d in docs)
    assert [d.group for d in docs] == ["example.com"] * len(SAME_SITE) + [tmp_path.name]


def test_warc_pages_group_by_site(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(tmp_path / "crawl.warc", "wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        for uri in ("https://www.example.com/a", "https://m.example.com/b", "https://EXAMPLE.com:443/c"):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            body = io.BytesIO(b"<html><body><p>Story</p></body></html>")
            writer.write_record(writer.create_warc_record(uri, "response", payload=body, http_headers=headers))
    docs = list(iter_documents([str(tmp_path / "crawl.warc")]))
    assert [d.group for d in docs] == ["example.com"] * 3


def test_chrome_shared_by_www_mobile_and_bare_pages_is_learned_as_one_sites(tmp_path):
    # A long banner (too long to count as chrome across sites) opens every page of one
    # site, whose six pages came in under three host names, two each: only as one group
    # do they show the banner often enough for the cleaner to learn it.
    banner = (
        "The Example Gazette has kept the people of the Springfield valley informed about their towns, "
        "their schools and their rivers since 1921"
    )
    rng = random.Random(3)
    words = "council harbour budget ferry fares debate mayor river bridge school teachers station trains storm".split()
    hosts = ["https://www.example.com", "https://m.example.com", "https://example.com"] * 2
    with open(tmp_path / "pages.jsonl", "w", encoding="utf-8") as handle:
        for k, host in enumerate(hosts):
            body = [" ".join(rng.choice(words) for _ in range(18)).capitalize() + "." for _ in range(6)]
            text = "\n".join([banner, *body])
            handle.write(json.dumps({"id": f"p{k}", "url": f"{host}/story/{k}", "text": text}) + "\n")
    docs = list(iter_documents([str(tmp_path / "pages.jsonl")]))
    with clean_documents(docs, CleanRunOptions(jobs=1)) as run:
        cleaned = list(run)
    assert len(cleaned) == len(hosts)
    assert all(banner not in c.text and c.text.count("\n") >= 5 for c in cleaned)
