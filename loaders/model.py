"""What extraction produces: documents, tasks, unit mentions, deadlines, reports."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "Jurisdiction",
    "DocumentMeta",
    "UnitRef",
    "Deadline",
    "Task",
    "Membership",
    "Unplaced",
    "Extraction",
]


@dataclass(frozen=True)
class Jurisdiction:
    """An administrative division with its GB/T 2260 code and parent chain."""

    name: str
    code: str = ""  # six-digit GB/T 2260 code, "" when not found
    level: str = ""  # province / city / county
    parents: tuple[tuple[str, str], ...] = ()  # ((code, name), ...) nearest first

    @property
    def parent(self) -> tuple[str, str] | None:
        return self.parents[0] if self.parents else None


@dataclass
class DocumentMeta:
    """What a document says about itself."""

    source: str  # its path inside the folder named (a/plan.txt), or the file name of a file named directly
    title: str = ""
    jurisdiction: Jurisdiction = field(default_factory=lambda: Jurisdiction(""))
    year: int | None = None
    doc_number: str = ""  # 文号, e.g. 市中政办发〔2024〕3号
    issuer: str = ""
    dates: list[str] = field(default_factory=list)  # ISO dates found (issued, signed)
    encoding: str = ""
    format: str = ""
    checksum: str = ""  # sha256 of the bytes read
    traditional: bool = False  # text was in traditional characters


@dataclass(frozen=True)
class UnitRef:
    """One unit named in a responsibility slot."""

    raw: str  # as written, spaces and line breaks removed, catch-all removed
    unit: str  # canonical name within the document's jurisdiction
    kind: str = "department"
    implied_others: bool = False  # a trailing 等 / 等有关部门 named others implicitly
    role_word: str = ""  # the word that gave the role (牵头, 配合, 责任单位 …), "" if none

    def contract(self) -> dict[str, str]:
        return {"raw": self.raw, "unit": self.unit}


@dataclass(frozen=True)
class Deadline:
    raw: str
    normalized: str | None  # YYYY-MM-DD, "ongoing", or None when unreadable

    def contract(self) -> dict[str, Any]:
        return {"raw": self.raw, "normalized": self.normalized}


@dataclass
class Task:
    """One task: a prose item (or clause group of one) or a table row."""

    document: str
    jurisdiction: str
    year: int | None
    source: str  # "prose" | "table"
    path: list[str]
    marker: str
    text: str
    lead: list[UnitRef] = field(default_factory=list)
    assist: list[UnitRef] = field(default_factory=list)
    deadline: Deadline | None = None
    span: tuple[int, int] = (0, 0)
    evidence: str = ""  # the responsibility slot as written
    instruments: list[str] = field(default_factory=list)  # titles cited in 《…》
    milestones: list[str] = field(default_factory=list)  # dates inside the prose
    table: str = ""  # title of the table a row came from
    part: int = 0  # clause-group index within a prose item

    def contract(self) -> dict[str, Any]:
        """The JSON Lines object of DESIGN.md's extraction contract."""
        return {
            "document": self.document,
            "jurisdiction": self.jurisdiction,
            "year": self.year,
            "source": self.source,
            "path": list(self.path),
            "marker": self.marker,
            "text": self.text,
            "lead": [u.contract() for u in self.lead],
            "assist": [u.contract() for u in self.assist],
            "deadline": self.deadline.contract() if self.deadline else None,
            "span": [self.span[0], self.span[1]],
        }

    def full(self) -> dict[str, Any]:
        """Everything known about the task (for the graph)."""
        d = self.contract()
        d["lead"] = [asdict(u) for u in self.lead]
        d["assist"] = [asdict(u) for u in self.assist]
        d.update(evidence=self.evidence, instruments=self.instruments,
                 milestones=self.milestones, table=self.table, part=self.part)
        return d


@dataclass(frozen=True)
class Membership:
    """A unit listed in a group (an annex 名单 such as 市级有关单位名单)."""

    group: str  # canonical group name
    member: UnitRef
    span: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class Unplaced:
    """Text a parser could not place, reported instead of dropped."""

    span: tuple[int, int]
    line: int
    text: str
    reason: str


@dataclass
class Extraction:
    """The result of reading one document."""

    meta: DocumentMeta
    tasks: list[Task] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    text: str = ""  # the decoded text that spans point into
    notices: list[str] = field(default_factory=list)  # what reading changed (control characters blanked), for stderr
