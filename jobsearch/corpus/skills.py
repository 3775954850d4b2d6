"""The skill lexicon used to find skills named in posting text and in queries.

Two parts: a hand-kept list of the surface forms people write in postings and searches
("SQL", "Excel", "AWS", "CPR"), and the short names of O*NET's hot technologies
("Python", "Tableau", "MySQL"). O*NET's long names ("Structured query language SQL") are
reduced to the form people write by the SURFACE table.
"""

from __future__ import annotations

from collections.abc import Iterable

# O*NET long name -> the forms people write
SURFACE: dict[str, list[str]] = {
    "Structured query language SQL": ["SQL"],
    "Microsoft Excel": ["Excel", "Microsoft Excel"],
    "Microsoft Word": ["Microsoft Word"],
    "Microsoft PowerPoint": ["PowerPoint"],
    "Microsoft Office software": ["Microsoft Office", "MS Office"],
    "Amazon Web Services AWS software": ["AWS", "Amazon Web Services"],
    "Microsoft Azure software": ["Azure"],
    "Google Cloud software": ["GCP", "Google Cloud"],
    "Oracle Java": ["Java"],
    "Hypertext markup language HTML": ["HTML"],
    "Cascading style sheets CSS": ["CSS"],
    "Extensible markup language XML": ["XML"],
    "Salesforce software": ["Salesforce"],
    "SAP software": ["SAP"],
    "Intuit QuickBooks": ["QuickBooks"],
    "Atlassian JIRA": ["JIRA"],
    "Atlassian Confluence": ["Confluence"],
    "The MathWorks MATLAB": ["MATLAB"],
    "IBM SPSS Statistics": ["SPSS"],
    "Autodesk AutoCAD": ["AutoCAD"],
    "Autodesk Revit": ["Revit"],
    "Dassault Systemes SolidWorks": ["SolidWorks"],
    "Adobe Photoshop": ["Photoshop"],
    "Adobe Illustrator": ["Illustrator"],
    "Adobe InDesign": ["InDesign"],
    "Epic Systems": ["Epic"],
    "Microsoft Power BI": ["Power BI"],
    "Apache Spark": ["Spark"],
    "Apache Hadoop": ["Hadoop"],
    "Apache Kafka": ["Kafka"],
    "Microsoft SQL Server": ["SQL Server"],
    "Oracle Database": ["Oracle"],
    "ESRI ArcGIS software": ["ArcGIS", "GIS"],
    "Microsoft Dynamics": ["Dynamics 365"],
}

# Skills people write that O*NET's technology list does not hold (methods, licences, domains).
EXTRA = [
    "Machine Learning", "Deep Learning", "NLP", "Computer Vision", "Data Analysis", "Data Visualization",
    "Statistics", "A/B Testing", "ETL", "Data Warehousing", "Snowflake", "dbt", "Airflow", "Databricks",
    "Docker", "Kubernetes", "Terraform", "CI/CD", "React", "Node.js", "TypeScript", "Go", "Rust", "Scala",
    "Kotlin", "Swift", "Django", "Flask", "Spring", "GraphQL", "REST", "Microservices", "PyTorch",
    "TensorFlow", "Pandas", "NumPy", "Looker", "Agile", "Scrum", "Project Management", "Product Management",
    "Six Sigma", "Lean", "GAAP", "Accounts Payable", "Accounts Receivable", "Payroll", "Bookkeeping",
    "Financial Modeling", "Budgeting", "Auditing", "CPA", "Customer Service", "Sales", "B2B", "SaaS",
    "CRM", "HubSpot", "SEO", "SEM", "Social Media", "Content Marketing", "Copywriting", "Recruiting",
    "Onboarding", "HRIS", "Workday", "CPR", "BLS", "ACLS", "EMR", "EHR", "Patient Care", "Phlebotomy",
    "ICU", "Med-Surg", "Telemetry", "Pharmacy", "Forklift", "CDL", "OSHA", "HVAC", "Welding", "PLC",
    "Electrical", "Plumbing", "Carpentry", "Warehouse", "Inventory", "Logistics", "Supply Chain",
    "Procurement", "Purchasing", "Negotiation", "Spanish", "Bilingual", "Teaching", "Tutoring",
    "Case Management", "Counseling", "Social Work", "Legal Research", "Litigation", "Compliance",
    "Risk Management", "Underwriting", "Cybersecurity", "Network Security", "Penetration Testing", "SIEM",
]


def skill_lexicon(hot_technologies: Iterable[str] = ()) -> dict[str, str]:
    """surface form (lowercase) -> display name. Short hot O*NET names are kept as they are."""
    lexicon: dict[str, str] = {}
    for long_name, forms in SURFACE.items():
        for form in forms:
            lexicon[form.lower()] = form if form != "Microsoft Excel" else "Excel"
    for name in hot_technologies:
        if name in SURFACE or not name:
            continue
        words = name.split()
        if len(words) <= 2 and not name.lower().endswith("software") and len(name) > 1:
            lexicon.setdefault(name.lower(), name)
    for name in EXTRA:
        lexicon.setdefault(name.lower(), name)
    # single letters and words too common to mean a skill alone
    for noise in ("c", "r", "go", "lean", "spark", "sales", "epic", "oracle", "electrical", "zoom", "facebook"):
        lexicon.pop(noise, None)
    return lexicon
