"""Performance fixes to argilla-server 2.8, same behaviour: applied by `launch` in server and worker.

Found by profiling bulk record upserts with py-spy; each keeps argilla-server's behaviour:

- `Question.parsed_settings` and `MetadataProperty.parsed_settings` build a new pydantic `TypeAdapter`
  (a full schema build) on every call, and the bulk validator calls them per record and property
  (~2/3 of a small bulk upsert's samples). Here each adapter is built once, and each object keeps its
  parsed settings until its `settings` change (the validator asks again for every record: ~10 % of a
  bulk upsert's server samples).
- Every created/updated record builds a webhook event (a dataset reload with five relationships and a
  full serialisation of the record) before `enqueue_notify_events` looks whether any enabled webhook
  wants it (~90 % of a large bulk upsert's samples). Here the webhook query comes first, once per
  database session (one request or job), and the event is built only when some enabled webhook
  subscribes to it.
"""

from __future__ import annotations

import copy
import importlib

from argilla_server.api.schemas.v1.questions import QuestionSettings
from argilla_server.contexts import webhooks
from argilla_server.models.database import MetadataProperty, Question
from argilla_server.models.metadata_properties import MetadataPropertySettings
from argilla_server.webhooks.v1 import records as record_webhooks
from pydantic import TypeAdapter

_QUESTION_SETTINGS = TypeAdapter(QuestionSettings)
_METADATA_SETTINGS = TypeAdapter(MetadataPropertySettings)
_build_and_notify = record_webhooks.notify_record_event
#: modules that imported `notify_record_event` by name (as notify_record_event_v1)
_NOTIFIERS = (
    "argilla_server.bulk.records_bulk",
    "argilla_server.contexts.records",
    "argilla_server.contexts.datasets",
    "argilla_server.contexts.distribution",
)


_WEBHOOKS_KEY = "annotate.enabled_webhooks"
_PARSED_KEY = "_annotate_parsed_settings"


async def notify_record_event(db, record_event, record):
    """Argilla's `notify_record_event`, skipped when no enabled webhook subscribes to the event. The
    enabled webhooks are read once per session: a bulk request asks for each of its records."""
    enabled = db.info.get(_WEBHOOKS_KEY)
    if enabled is None:
        enabled = db.info[_WEBHOOKS_KEY] = list(await webhooks.list_enabled_webhooks(db))
    if not any(record_event in webhook.events for webhook in enabled):
        return []
    return await _build_and_notify(db, record_event, record)


def _parsed(adapter: TypeAdapter):
    """A `parsed_settings` property that validates `settings` again only when they changed."""

    def get(self):
        cached = self.__dict__.get(_PARSED_KEY)
        if cached is None or cached[0] != self.settings:
            cached = (copy.deepcopy(self.settings), adapter.validate_python(self.settings))
            self.__dict__[_PARSED_KEY] = cached
        return cached[1]

    return property(get)


def apply() -> None:
    Question.parsed_settings = _parsed(_QUESTION_SETTINGS)
    MetadataProperty.parsed_settings = _parsed(_METADATA_SETTINGS)
    record_webhooks.notify_record_event = notify_record_event
    for name in _NOTIFIERS:
        module = importlib.import_module(name)
        if getattr(module, "notify_record_event_v1", None) is _build_and_notify:
            module.notify_record_event_v1 = notify_record_event
