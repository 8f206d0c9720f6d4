"""A search engine that indexes nothing and finds nothing, registered as `noop`.

Only for `bench/search.py`: the baseline that shows what the SQL engine costs at ingest. Never select
it for annotators: the UI would show no records.
"""

from __future__ import annotations

from argilla_server.search_engine.base import SearchEngine, SearchResponses, TermsMetrics


@SearchEngine.register(engine_name="noop")
class NoOpSearchEngine(SearchEngine):
    @classmethod
    async def new_instance(cls) -> NoOpSearchEngine:
        return cls()

    async def close(self): ...
    async def ping(self) -> bool:
        return True

    async def info(self) -> dict:
        return {"engine": "noop"}

    async def create_index(self, dataset): ...
    async def delete_index(self, dataset): ...
    async def configure_metadata_property(self, dataset, metadata_property): ...
    async def index_records(self, dataset, records): ...
    async def partial_record_update(self, record, **update): ...
    async def delete_records(self, dataset, records): ...
    async def update_record_response(self, response): ...
    async def delete_record_response(self, response): ...
    async def update_record_suggestion(self, suggestion): ...
    async def delete_record_suggestion(self, suggestion): ...

    async def get_dataset_progress(self, dataset) -> dict:
        return {}

    async def get_dataset_user_progress(self, dataset, user) -> dict:
        return {}

    async def search(self, dataset, query=None, filter=None, sort=None, offset=0, limit=100, user_id=None):
        return SearchResponses(items=[], total=0)

    async def compute_metrics_for(self, metadata_property):
        return TermsMetrics(total=0)

    async def similarity_search(self, dataset, vector_settings, **kwargs):
        return SearchResponses(items=[], total=0)
