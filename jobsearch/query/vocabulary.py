"""Words the query parser reads with: job families, filler, connectors and negations.

:data:`FIELD_OCCUPATIONS` maps job-family words ("marketing", "nursing") to the O*NET codes a
"<family> jobs" query accepts; :data:`FIELD_SYNONYMS` spells them other ways. The word sets say
which leftover words carry no constraint (:data:`FILLER`), mark a title (:data:`JOB_NOUNS`),
join a title (:data:`CONNECTORS`) or negate what follows (:data:`NEGATIONS`, and
:data:`NEGATION_PATTERN` for the recognizers' regexes).
"""

from __future__ import annotations

__all__ = [
    "CONNECTORS", "FIELD_OCCUPATIONS", "FIELD_SYNONYMS", "FILLER", "GENERIC_HEADS", "JOB_NOUNS",
    "NEGATIONS", "NEGATION_PATTERN",
]

#: Job-family words -> O*NET codes that count as an exact occupation match for "<family> jobs"
#: (policy §5.1, broad queries). Anchors come first; an entry shorter than a full code
#: ("29-", "15-1") is a prefix and expands to every O*NET code under it.
FIELD_OCCUPATIONS: dict[str, tuple[str, ...]] = {
    "marketing": ("13-1161.00", "11-2021.00", "13-1161.01", "11-2011.00"),
    "sales": ("41-3091.00", "41-4012.00", "41-4011.00", "11-2022.00", "41-2031.00", "41-1012.00",
              "41-1011.00", "41-9099.00"),
    "nursing": ("29-1141.00", "29-1141.01", "29-1141.02", "29-1141.03", "29-1141.04", "29-2061.00",
                "29-1171.00", "29-1151.00", "29-1161.00"),
    "healthcare": ("29-1141.00", "29-2061.00", "31-9092.00", "31-1131.00", "11-9111.00", "29-", "31-"),
    "finance": ("13-2051.00", "11-3031.00", "11-3031.01", "13-2054.00", "13-2099.01", "13-2031.00",
                "13-2041.00", "13-2011.00"),
    "accounting": ("13-2011.00", "43-3031.00", "11-3031.01", "13-2082.00"),
    "bookkeeping": ("43-3031.00",),
    "auditing": ("13-2011.00",),
    "payroll": ("43-3051.00", "13-1141.00"),
    "engineering": ("17-2", "15-1252.00", "15-1299.08"),
    "software": ("15-1252.00", "15-1251.00", "15-1253.00", "15-1254.00", "15-1299.08"),
    "tech": ("15-1",),
    "data": ("15-2051.00", "15-2051.01", "15-1243.00", "15-1242.00", "15-2041.00", "15-1243.01"),
    "data analysis": ("15-2051.01", "15-2051.00", "15-2041.00"),
    "machine learning": ("15-2051.00", "15-1221.00"),
    "cybersecurity": ("15-1212.00", "15-1299.05", "15-1299.04"),
    "human resources": ("13-1071.00", "11-3121.00", "43-4161.00", "13-1141.00"),
    "recruiting": ("13-1071.00", "11-3121.00"),
    "customer service": ("43-4051.00",),
    "retail": ("41-2031.00", "41-2011.00", "41-1011.00", "53-7065.00"),
    "hospitality": ("35-", "43-4081.00", "11-9081.00"),
    "education": ("25-",),
    "tutoring": ("25-3041.00",),
    "legal": ("23-",),
    "litigation": ("23-1011.00", "23-2011.00"),
    "construction": ("47-", "11-9021.00"),
    "manufacturing": ("51-",),
    "warehouse": ("53-7062.00", "53-7065.00", "53-7051.00", "43-5071.00", "53-7064.00"),
    "logistics": ("13-1081.00", "13-1081.02", "11-3071.00", "11-3071.04", "43-5011.00"),
    "trucking": ("53-3032.00", "53-3033.00", "53-3031.00"),
    "administrative": ("43-6014.00", "43-6011.00", "43-9061.00", "43-4171.00"),
    "design": ("27-1024.00", "27-1021.00", "15-1255.00", "27-1025.00", "27-1029.00"),
    "social work": ("21-1021.00", "21-1022.00", "21-1023.00", "21-1029.00"),
    "counseling": ("21-101",),
    "pharmacy": ("29-1051.00", "29-2052.00"),
    "project management": ("13-1082.00", "15-1299.09", "11-9199.00"),
    "product management": ("11-2021.00",),
    "insurance": ("41-3021.00", "13-2053.00", "13-1031.00"),
    "real estate": ("41-9022.00", "41-9021.00", "11-9141.00"),
    "banking": ("43-3071.00", "13-2072.00", "41-3031.00", "13-2041.00"),
    "welding": ("51-4121.00",),
    "plumbing": ("47-2152.00",),
    "carpentry": ("47-2031.00",),
    "hvac": ("49-9021.00",),
    "phlebotomy": ("31-9097.00",),
    "forklift": ("53-7051.00",),
    "underwriting": ("13-2053.00",),
    "compliance": ("13-1041.00",),
    "procurement": ("13-1023.00", "11-3061.00"),
    "childcare": ("39-9011.00",),
    "cleaning": ("37-2011.00", "37-2012.00"),
    "writing": ("27-3043.00", "27-3042.00"),
    "social media": ("13-1161.00", "27-3031.00"),
    "digital marketing": ("13-1161.01", "13-1161.00", "11-2021.00"),
    "operations": ("11-1021.00", "13-1199.00"),
}

#: Other spellings of the field words above.
FIELD_SYNONYMS: dict[str, str] = {
    "health care": "healthcare", "medical": "healthcare", "health": "healthcare",
    "financial": "finance", "accounting and finance": "accounting", "finance and accounting": "accounting",
    "it": "tech", "information technology": "tech", "technology": "tech", "software engineering": "software",
    "software development": "software", "data science": "data", "analytics": "data analysis",
    "data analytics": "data analysis", "ai": "machine learning",
    "artificial intelligence": "machine learning",
    "cyber security": "cybersecurity", "information security": "cybersecurity", "infosec": "cybersecurity",
    "hr": "human resources", "people operations": "human resources", "talent acquisition": "recruiting",
    "customer support": "customer service", "restaurant": "hospitality", "food service": "hospitality",
    "hotel": "hospitality", "teaching": "education", "law": "legal", "supply chain": "logistics",
    "transportation": "logistics", "driving": "trucking", "cdl": "trucking", "admin": "administrative",
    "office": "administrative", "clerical": "administrative", "graphic design": "design",
    "creative": "design", "counselling": "counseling", "purchasing": "procurement",
    "child care": "childcare", "janitorial": "cleaning", "copywriting": "writing",
    "content marketing": "digital marketing", "seo": "digital marketing", "sem": "digital marketing",
    "nurse": "nursing",
}

#: Role words too generic to stand for an occupation when cut from a longer phrase
#: ("Epic analyst" must not become "analyst"); as the whole phrase they are still matched.
_GENERIC_HEADS_TEXT = """
    analyst manager specialist associate coordinator consultant assistant technician representative
    director officer engineer administrator lead supervisor agent worker operator clerk professional
    staff executive partner advisor scientist designer architect
"""
GENERIC_HEADS: frozenset[str] = frozenset(_GENERIC_HEADS_TEXT.split())

#: Words that carry no constraint and separate segments ("find me", "jobs", "with", "in").
_FILLER_TEXT = """
    find finding me show showing search searching looking look seeking seek want wanting need needing
    get give list i im i'm my we us you your any some all please help hiring hire hires now currently
    a an the that which who whose where what are is be being been was were it its this these those there
    with in near around within at on from by to into for as like such etc e.g. via through
    using use uses used requiring require requires required involving involves including include includes
    experience skills skill knowledge background proficiency proficient expertise
    but also plus only just both either nor
    can could would should will may might do does doing
    available open opening openings posted listed local nearby
    job jobs role roles position positions vacancy vacancies opportunity opportunities career careers
    posting postings listing listings gig gigs work working
    company companies employer employers firm firms organization organizations
    pay paying pays paid salary salaries wage wages compensation
    type types kind kinds area areas
"""
FILLER: frozenset[str] = frozenset(_FILLER_TEXT.split())

#: Filler words that stand where a job noun stands: a segment right before them is the title.
JOB_NOUNS: frozenset[str] = frozenset(
    {
        "job", "jobs", "role", "roles", "position", "positions", "vacancy", "vacancies", "opening",
        "openings", "opportunity", "opportunities", "career", "careers", "posting", "postings",
        "listing", "listings", "gig", "gigs", "work",
    }
)

#: Words kept inside a title segment but trimmed from its ends ("director of nursing").
CONNECTORS: frozenset[str] = frozenset({"of", "and", "&", "or"})

#: Words that negate what follows ("not night shift").
NEGATIONS: frozenset[str] = frozenset(
    {"not", "no", "non", "never", "without", "excluding", "exclude", "except", "avoid", "avoiding", "minus"}
)

#: A negation word in a regex ("not", "no", "excluding", "skipping", ...): staffing exclusions
#: and negated employment types start with it.
NEGATION_PATTERN = (
    r"(?:not|no|non|never|without|excluding|exclude|except|avoid(?:ing)?|skip(?:ping)?|minus)"
)
