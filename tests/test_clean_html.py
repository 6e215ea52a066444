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


# -- page types: a forum thread's posts are content, a listing's teasers too ---------------------

POSTS = [
    (
        "marta_k",
        "My sourdough starter stopped rising after I moved it to the fridge for a week. It smells"
        " sharp and there is a grey liquid on top. Is it dead, or can I bring it back before the weekend bake?",
    ),
    (
        "breadhead",
        "The grey liquid is hooch, a sign that the yeast is hungry, not dead. Pour it off, discard"
        " half of the starter and feed it equal weights of flour and water twice a day at room temperature.",
    ),
    (
        "oven_spring",
        "Agreed with the advice above. Mine took three days of regular feeding to double again"
        " after a month in the fridge, so do not give up if the first feed does very little.",
    ),
    (
        "marta_k",
        "Thank you both! After two days of feeding it doubled in six hours, and the loaf I baked this"
        " morning had the best crumb I have managed so far.",
    ),
]

# posts marked up as schema.org DiscussionForumPosting (microdata), as forum software emits them
THREAD = (
    "<!DOCTYPE html>\n<html>\n<head>\n<title>Sourdough starter not rising after fridge - Baking Forum</title>\n"
    "</head>\n<body>\n"
    '<header><nav><a href="/">Forum home</a> <a href="/c/baking">Baking</a>'
    ' <a href="/login">Log in</a></nav></header>\n'
    '<main>\n<h1>Sourdough starter not rising after fridge</h1>\n<p class="stats">4 replies</p>\n'
    + "\n".join(
        '<div class="post" itemscope itemtype="https://schema.org/DiscussionForumPosting">\n'
        f'<div class="author" itemprop="author">{user}</div> <time datetime="2024-03-0{n}">March {n}, 2024</time>\n'
        f'<div class="post-body" itemprop="text"><p>{body}</p></div>\n'
        '<div class="actions"><a href="#">Reply</a> <a href="#">Quote</a></div>\n</div>'
        for n, (user, body) in enumerate(POSTS, 1)
    )
    + '\n<div class="box"><p>You must be logged in to post a reply.</p>\n'
    '<form action="/reply"><textarea name="message"></textarea><button>Post reply</button></form></div>\n'
    "</main>\n<footer><p>© 2024 Baking Forum. All rights reserved.</p></footer>\n</body>\n</html>\n"
)


def test_forum_thread_keeps_every_post_and_drops_the_reply_form() -> None:
    result = clean_html(THREAD)
    assert "forum-posts" in result.flags
    for _, body in POSTS:
        assert body in result.text  # the replies are the content, not comments to drop
    assert "4 replies" not in result.text
    assert any(r.text == "4 replies" for r in result.removed)
    assert "logged in to post" not in result.text
    assert "Post reply" not in result.text
    assert "All rights reserved" not in result.text
    for line, n in zip(result.text.split("\n"), result.line_map):
        if line:
            assert THREAD.split("\n")[n - 1].find(line[:30]) >= 0


def test_page_without_thread_markup_is_not_taken_for_a_thread() -> None:
    # without schema.org markup the cleaner cannot tell a thread from a blog post with reader
    # comments: trafilatura's article extraction decides
    plain = THREAD.replace(' itemscope itemtype="https://schema.org/DiscussionForumPosting"', "")
    assert "forum-posts" not in clean_html(plain).flags


PRODUCT = (
    "<!DOCTYPE html>\n<html>\n<head>\n<title>Stoneware Teapot 1.2 L | Example Kitchen Shop</title>\n"
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product",'
    ' "name": "Stoneware Teapot 1.2 L", "offers": {"@type": "Offer", "price": "39.00"}}</script>\n'
    "</head>\n<body>\n"
    '<nav><a href="/">Shop</a> <a href="/kitchen">Kitchen</a> <a href="/cart">Basket</a></nav>\n'
    '<main>\n<div class="product">\n<h1>Stoneware Teapot 1.2 L</h1>\n<p class="price">€39.00</p>\n'
    '<button class="add-to-cart">Add to basket</button>\n<div class="description">\n'
    "<p>This hand-glazed stoneware teapot holds 1.2 litres, enough for four large cups, and keeps tea hot"
    " for longer than glass or thin porcelain thanks to its thick walls.</p>\n"
    "<p>A removable stainless steel infuser lets loose leaves expand fully, and lifts out once the tea has"
    " brewed so that the last cup is never bitter.</p>\n"
    "<h2>Specifications</h2>\n<ul><li>Capacity: 1.2 litres</li><li>Material: stoneware, stainless steel"
    " infuser</li><li>Dishwasher safe: yes</li></ul>\n</div>\n</div>\n</main>\n"
    "<footer><p>© 2024 Example Kitchen Shop</p></footer>\n</body>\n</html>\n"
)


def test_product_page_keeps_description_and_specifications() -> None:
    result = clean_html(PRODUCT)
    assert "keeps tea hot for longer than glass" in result.text
    assert "lifts out once the tea has brewed" in result.text
    assert "Capacity: 1.2 litres" in result.text
    assert "Dishwasher safe: yes" in result.text
    assert "Add to basket" not in result.text
    assert "Example Kitchen Shop" not in result.text
    assert "page-region" not in result.flags


RECIPES = [
    ("Wild garlic pesto", "Blitz a bunch of wild garlic with walnuts, lemon and olive oil."),
    ("Asparagus with brown butter", "Roast the spears hot and fast, then spoon over nutty butter."),
    ("Pea and mint soup", "A bright green soup that is ready in twenty minutes."),
    ("Rhubarb and custard tart", "Tart pink rhubarb baked over a vanilla custard."),
    ("Spring lamb stew", "Slow-cooked shoulder with new potatoes and broad beans."),
    ("Radish and herb salad", "Crunchy radishes tossed with dill, parsley and a sharp dressing."),
    ("Nettle gnocchi", "Soft potato gnocchi coloured with blanched young nettles."),
    ("Strawberry shortcake", "Buttery biscuits split and filled with cream and the first berries."),
    ("Broad bean bruschetta", "Crushed young beans with pecorino on grilled sourdough."),
    ("Jersey royals with herbs", "New potatoes boiled in their skins and tossed in parsley butter."),
    ("Spring onion pancakes", "Flaky fried flatbreads with a soy and vinegar dip."),
    ("Elderflower cordial", "Steep the flower heads with lemon and sugar for two days."),
    ("Sorrel omelette", "A soft omelette folded over wilted sorrel and a little cream."),
    ("Watercress and potato soup", "Peppery leaves blended into a smooth and filling soup."),
    ("Chive flower butter", "Purple blossoms beaten into salted butter for new bread."),
    ("Spinach and ricotta pie", "Layers of filo around a herby spinach and cheese filling."),
    ("Gooseberry fool", "Tart stewed gooseberries folded through whipped cream."),
    ("Grilled spring onions", "Charred whole onions with romesco and toasted almonds."),
    ("Morel mushroom toast", "Wild morels fried in butter and piled onto sourdough."),
    ("Primrose biscuits", "Shortbread rounds pressed with edible spring flowers."),
    ("Lamb kofta with yoghurt", "Spiced minced lamb grilled on skewers with a garlic dip."),
    ("Carrot top pesto", "The feathery greens of new carrots blended with pine nuts."),
    ("Rhubarb gin", "Pink stalks steeped in gin and sugar for a month."),
    ("Pea shoot salad", "Tender tendrils with feta, lemon and toasted seeds."),
]
INTRO = [
    "Spring cooking starts with the first wild garlic in the woods and ends with strawberries, and in"
    " between come asparagus, peas, rhubarb and the new season's lamb.",
    "This week our editors cooked through the whole list and picked the recipes that work on a weeknight,"
    " with ingredients that any market sells from April on.",
]
# a listing: a featured intro trafilatura takes for the article, and the cards that are the page
LISTING = (
    "<!DOCTYPE html>\n<html>\n<head>\n<title>Spring recipes | Example Kitchen</title>\n</head>\n<body>\n"
    '<header><nav><a href="/">Home</a> <a href="/recipes">Recipes</a> <a href="/about">About</a></nav></header>\n'
    '<main>\n<h1>Spring recipes</h1>\n<article class="feature">\n'
    + "\n".join(f"<p>{p}</p>" for p in INTRO)
    + '\n</article>\n<section class="recipes">\n'
    + "\n".join(
        f'<div class="card"><a href="/r/{n}"><h3>{title}</h3></a>'
        f'<div class="teaser"><a href="/r/{n}">{teaser}</a></div></div>'
        for n, (title, teaser) in enumerate(RECIPES)
    )
    + "\n</section>\n</main>\n"
    "<footer><p>Subscribe to our newsletter</p><p>© 2024 Example Kitchen. All rights reserved.</p></footer>\n"
    "</body>\n</html>\n"
)


def test_listing_keeps_the_cards_of_its_main_region() -> None:
    result = clean_html(LISTING)
    assert "page-region" in result.flags
    for para in INTRO:
        assert para in result.text
    for title, teaser in RECIPES:
        assert title in result.text.split("\n")
        assert teaser in result.text
    assert "Subscribe to our newsletter" not in result.text
    assert "About" not in result.text.split("\n")
    for line, n in zip(result.text.split("\n"), result.line_map):
        assert LISTING.split("\n")[n - 1].find(line[:30]) >= 0


def test_declared_article_keeps_trafilaturas_text_however_small_a_share_of_the_page() -> None:
    # a news brief among many headlines: the page says it is an article, so the brief stays alone
    article = LISTING.replace("</title>", '</title>\n<meta property="og:type" content="article">')
    result = clean_html(article)
    assert "page-region" not in result.flags
    assert INTRO[0] in result.text
    assert "Wild garlic pesto" not in result.text


def test_page_whose_region_is_mostly_menus_keeps_trafilaturas_text() -> None:
    # a news brief on a portal whose menus are plain <div>s: no <nav> tells them apart, so the
    # page's region is mostly one- and two-word links, and the brief stays the main text
    menu = "\n".join(
        f'<div class="menu-item"><a href="/{n}">{word} {n}</a></div>'
        for n, word in enumerate(["Council", "Transport", "Health", "Schools", "Permits", "Taxes"] * 12)
    )
    portal = BRIEF.replace("<nav>", f"<div>{menu}</div><nav>").replace(
        "<head>", '<head><meta property="og:type" content="website">'
    )
    result = clean_html(portal)
    assert "page-region" not in result.flags
    assert "A water main broke on Elm Street" in result.text
    assert "Transport 1" not in result.text
