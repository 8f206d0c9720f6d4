"""What a search needs to know about its dataset, read from the database once per call."""

from __future__ import annotations

import dataclasses
from uuid import UUID

from argilla_server.enums import MetadataPropertyType, QuestionType
from argilla_server.models import Field, MetadataProperty, Question
from sqlalchemy import literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from .dialect import Dialect

SEARCHABLE_FIELD_TYPES = {"text", "chat", "custom"}


@dataclasses.dataclass(frozen=True)
class QuestionInfo:
    id: UUID
    type: QuestionType | None

    @property
    def numeric(self) -> bool:
        return self.type == QuestionType.rating


@dataclasses.dataclass
class DatasetContext:
    dataset_id: UUID
    dialect: Dialect
    questions: dict[str, QuestionInfo]
    metadata_types: dict[str, MetadataPropertyType]
    searchable_fields: int  # text, chat and custom fields: those in the full-text index
    list_valued: set[str] = dataclasses.field(default_factory=set)  # terms properties holding lists
    # The query walks records in an index order and stops after a page: filters on related rows
    # probe them per record instead of reading all of them first.
    walking: bool = False

    @property
    def dataset_literal(self) -> str:
        """The dataset id as an SQL literal: partial indexes only match literal predicates."""
        return self.dialect.sql.uuid_literal(self.dataset_id)

    def dataset_id_equals(self, column: ColumnElement) -> ColumnElement[bool]:
        return column == literal_column(self.dataset_literal)

    def question(self, name: str) -> QuestionInfo:
        if name not in self.questions:
            raise ValueError(f"Question `{name}` not found in dataset `{self.dataset_id}`")
        return self.questions[name]

    def metadata_is_numeric(self, name: str) -> bool:
        if name not in self.metadata_types:
            raise ValueError(f"Metadata property `{name}` not found in dataset `{self.dataset_id}`")
        return self.metadata_types[name] != MetadataPropertyType.terms


async def load_context(db: AsyncSession, dataset_id: UUID, dialect: Dialect) -> DatasetContext:
    questions = await db.execute(
        select(Question.name, Question.id, Question.settings).where(Question.dataset_id == dataset_id)
    )
    properties = await db.execute(
        select(MetadataProperty.name, MetadataProperty.settings).where(
            MetadataProperty.dataset_id == dataset_id
        )
    )
    fields = await db.scalars(select(Field.settings).where(Field.dataset_id == dataset_id))
    return DatasetContext(
        dataset_id=dataset_id,
        dialect=dialect,
        questions={name: QuestionInfo(id, _question_type(settings)) for name, id, settings in questions},
        metadata_types={name: MetadataPropertyType(settings["type"]) for name, settings in properties},
        searchable_fields=sum(1 for settings in fields if settings.get("type") in SEARCHABLE_FIELD_TYPES),
    )


def _question_type(settings: dict) -> QuestionType | None:
    try:
        return QuestionType(settings.get("type"))
    except ValueError:
        return None
