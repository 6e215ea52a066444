"""Boilerplate cleaner: strip page chrome from scraped articles and explain every removal.

``clean_text`` cleans plain text (a scraper's dump, a CMS export); ``clean_html`` extracts
the main text with trafilatura first. In a corpus run, ``fingerprint`` each document,
feed the fingerprints to a ``CorpusStatsBuilder``, and pass the built ``CorpusStats`` to
the cleaning calls so that lines recurring across a site's pages go too.
"""

import logging

from .errors import CleanError, CleanOptionsError, RulesError
from .html import MainText, clean_html, extract_main_text
from .options import CleanOptions
from .result import CleanResult, Removal
from .rules import Rule, RuleSet, builtin_rules, load_rules
from .stats import CorpusStats, CorpusStatsBuilder, Fingerprint, fingerprint
from .text import clean_text

__all__ = [
    "CleanError",
    "CleanOptions",
    "CleanOptionsError",
    "CleanResult",
    "CorpusStats",
    "CorpusStatsBuilder",
    "Fingerprint",
    "MainText",
    "Removal",
    "Rule",
    "RuleSet",
    "RulesError",
    "builtin_rules",
    "clean_html",
    "clean_text",
    "extract_main_text",
    "fingerprint",
    "load_rules",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
