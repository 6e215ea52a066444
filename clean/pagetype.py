"""What kind of page an HTML document is, and the text of its main region.

The HTML path extracts an article with trafilatura; a forum thread, a product page or a
listing needs something else (the posts are the content, not comments to drop; a listing's
teasers are its content). The kind is read from the page's own structured data (schema.org
JSON-LD and microdata, Open Graph), which sites emit in every language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["ARTICLE", "FORUM", "PAGE", "PRODUCT", "page_type", "region_text"]

ARTICLE = "article"  # declared an article (news, blog post): trafilatura's extraction fits
FORUM = "forum"  # a discussion thread or Q&A page: every post is content
PRODUCT = "product"  # one product's page: description, specifications
PAGE = "page"  # undeclared: an article, or a listing, service, category or documentation page

_JSON_LD = re.compile(r"<script[^>]*application/ld\+json[^>]*>(.*?)</script>", re.S | re.I)
_JSON_TYPE = re.compile(r'"@type"\s*:\s*"([\w:/.#-]+)"')
_ITEMTYPE = re.compile(r"""itemtype\s*=\s*["']?https?://schema\.org/(\w+)""", re.I)
_OG_TYPE = re.compile(r"""<meta(?=[^>]*property\s*=\s*["']og:type["'])[^>]*content\s*=\s*["']([^"']*)["']""", re.I)
# schema.org types of a discussion: a thread (DiscussionForumPosting), a Q&A page; posts
# marked up as Comment (microdata) when at least this many are on a page that does not
# declare itself an article (a blog post's reader comments are marked up the same way).
_FORUM_TYPES = frozenset({"DiscussionForumPosting", "QAPage"})
_FORUM_MIN_COMMENTS = 2
_PRODUCT_TYPES = frozenset({"Product", "ProductGroup", "IndividualProduct", "ProductModel"})
_ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "AnalysisNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReportageNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "ScholarlyArticle",
        "TechArticle",
    }
)


def page_type(html: str) -> str:
    """``FORUM``, ``PRODUCT``, ``ARTICLE`` or ``PAGE`` (nothing declared), from schema.org
    and Open Graph.

    >>> page_type('<div itemscope itemtype="https://schema.org/DiscussionForumPosting">')
    'forum'
    >>> page_type('<script type="application/ld+json">{"@type": "Product", "name": "Kettle"}</script>')
    'product'
    >>> page_type('<meta property="og:type" content="article"><p>Council expands bus network</p>')
    'article'
    >>> page_type("<p>Council expands bus network</p>")
    'page'
    """
    types = set(_json_ld_types(html))
    micro = _ITEMTYPE.findall(html)
    types.update(micro)
    og = _OG_TYPE.search(html)
    og_type = og.group(1).strip().lower() if og else ""
    article = bool(types & _ARTICLE_TYPES) or og_type == "article"
    if types & _FORUM_TYPES or (micro.count("Comment") >= _FORUM_MIN_COMMENTS and not article):
        return FORUM
    if types & _PRODUCT_TYPES or og_type in ("product", "og:product", "product.item"):
        return PRODUCT
    return ARTICLE if article else PAGE


def _json_ld_types(html: str) -> Iterator[str]:
    """Every ``@type`` in the page's JSON-LD blocks (nested ones and ``@graph`` included)."""
    for match in _JSON_LD.finditer(html):
        body = match.group(1).strip()
        try:
            data = json.loads(body)
        except ValueError:  # a block that is not valid JSON: its types may still be read
            yield from (t.rsplit("/", 1)[-1] for t in _JSON_TYPE.findall(body))
            continue
        yield from _types(data)


def _types(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        kind = value.get("@type")
        for t in kind if isinstance(kind, list) else [kind]:
            if isinstance(t, str):
                yield t.rsplit("/", 1)[-1]
        for item in value.values():
            yield from _types(item)
    elif isinstance(value, list):
        for item in value:
            yield from _types(item)


# -- the main region --------------------------------------------------------------------------

_DROP = ("script", "style", "noscript", "template", "svg", "iframe", "button", "select", "textarea")
# page chrome around the main region when the page does not mark the region itself
_CHROME = (
    ".//header|.//footer|.//nav|.//aside|.//form|.//*[@role='navigation' or @role='banner'"
    " or @role='contentinfo' or @role='complementary' or @role='search']"
)
_BLOCK = frozenset(
    "address article aside blockquote body br dd details dialog div dl dt fieldset figcaption figure"
    " footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot"
    " th thead tr ul".split()
)
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")


def region_text(html: str) -> str:
    """The visible text of the page's main region, one line per block element.

    The region is what the page marks as main (``<main>``, ``role="main"``), else the body
    without its header, footer, navigation, sidebars and forms. On a listing, a service or a
    category page the content is spread over many blocks of teasers and features, where an
    article extractor keeps one block; this is the text to compare with.

    >>> region_text("<body><nav>Home</nav><main><h2>Routes</h2><p>Night buses run hourly.</p></main></body>")
    'Routes\\nNight buses run hourly.'
    """
    import lxml.html  # trafilatura's dependency; imported here like trafilatura itself
    from lxml import etree

    try:
        tree = lxml.html.document_fromstring(html)
    except ValueError:  # a string with an XML encoding declaration: parse its bytes
        parser = lxml.html.HTMLParser(encoding="utf-8")
        try:
            tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
        except etree.ParserError:
            return ""
    except etree.ParserError:  # an empty document
        return ""
    etree.strip_elements(tree, *_DROP, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    marked = tree.xpath("//main|//*[@role='main']")
    regions = [e for e in marked if not any(a in marked for a in e.iterancestors())]
    if not regions:
        body = tree.find("body")
        if body is None:
            return ""
        for elem in body.xpath(_CHROME):
            if elem.getparent() is not None:
                elem.drop_tree()
        regions = [body]
    lines: list[str] = []
    for region in regions:
        _block_lines(region, lines)
    return "\n".join(line for line in (" ".join(_SPACES.sub(" ", x).split()) for x in lines) if line)


def _block_lines(elem: Any, lines: list[str]) -> None:
    """Append the text of ``elem`` to ``lines``, starting a new line at each block element."""
    if not isinstance(elem.tag, str):  # an entity left in the tree (its tail is the parent's)
        return
    block = elem.tag in _BLOCK
    if block:
        lines.append("")
    if elem.text:
        _add(lines, elem.text)
    for child in elem:
        _block_lines(child, lines)
        if child.tail:
            _add(lines, child.tail)
    if block:
        lines.append("")


def _add(lines: list[str], text: str) -> None:
    if not lines:
        lines.append("")
    lines[-1] += text.replace("\n", " ")
