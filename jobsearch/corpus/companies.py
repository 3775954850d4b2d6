"""Employer names: staffing-agency detection and name normalization for matching.

Two questions the query parser, the rubric grader and the query engine ask about employers:

* **Is this employer a staffing / sourcing intermediary?** Queries such as "not from staffing
  agencies", "no recruiters" or "direct hire only" exclude firms whose business is placing
  workers at other companies (policy §5.7). :func:`is_staffing_company` answers from the
  industry label when there is one, then from a list of known staffing brands, then from words
  in the name ("Staffing", "Recruiting", "Talent", "Personnel", ...).
* **Is this posting's employer the one the query named?** :func:`normalize_company` reduces a
  name to a matching key (lowercase, legal suffixes and punctuation removed) and
  :func:`company_matches` compares a wanted employer with a posting's employer, accepting
  subsidiaries and brands (AWS and Whole Foods for Amazon).

:data:`KNOWN_EMPLOYERS` lists large, frequently searched employers so that "jobs at amazon"
(lowercase) or "Google software engineer jobs" (no preposition) can be recognized in a query.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "KNOWN_EMPLOYERS",
    "STAFFING_BRANDS",
    "STAFFING_INDUSTRIES",
    "company_matches",
    "is_staffing_company",
    "normalize_company",
]

#: Industry labels of staffing firms, normalized (LinkedIn: "Staffing and Recruiting",
#: "Staffing & Recruiting"; Glassdoor: "Staffing & Outsourcing"; NAICS-style labels).
STAFFING_INDUSTRIES: frozenset[str] = frozenset(
    {
        "staffing and recruiting",
        "staffing and outsourcing",
        "staffing",
        "recruiting",
        "employment agencies",
        "employment services",
        "temporary help services",
        "executive search services",
        "executive search",
    }
)

#: Staffing, recruiting and sourcing brands whose names carry no telling word. Normalized
#: (see :func:`normalize_company`); a name matches when it starts with the brand's words
#: ("Randstad USA", "Jobot Consulting", "Aya Healthcare Locums").
STAFFING_BRANDS: tuple[str, ...] = (
    # generalist staffing and IT staffing
    "robert half", "randstad", "adecco", "kelly services", "kellyocg", "manpower", "manpowergroup",
    "experis", "insight global", "teksystems", "aerotek", "allegis", "actalent", "aston carter",
    "kforce", "apex systems", "motion recruitment", "cybercoders", "jobot", "dice", "collabera",
    "russell tobin", "judge group", "the judge group", "creative circle", "lhh", "michael page",
    "page group", "pagegroup", "cynet systems", "cynet", "diverse lynx", "the job network", "vaco",
    "addison group", "hays", "spherion", "express employment", "peopleready",
    "trueblue", "nesco resource", "accountemps", "officeteam", "modis", "akkodis", "yoh",
    "tandym", "gpac", "piper companies", "eteam", "us tech solutions", "ascendo resources",
    "24 seven", "tradesmen international", "brightpath associates", "w3global", "anders group",
    "korn ferry", "heidrick and struggles", "spencer stuart", "lucas group", "eliassen group",
    "mindlance", "pyramid consulting", "solomon page", "lasalle network", "system one",
    "the mom project", "trioptus", "mastech digital", "hirequest",
    "labor finders", "ajilon", "syntricate", "harvey nash", "talentbridge",
    # healthcare staffing
    "aya healthcare", "aya locums", "careerstaff", "fusion medical", "maxim healthcare",
    "amn healthcare", "cross country healthcare", "medical solutions", "advantis medical",
    "pioneer healthcare services", "atlas medstaff", "fastaff", "soliant", "prolink",
    "trusted health", "vivian health", "nomad health", "travel nurse across america",
)

#: Words in a name that mark a staffing firm (whole words, case-insensitive). "recruit" also
#: matches inside a word ("RecruitInflux", "1st-Recruit") and "staffing" inside "TekStaffing".
_STAFFING_NAME_RE = re.compile(
    r"staffing|recruit|\b(?:talent|personnel|headhunters?|placements?|workforce)\b"
    r"|\b(?:search\s+(?:group|partners|firm|associates|consultants)|executive\s+search)\b",
    re.IGNORECASE,
)

#: Employers whose names contain a staffing word but which hire for themselves: public bodies
#: ("Texas Workforce Commission", "Office of Personnel Management") and in-house recruiting
#: arms of health systems ("Novant Health Provider Recruitment").
_NOT_STAFFING_NAME_RE = re.compile(
    r"\b(?:department|commission|board|county|city\s+of|state\s+of|office\s+of|university|college"
    r"|hospital|health\s+system|medical\s+(?:group|center)|provider\s+recruitment"
    r"|physician\s+recruitment"
    r"|government|federal|ministry)\b",
    re.IGNORECASE,
)

#: Large employers people name in searches, as displayed. Matching uses normalize_company keys.
KNOWN_EMPLOYERS: tuple[str, ...] = (
    "Amazon", "Amazon Web Services", "AWS", "Whole Foods", "Google", "Alphabet", "Microsoft",
    "Apple", "Meta", "Facebook", "Netflix", "Nvidia", "IBM", "Oracle", "Salesforce", "Adobe",
    "Intel", "AMD", "Cisco", "Dell", "HP", "Qualcomm", "Intuit", "ServiceNow", "Workday",
    "Snowflake", "Databricks", "Palantir", "OpenAI", "Anthropic", "Stripe", "Shopify", "Spotify",
    "Uber", "Lyft", "Airbnb", "DoorDash", "LinkedIn", "Tesla", "SpaceX", "Boeing",
    "Lockheed Martin", "Raytheon", "RTX", "Northrop Grumman", "General Dynamics", "GE Aerospace",
    "GE HealthCare", "General Electric", "Ford", "General Motors", "GM", "Toyota", "Walmart",
    "Target", "Costco", "Home Depot", "Lowe's", "Kroger", "CVS", "CVS Health", "Walgreens",
    "UPS", "FedEx", "JPMorgan Chase", "JPMorgan", "JP Morgan", "Chase", "Bank of America",
    "Wells Fargo", "Citi", "Citigroup", "Goldman Sachs", "Morgan Stanley", "Capital One",
    "American Express", "Visa", "Mastercard", "Deloitte", "PwC", "EY", "Ernst & Young", "KPMG",
    "Accenture", "McKinsey", "Boston Consulting Group", "Bain", "Starbucks", "McDonald's",
    "Chipotle", "Disney", "Comcast", "Verizon", "AT&T", "T-Mobile", "Pfizer", "Johnson & Johnson",
    "Merck", "AbbVie", "Eli Lilly", "Kaiser Permanente", "UnitedHealth Group", "UnitedHealthcare",
    "Optum", "Elevance Health", "Anthem", "Humana", "Cigna", "HCA Healthcare", "Mayo Clinic", "Kaiser",
    "Cleveland Clinic", "Sherwin-Williams", "Procter & Gamble", "PepsiCo", "Coca-Cola", "Nike",
    "Principal Financial Group", "State Farm", "Allstate", "Progressive", "Geico", "USAA",
    "Fidelity", "Vanguard", "Charles Schwab", "BlackRock", "Robert Half", "Randstad", "Adecco",
    "Insight Global", "TEKsystems", "Jobot", "Cognizant", "Infosys", "Tata Consultancy Services",
    "Wipro", "Capgemini", "Booz Allen Hamilton", "Leidos", "SAIC", "NASA", "Epic Systems",
)

#: Posting employers that count as the wanted employer (subsidiaries and brands), normalized.
SUBSIDIARIES: dict[str, tuple[str, ...]] = {
    "amazon": ("amazon web services", "aws", "whole foods", "whole foods market", "zappos",
               "audible", "twitch", "amazon.com services"),
    "google": ("alphabet", "youtube", "deepmind", "google deepmind", "waymo", "verily"),
    "alphabet": ("google", "youtube", "waymo", "verily", "deepmind"),
    "meta": ("facebook", "instagram", "whatsapp", "meta platforms", "reality labs"),
    "facebook": ("meta", "meta platforms", "instagram", "whatsapp"),
    "microsoft": ("linkedin", "github", "activision blizzard", "nuance communications"),
    "jpmorgan chase": ("jpmorgan", "jp morgan", "chase", "j p morgan"),
    "jpmorgan": ("jpmorgan chase", "jp morgan", "chase", "j p morgan"),
    "chase": ("jpmorgan chase", "jpmorgan", "jp morgan"),
    "unitedhealth group": ("unitedhealthcare", "optum"),
    "cvs": ("cvs health", "aetna", "cvs pharmacy"),
    "cvs health": ("cvs", "aetna", "cvs pharmacy"),
    "elevance health": ("anthem", "carelon"),
    "anthem": ("elevance health", "carelon"),
    "ey": ("ernst and young",),
    "ernst and young": ("ey",),
    "pwc": ("pricewaterhousecoopers",),
    "citi": ("citigroup", "citibank"),
    "citigroup": ("citi", "citibank"),
    "raytheon": ("rtx", "raytheon technologies", "collins aerospace", "pratt and whitney"),
    "rtx": ("raytheon", "raytheon technologies", "collins aerospace", "pratt and whitney"),
    "general motors": ("gm", "cruise"),
    "kaiser": ("kaiser permanente", "kaiser foundation hospitals", "kaiser foundation health plan"),
    "kaiser permanente": ("kaiser foundation hospitals", "kaiser foundation health plan", "kaiser"),
    "gm": ("general motors",),
}

#: Legal-form words dropped from the end of a name ("Acme Corp." -> "acme").
_LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation", "co",
        "company", "plc", "pllc", "pc", "gmbh", "ag", "sa", "na", "lc", "usa", "us",
    }
)

#: Text after these markers describes the company rather than naming it:
#: "AdRoll, a division of NextRoll", "Yoh, A Day & Zimmermann Company", "Acme - Careers".
_DESCRIPTOR_RE = re.compile(r",\s+(?:a|an)\s+.*$|\s+[-|\u2013\u2014]\s+.*$|\s*\|.*$", re.IGNORECASE)
_PARENS_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def _ascii_lower(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def normalize_company(name: str | None) -> str:
    """Matching key of an employer name: lowercase words, legal suffixes and punctuation removed.

    >>> normalize_company("Amazon.com, Inc.")
    'amazon com'
    >>> normalize_company("The Sherwin-Williams Co.")
    'sherwin williams'
    >>> normalize_company("AdRoll, a division of NextRoll")
    'adroll'
    >>> normalize_company("Procter & Gamble") == normalize_company("Procter and Gamble")
    True
    """
    if not isinstance(name, str):
        return ""
    text = _ascii_lower(name).strip()
    text = _PARENS_RE.sub(" ", text)
    text = _DESCRIPTOR_RE.sub("", text)
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


def _starts_with_words(key: str, prefix: str) -> bool:
    """Whether ``key``'s words begin with all of ``prefix``'s words."""
    return key == prefix or key.startswith(prefix + " ")


_BRAND_KEYS: tuple[str, ...] = tuple(normalize_company(b) for b in STAFFING_BRANDS)


def is_staffing_company(name: str | None, industry: str | None = None) -> bool:
    """Whether an employer is a staffing, recruiting or sourcing intermediary.

    Evidence, strongest first: a staffing industry label (:data:`STAFFING_INDUSTRIES`); a known
    staffing brand (:data:`STAFFING_BRANDS`, matched on whole leading words); a staffing word in
    the name ("Staffing", "Recruiting", "Recruitment", "Talent", "Personnel", "Workforce",
    "Placement", "Headhunters", "Search Group", "Executive Search"). A name that reads as a public
    body, a hospital or an in-house recruiting office is not staffing whatever its words.
    "Solutions" or "Consulting" alone are not evidence (policy §5.7: many are ordinary employers).

    >>> is_staffing_company("Robert Half")
    True
    >>> is_staffing_company("Acme Corp", industry="Staffing & Recruiting")
    True
    >>> is_staffing_company("Texas Workforce Commission")
    False
    """
    if isinstance(industry, str):
        label = " ".join(re.sub(r"[^a-z ]+", " ", _ascii_lower(industry).replace("&", " and ")).split())
        if label in STAFFING_INDUSTRIES:
            return True
    key = normalize_company(name)
    if not key:
        return False
    raw = _ascii_lower(name or "")
    if _NOT_STAFFING_NAME_RE.search(raw):
        return False
    return any(_starts_with_words(key, brand) for brand in _BRAND_KEYS) or bool(_STAFFING_NAME_RE.search(raw))


def company_matches(wanted: str | None, employer: str | None) -> bool:
    """Whether a posting's employer is the employer a query wanted (or excluded).

    True when the normalized names are equal, when the employer's name begins with the wanted
    name's words ("Amazon Web Services" for "Amazon"; "GE HealthCare" is not "GE Aerospace"), or
    when the employer is a listed subsidiary or brand of the wanted one (:data:`SUBSIDIARIES`).
    """
    want, have = normalize_company(wanted), normalize_company(employer)
    if not want or not have:
        return False
    if _starts_with_words(have, want):
        return True
    return any(_starts_with_words(have, sub) for sub in SUBSIDIARIES.get(want, ()))
