"""Pydantic models for every row that enters the platform.

Each source has its own row model that validates the file's own columns and maps them onto the
one `RawPosting` shape the warehouse stores. A row that fails validation is never dropped: the
ingest step turns the `ValidationError` into a `Reject` naming the file, the row and the field.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

# Yearly pay outside these bounds is a data error (e.g. an hourly rate filed as YEARLY).
SALARY_FLOOR_USD = 10_000.0
SALARY_CEILING_USD = 2_000_000.0

PAY_PERIOD_TO_YEAR: dict[str, float] = {
    "HOURLY": 2080.0,
    "DAILY": 260.0,
    "WEEKLY": 52.0,
    "BIWEEKLY": 26.0,
    "MONTHLY": 12.0,
    "YEARLY": 1.0,
}

PayPeriod = Literal["HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", "YEARLY", "ONCE"]


class Seniority(StrEnum):
    INTERNSHIP = "INTERNSHIP"
    ENTRY = "ENTRY"
    ASSOCIATE = "ASSOCIATE"
    MID_SENIOR = "MID_SENIOR"
    DIRECTOR = "DIRECTOR"
    EXECUTIVE = "EXECUTIVE"
    UNKNOWN = "UNKNOWN"


class WorkType(StrEnum):
    FULL_TIME = "FULL_TIME"
    PART_TIME = "PART_TIME"
    CONTRACT = "CONTRACT"
    TEMPORARY = "TEMPORARY"
    INTERNSHIP = "INTERNSHIP"
    VOLUNTEER = "VOLUNTEER"
    OTHER = "OTHER"


class RemoteMode(StrEnum):
    """Where the work is done, as a query asks for it ("hybrid", "mostly remote")."""

    REMOTE = "remote"
    HYBRID = "hybrid"
    ON_SITE = "on_site"
    MOSTLY_REMOTE = "mostly_remote"


#: The seniority ladder, lowest first (UNKNOWN is not on it): the one ordering every stage uses.
SENIORITY_LADDER: tuple[str, ...] = tuple(s.value for s in Seniority if s is not Seniority.UNKNOWN)
#: Every seniority value, the ladder then UNKNOWN.
SENIORITY_LEVELS: tuple[str, ...] = tuple(s.value for s in Seniority)
#: A level's step on the ladder (INTERNSHIP 0 ... EXECUTIVE 5); UNKNOWN has none.
SENIORITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SENIORITY_LADDER)}
#: Work types in their fixed order (the index's integer code is the position).
WORK_TYPES: tuple[str, ...] = tuple(w.value for w in WorkType)


class RowError(ValueError):
    """A row-level rule that names the field at fault (pydantic reports row rules with no field)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _blank_to_none(value: Any) -> Any:
    """CSV cells: '' / 'nan' / NaN / '-1' placeholders mean 'not given'."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and value.strip() in {"", "nan", "NaN", "None", "NULL"}:
        return None
    return value


def _epoch_ms_to_datetime(value: Any) -> Any:
    value = _blank_to_none(value)
    if value is None or isinstance(value, datetime):
        return value
    millis = float(value)
    if not 0 < millis < 4.1e12:  # 4.1e12 ms ~ year 2100
        raise ValueError(f"epoch milliseconds {value!r} out of range")
    return datetime.fromtimestamp(millis / 1000.0, tz=timezone.utc).replace(tzinfo=None)


def _flag(value: Any) -> Any:
    value = _blank_to_none(value)
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "1.0", "true", "t", "yes", "y"}:
        return True
    if text in {"0", "0.0", "false", "f", "no", "n"}:
        return False
    raise ValueError(f"expected a 0/1 flag, got {value!r}")


def _whole_number(value: Any) -> Any:
    value = _blank_to_none(value)
    if value is None:
        return None
    number = float(value)
    if number != int(number):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


OptStr = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptFloat = Annotated[Annotated[float, Field(ge=0)] | None, BeforeValidator(_blank_to_none)]
OptCount = Annotated[Annotated[int, Field(ge=0)] | None, BeforeValidator(_whole_number)]
OptFlag = Annotated[bool | None, BeforeValidator(_flag)]
OptTime = Annotated[datetime | None, BeforeValidator(_epoch_ms_to_datetime)]
RequiredText = Annotated[str, BeforeValidator(_blank_to_none), Field(min_length=1)]
JobId = Annotated[int, BeforeValidator(_whole_number), Field(gt=0)]


class RawPosting(BaseModel):
    """The one shape every source is mapped to before it lands in `raw_postings`."""

    model_config = ConfigDict(extra="forbid")

    posting_id: str
    source: str
    source_file: str
    source_row: int
    source_id: str
    title: str
    company_id: str | None = None
    company_name: str | None = None
    company_industry: str | None = None
    description: str | None = None
    location: str
    zip_code: str | None = None
    fips: str | None = None
    salary_min: float | None = None
    salary_med: float | None = None
    salary_max: float | None = None
    pay_period: str | None = None
    currency: str | None = None
    formatted_work_type: str | None = None
    work_type: str | None = None
    remote_allowed: bool | None = None
    experience_level: str | None = None
    listed_at: datetime | None = None
    expires_at: datetime | None = None
    views: int | None = None
    applies: int | None = None
    skills: list[str] = Field(default_factory=list)
    industries: list[str] = Field(default_factory=list)


class _SalaryRow(BaseModel):
    """Salary columns shared by LinkedIn rows: min <= med <= max, a pay period, sane yearly pay."""

    min_salary: OptFloat = None
    med_salary: OptFloat = None
    max_salary: OptFloat = None
    pay_period: Annotated[PayPeriod | None, BeforeValidator(_blank_to_none)] = None
    currency: OptStr = None

    @model_validator(mode="after")
    def _salary_consistent(self):
        low, mid, high = self.min_salary, self.med_salary, self.max_salary
        if low is not None and high is not None and low > high:
            raise RowError("min_salary", f"min_salary {low:g} > max_salary {high:g}")
        given = [v for v in (low, mid, high) if v is not None]
        if given and self.pay_period is None:
            raise RowError("pay_period", "salary given without pay_period")
        factor = PAY_PERIOD_TO_YEAR.get(self.pay_period or "")
        if given and factor is not None and (self.currency in (None, "USD")):
            for name, v in (("min_salary", low), ("med_salary", mid), ("max_salary", high)):
                if v is None:
                    continue
                yearly = v * factor
                if not SALARY_FLOOR_USD <= yearly <= SALARY_CEILING_USD:
                    raise RowError(
                        name,
                        f"{name} {v:g} {self.pay_period} = {yearly:,.0f} USD/year outside "
                        f"[{SALARY_FLOOR_USD:,.0f}, {SALARY_CEILING_USD:,.0f}]"
                    )
        return self


class LinkedInPostingRow(_SalaryRow):
    """A row of LinkedIn's 2024 postings schema (also the schema of landing files)."""

    model_config = ConfigDict(extra="ignore")

    job_id: JobId
    title: RequiredText
    location: RequiredText
    company_name: OptStr = None
    company_id: Annotated[int | None, BeforeValidator(_whole_number)] = None
    description: OptStr = None
    views: OptCount = None
    applies: OptCount = None
    formatted_work_type: OptStr = None
    work_type: OptStr = None
    remote_allowed: OptFlag = None
    formatted_experience_level: OptStr = None
    skills_desc: OptStr = None
    original_listed_time: OptTime = None
    listed_time: OptTime = None
    expiry: OptTime = None
    zip_code: Annotated[str | None, BeforeValidator(lambda v: _fips_or_zip(v, 5))] = None
    fips: Annotated[str | None, BeforeValidator(lambda v: _fips_or_zip(v, 5))] = None

    @model_validator(mode="after")
    def _expiry_after_listing(self):
        if self.listed_time and self.expiry and self.expiry < self.listed_time:
            raise RowError("expiry", f"expiry {self.expiry} before listed_time {self.listed_time}")
        return self

    def to_raw(self, source: str, source_file: str, source_row: int) -> RawPosting:
        return RawPosting(
            posting_id=f"li-{self.job_id}",
            source=source,
            source_file=source_file,
            source_row=source_row,
            source_id=str(self.job_id),
            title=self.title.strip(),
            company_id=None if self.company_id is None else str(self.company_id),
            company_name=self.company_name,
            description=self.description,
            location=self.location.strip(),
            zip_code=self.zip_code,
            fips=self.fips,
            salary_min=self.min_salary,
            salary_med=self.med_salary,
            salary_max=self.max_salary,
            pay_period=self.pay_period,
            currency=self.currency or ("USD" if self.pay_period else None),
            formatted_work_type=self.formatted_work_type,
            work_type=self.work_type,
            remote_allowed=self.remote_allowed,
            experience_level=self.formatted_experience_level,
            # recency counts from when a job was first listed: a repost (later listed_time) is not new
            listed_at=self.original_listed_time or self.listed_time,
            expires_at=self.expiry,
            views=self.views,
            applies=self.applies,
            skills=_split_skills(self.skills_desc),
        )


def _fips_or_zip(value: Any, width: int) -> Any:
    value = _blank_to_none(value)
    if value is None:
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.0)?", text):
        return text.split(".")[0].zfill(width)
    raise ValueError(f"expected a numeric code, got {value!r}")


def _split_skills(text: str | None) -> list[str]:
    # skills_desc is free text in the 2024 schema; only a short comma list is taken as skills
    if not text or len(text) > 300:
        return []
    return [s.strip() for s in re.split(r"[,;\n]", text) if 1 < len(s.strip()) <= 60][:20]


class LinkedIn2023Row(_SalaryRow):
    """A 2023 structured posting joined with its salary, skills, industries and company name."""

    model_config = ConfigDict(extra="ignore")

    job_id: JobId
    title: RequiredText
    location: RequiredText
    company_id: Annotated[int | None, BeforeValidator(_whole_number)] = None
    company_name: OptStr = None
    company_industry: OptStr = None
    formatted_work_type: OptStr = None
    work_type: OptStr = None
    remote_allowed: OptFlag = None
    formatted_experience_level: OptStr = None
    views: OptCount = None
    applies: OptCount = None
    skills: list[str] = Field(default_factory=list)
    industries: list[str] = Field(default_factory=list)

    def to_raw(self, source: str, source_file: str, source_row: int) -> RawPosting:
        return RawPosting(
            posting_id=f"li-{self.job_id}",
            source=source,
            source_file=source_file,
            source_row=source_row,
            source_id=str(self.job_id),
            title=self.title.strip(),
            company_id=None if self.company_id is None else str(self.company_id),
            company_name=self.company_name,
            company_industry=self.company_industry,
            location=self.location.strip(),
            salary_min=self.min_salary,
            salary_med=self.med_salary,
            salary_max=self.max_salary,
            pay_period=self.pay_period,
            currency=self.currency,
            formatted_work_type=self.formatted_work_type,
            work_type=self.work_type,
            remote_allowed=self.remote_allowed,
            experience_level=self.formatted_experience_level,
            views=self.views,
            applies=self.applies,
            skills=self.skills,
            industries=self.industries,
        )


_GLASSDOOR_SALARY = re.compile(
    r"^(?P<employer>Employer Provided Salary:)?\$(?P<low>\d+)(?P<lk>K?)-\$(?P<high>\d+)(?P<hk>K?)"
    r"(?P<hourly>\s*Per Hour)?",
    re.IGNORECASE,
)


class GlassdoorRow(BaseModel):
    """A Glassdoor data-science posting (2020 scrape): salary is an estimate string."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    index: Annotated[int, BeforeValidator(_whole_number)] = Field(alias="")
    job_title: RequiredText = Field(alias="Job Title")
    salary_estimate: OptStr = Field(default=None, alias="Salary Estimate")
    job_description: OptStr = Field(default=None, alias="Job Description")
    company_name: OptStr = Field(default=None, alias="Company Name")
    location: RequiredText = Field(alias="Location")
    industry: OptStr = Field(default=None, alias="Industry")
    sector: OptStr = Field(default=None, alias="Sector")

    @field_validator("salary_estimate", "industry", "sector", "company_name", mode="before")
    @classmethod
    def _minus_one_is_missing(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip() == "-1" else value

    @field_validator("salary_estimate")
    @classmethod
    def _parseable_salary(cls, value: str | None) -> str | None:
        if value is not None and not _GLASSDOOR_SALARY.match(value.strip()):
            raise ValueError(f"unparseable salary estimate {value!r}")
        return value

    def salary(self) -> tuple[float | None, float | None, str | None]:
        if self.salary_estimate is None:
            return None, None, None
        m = _GLASSDOOR_SALARY.match(self.salary_estimate.strip())
        assert m is not None  # validated above
        low = float(m["low"]) * (1000 if m["lk"] else 1)
        high = float(m["high"]) * (1000 if m["hk"] else 1)
        return low, high, "HOURLY" if m["hourly"] else "YEARLY"

    def to_raw(self, source: str, source_file: str, source_row: int) -> RawPosting:
        low, high, period = self.salary()
        company = (self.company_name or "").split("\n")[0].strip() or None  # rating is appended
        slug = re.sub(r"[^a-z0-9]+", "-", company.lower()).strip("-") if company else None
        return RawPosting(
            posting_id=f"gd-{self.index}",
            source=source,
            source_file=source_file,
            source_row=source_row,
            source_id=str(self.index),
            title=self.job_title.strip(),
            company_id=f"gd:{slug}" if slug else None,
            company_name=company,
            company_industry=self.industry,
            description=self.job_description,
            location=self.location.strip(),
            salary_min=low,
            salary_max=high,
            salary_med=None if low is None else (low + high) / 2,
            pay_period=period,
            currency="USD" if period else None,
            formatted_work_type="Full-time",
            industries=[i for i in (self.industry, self.sector) if i],
        )


class Reject(BaseModel):
    """A quarantined input row and why: nothing is silently dropped."""

    source: str
    source_file: str
    source_row: int
    field: str
    reason: str
    raw: str
