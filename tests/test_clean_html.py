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


BRIEF = (
    "<html>\n<head><title>Water main breaks on Elm Street | Example Herald</title></head>\n<body>\n"
    '<nav><a href="/">Home</a> <a href="/news">News</a></nav>\n'
    "<article>\n<h1>Water main breaks on Elm Street</h1>\n"
    "<p>A water main broke on Elm Street early on Monday, flooding two basements and closing the"
    " road between the station and the market for most of the morning.</p>\n"
    "<p>Crews expect to finish the repair by the evening, the water company said.</p>\n"
    "</article>\n</body>\n</html>\n"
)


def test_short_main_text_is_kept_when_the_page_holds_no_longer_body() -> None:
    from clean.html import _fallback

    main = extract_main_text(BRIEF)
    assert "A water main broke on Elm Street" in main.text
    assert "main-text-fallback" not in main.flags
    # the page's paragraphs are the brief itself: nothing much longer to fall back to
    assert _fallback(BRIEF, main.text, "Water main breaks on Elm Street", CleanOptions()) is None


# the story in plain <div>s: trafilatura's baseline reads it paragraph by paragraph
PAGE = HTML.replace("<article>", '<div class="story">').replace("</article>", "</div>")


def test_short_fragment_falls_back_to_the_body_found_in_the_page_paragraphs() -> None:
    from clean.html import _fallback

    # trafilatura kept one teaser line of a page whose paragraphs hold the whole story
    fragment = "Share this article"
    found = _fallback(PAGE, fragment, "Council expands bus network", CleanOptions())
    assert found is not None
    assert found.flags == ("main-text-fallback",)
    for para in PARAS:
        assert para in found.text
    assert not found.text.startswith("Council expands bus network")  # the title is metadata
    for line, n in zip(found.text.split("\n"), found.line_map):
        if line:
            assert n == source_line(line[:40])
    assert "Follow us on Facebook" not in found.text
    assert any("Follow us on Facebook" in r.text for r in found.removed)


CHECKLIST = (
    "<html>\n<head><title>Wedding planning checklist | Example Venue</title></head>\n<body>\n<article>\n"
    "<h1>Wedding planning checklist</h1>\n"
    "<p>The following checklists provide tools you can print or save for quick reference during your"
    " planning. They are designed to be useful as you organise your wedding.</p>\n"
    "<p>Related Resources:</p>\n<ul>\n"
    '<li><a href="/venues">Venue Comparison Guide - Compare venue features and pricing</a></li>\n'
    '<li><a href="/timeline">12-Month Planning Timeline - Detailed month-by-month guide</a></li>\n'
    "</ul>\n<h2>12-Month Wedding Planning Timeline Checklist</h2>\n"
    "<p>Keep this checklist handy to track your progress. Adjust timing as needed for engagements"
    " shorter or longer than 12 months.</p>\n<h3>12+ Months Before</h3>\n<ul>\n"
    "<li>Celebrate engagement – enjoy the moment, throw an engagement party (optional)</li>\n"
    "<li>Discuss budget and size – determine the total budget and who is contributing</li>\n"
    "<li>Choose a wedding date range – consider the season and availability</li>\n"
    "<li>Research and book the venue – tour favourites, compare offerings, set a firm date</li>\n"
    "</ul>\n</article>\n</body>\n</html>\n"
)


def test_related_box_inside_the_article_stops_at_a_paragraph_of_two_sentences() -> None:
    result = clean_html(CHECKLIST)
    assert "Keep this checklist handy to track your progress." in result.text
    assert "Celebrate engagement" in result.text
    assert "Research and book the venue" in result.text
