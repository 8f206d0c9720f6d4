"""What a search needs to know about its dataset: its settings and its write generation.

One round trip per search (`load_context`) reads the dataset's generation (memo.py: what searches
remember of its records is valid while it stays) and a fingerprint of its settings (count and latest
update of its questions, metadata properties and fields). The settings themselves (question types,
metadata property types, searchable fields) are read again only when that fingerprint moves: adding,
changing or deleting any of them moves it, whichever process did it and whether or not Argilla told the
engine (it calls no hook when a metadata property is deleted). Before, the three settings queries ran
on every search: three of its five or six round trips to the database.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import Any
from uuid import UUID

from argilla_server.enums import MetadataPropertyType, QuestionType
from argilla_server.models import Field, MetadataProperty, Question
from sqlalchemy import Select, String, Uuid, bindparam, column, func, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from . import memo
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
    generation: int = 0  # of the dataset's records when the search began (memo.py)
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


@dataclasses.dataclass(frozen=True)
class _Settings:
    questions: dict[str, QuestionInfo]
    metadata_types: dict[str, MetadataPropertyType]
    searchable_fields: int


SETTINGS_KEPT = 1024  # datasets whose settings a process keeps (least recently searched dropped)
_SETTINGS: OrderedDict[tuple[UUID, str], tuple[tuple[Any, ...], _Settings]] = OrderedDict()
_GENERATIONS = table(memo.GENERATIONS, column("dataset_id"), column("generation"))


async def load_context(db: AsyncSession, dataset_id: UUID, dialect: Dialect) -> DatasetContext:
    params = {"generation_key": str(dataset_id), "dataset_id": dataset_id}
    facts = (await db.execute(_FACTS, params)).one()
    generation, fingerprint = int(facts[0] or 0), tuple(facts[1:])
    key = (dataset_id, dialect.name)
    kept = _SETTINGS.get(key)
    if kept is not None and kept[0] == fingerprint:
        _SETTINGS.move_to_end(key)
        settings = kept[1]
    else:
        settings = await _read_settings(db, dataset_id)
        _SETTINGS[key] = (fingerprint, settings)
        while len(_SETTINGS) > SETTINGS_KEPT:
            _SETTINGS.popitem(last=False)
    return DatasetContext(
        dataset_id=dataset_id,
        dialect=dialect,
        questions=settings.questions,
        metadata_types=settings.metadata_types,
        searchable_fields=settings.searchable_fields,
        generation=generation,
    )


def _facts_statement() -> Select:
    """SELECT generation, then count and latest update of questions, metadata properties and fields, of
    the dataset :dataset_id (built once: a search only binds its dataset)."""
    mine = _GENERATIONS.c.dataset_id == bindparam("generation_key", type_=String)
    parts = [select(_GENERATIONS.c.generation).where(mine).scalar_subquery()]
    for model in (Question, MetadataProperty, Field):
        dataset = model.dataset_id == bindparam("dataset_id", type_=Uuid)
        parts.append(select(func.count()).select_from(model).where(dataset).scalar_subquery())
        parts.append(select(func.max(model.updated_at)).where(dataset).scalar_subquery())
    return select(*parts)


_FACTS = _facts_statement()


async def _read_settings(db: AsyncSession, dataset_id: UUID) -> _Settings:
    questions = await db.execute(
        select(Question.name, Question.id, Question.settings).where(Question.dataset_id == dataset_id)
    )
    properties = await db.execute(
        select(MetadataProperty.name, MetadataProperty.settings).where(
            MetadataProperty.dataset_id == dataset_id
        )
    )
    fields = await db.scalars(select(Field.settings).where(Field.dataset_id == dataset_id))
    return _Settings(
        questions={name: QuestionInfo(id, _question_type(settings)) for name, id, settings in questions},
        metadata_types={name: MetadataPropertyType(settings["type"]) for name, settings in properties},
        searchable_fields=sum(1 for settings in fields if settings.get("type") in SEARCHABLE_FIELD_TYPES),
    )


def _question_type(settings: dict) -> QuestionType | None:
    try:
        return QuestionType(settings.get("type"))
    except ValueError:
        return None
