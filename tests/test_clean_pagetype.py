"""Page types from schema.org / Open Graph, and the text of a page's main region."""

from __future__ import annotations

import json

from clean.pagetype import ARTICLE, FORUM, PAGE, PRODUCT, page_type, region_text


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_forum_thread_from_json_ld_microdata_or_several_comments() -> None:
    assert page_type(ld({"@type": "DiscussionForumPosting", "headline": "Starter not rising"})) == FORUM
    assert page_type(ld({"@context": "https://schema.org", "@type": "QAPage"})) == FORUM
    assert page_type('<div itemscope itemtype="http://schema.org/DiscussionForumPosting">') == FORUM
    comment = '<div itemscope itemtype="https://schema.org/Comment">'
    assert page_type(comment * 2) == FORUM
    # one marked-up comment, or comments under a declared article, are readers' comments
    assert page_type(comment) == PAGE
    assert page_type('<meta property="og:type" content="article">' + comment * 5) == ARTICLE
    assert page_type(ld({"@type": "BlogPosting"}) + comment * 5) == ARTICLE


def test_types_nested_in_graphs_and_lists_count() -> None:
    graph = {"@graph": [{"@type": "WebPage"}, {"@type": ["Thing", "Product"], "name": "Teapot"}]}
    assert page_type(ld(graph)) == PRODUCT
    assert page_type(ld([{"@type": "BreadcrumbList"}, {"@type": "NewsArticle"}])) == ARTICLE
    # a block that is not valid JSON still names its types
    assert page_type('<script type="application/ld+json">{"@type": "BlogPosting", }</script>') == ARTICLE


def test_open_graph_type_and_the_default() -> None:
    assert page_type('<meta property="og:type" content="product">') == PRODUCT
    assert page_type("<meta content='article' property='og:type'>") == ARTICLE
    assert page_type('<meta property="og:type" content="website"><h1>Our services</h1>') == PAGE
    assert page_type("") == PAGE


def test_forum_wins_over_the_article_markup_of_its_posts() -> None:
    html = ld({"@type": "Article"}) + ld({"@type": "DiscussionForumPosting"})
    assert page_type(html) == FORUM


def test_region_is_the_marked_main_element() -> None:
    html = (
        "<html><body><header>Site name</header><div role='main'><h1>Routes</h1>"
        "<p>Night buses run <b>hourly</b>.</p><script>var x = 1;</script></div>"
        "<footer>© Example</footer></body></html>"
    )
    assert region_text(html) == "Routes\nNight buses run hourly."


def test_region_without_main_is_the_body_without_chrome() -> None:
    html = (
        "<html><body><nav><a href='/'>Home</a></nav><aside>Popular now</aside>"
        "<div class='grid'><div><h3>Pea soup</h3><span>20 min</span></div><div><h3>Lamb stew</h3></div></div>"
        "<form><input name='q'><button>Search</button></form><footer>© Example</footer></body></html>"
    )
    assert region_text(html) == "Pea soup\n20 min\nLamb stew"


def test_region_of_an_empty_or_declared_document() -> None:
    assert region_text("") == ""
    assert region_text("<html></html>") == ""
    declared = '<?xml version="1.0" encoding="utf-8"?><html><body><p>Caf\u00e9 &amp; bar</p></body></html>'
    assert region_text(declared) == "Caf\u00e9 & bar"
