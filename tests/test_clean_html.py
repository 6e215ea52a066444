"""The HTML path: trafilatura's main text, metadata, rules on top, lines mapped to the source."""

from __future__ import annotations

from clean import CleanOptions, CorpusStatsBuilder, clean_html, extract_main_text, fingerprint

PARAS = [
    "The city council voted on Tuesday to expand the bus network, adding three routes that will"
    " connect the northern suburbs with the hospital district by the end of next year.",
    "Officials said the plan would cost about 40 million euros and that most of the money would"
    " come from a regional transport fund set up after the floods of 2021.",
    "Opposition members argued that the routes should have been planned together with the new"
    " tram line, which is due to open in the spring, and asked for a second vote.",
    "The mayor rejected the request, saying that residents had waited long enough for buses that"
    " run at night and at weekends, and that the timetable would be published in June.",
]

HTML = (
    "<!DOCTYPE html>\n<html>\n<head>\n<title>Council expands bus network | Example Herald</title>\n"
    '<meta property="article:published_time" content="2024-11-06T10:00:00Z">\n'
    "</head>\n<body>\n"
    '<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>\n'
    "<article>\n<h1>Council expands bus network</h1>\n"
    + "\n".join(f"<p>{p}</p>" for p in PARAS[:2])
    + "\n<p>Share this article</p>\n"
    + "\n".join(f"<p>{p}</p>" for p in PARAS[2:])
    + "\n<p>Follow us on Facebook and Twitter for more local news.</p>\n"
    "</article>\n<footer><p>© 2024 Example Herald. All rights reserved.</p></footer>\n</body>\n</html>\n"
)


def source_line(text: str) -> int:
    return next(n for n, line in enumerate(HTML.split("\n"), 1) if text in line)


def test_clean_html_keeps_the_article_and_puts_title_and_date_in_metadata() -> None:
    result = clean_html(HTML)
    for para in PARAS:
        assert para in result.text
    assert "Share this article" not in result.text
    assert "Follow us on Facebook" not in result.text
    assert "All rights reserved" not in result.text
    assert "Home" not in result.text.split("\n")
    assert result.metadata["title"].startswith("Council expands bus network")
    assert result.metadata["date"] == "2024-11-06"
    assert not result.text.startswith("Council expands bus network")


def test_clean_html_maps_lines_and_removals_to_the_html_source() -> None:
    result = clean_html(HTML)
    for line, n in zip(result.text.split("\n"), result.line_map):
        if line:
            assert n == source_line(line[:40])
    share = [r for r in result.removed if "Share this article" in r.text]
    if share:  # trafilatura may already have dropped it
        assert share[0].first_line == source_line("Share this article")


def test_extract_main_text_gives_text_metadata_and_line_map() -> None:
    main = extract_main_text(HTML)
    assert PARAS[0] in main.text
    assert len(main.line_map) == len(main.text.split("\n"))
    assert main.metadata["title"].startswith("Council expands bus network")


def test_corpus_stats_apply_to_html_main_text() -> None:
    builder = CorpusStatsBuilder()
    main = extract_main_text(HTML)
    for _ in range(4):
        builder.add(fingerprint(main.text), "herald.example")
    stats = builder.build()
    # every paragraph recurs in all four documents: a copy, so its sentences stay
    result = clean_html(HTML, CleanOptions(), stats, "herald.example")
    assert all(p in result.text for p in PARAS)


def test_page_without_main_text_is_flagged() -> None:
    for html in ("", "<html><body></body></html>"):
        result = clean_html(html)
        assert result.text == ""
        assert result.flags == ("no-main-text",)


def test_doctests() -> None:
    import doctest

    import clean.html

    assert doctest.testmod(clean.html).failed == 0
