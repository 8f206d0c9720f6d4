"""The `sql` search engine (annotate/server/search) through the REST endpoints the Argilla UI uses.

Runs on SQLite and PostgreSQL (the `argilla_server` fixture). A small hand-made Spanish corpus is
built once per server, so every expected id and total below can be checked on paper against
CLINICO. Two annotators (ana, beto) answer some records; the owner answers none.

Cases ported from Argilla's own server tests (argilla-io/argilla, argilla-server/tests), rewritten
for this corpus, no code copied:
- unit/search_engine/test_commons.py: test_search_with_query_string (all fields, one field,
  terms in two different fields, scores > 0 and sorted), test_search_with_response_status_filter
  (+ _with_no_user), test_search_with_response_value_without_user, test_search_with_metadata_filter
  (terms and ranges), test_search_with_no_query (score 1.0), test_search_with_suggestion_filter
  (value/score/agent/type), test_search_with_pagination, test_search_with_sort_by,
  test_compute_metrics_for (terms, integer, float), test_similarity_search_by_vector_value
  (+ _with_order), test_similarity_search_by_record (+ _and_response_status_filter),
  test_similarity_search_with_text_search;
- unit/api/handlers/v1/datasets/test_get_dataset_progress.py and the /me metrics handler:
  totals per record status and per response status of the current user.
Added here: accent/case folding, prefix and phrase syntax, response sorts, missing-last sorts,
per-user order, list-valued metadata, and the index staying consistent through updates, deletes,
a restart and a lost trigger.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest

pytestmark = pytest.mark.slow

NO = object()  # a record without that metadata property / vector
# external id: (texto, nota, servicio, edad, puntuacion, emb)
CLINICO = {
    "r0": (
        "El paciente toma Metformina 850 mg para la diabetes.",
        "Control de glucemia estable.",
        "endocrinologia",
        67,
        0.9,
        [1.0, 0.0, 0.0],
    ),
    "r1": (
        "Se pauta insulina por diabetes tipo 2 mal controlada.",
        None,
        "endocrinologia",
        54,
        0.4,
        [0.9, 0.1, 0.0],
    ),
    "r2": (
        "Hipertensión arterial tratada con enalapril.",
        "Revisar potasio.",
        "cardiologia",
        45,
        0.1,
        [0.0, 1.0, 0.0],
    ),
    "r3": ("El fármaco fue retirado por efectos adversos.", None, "cardiologia", 80, 0.75, [0.0, 0.9, 0.1]),
    "r4": ("Dolor torácico y disnea de esfuerzo.", None, "urgencias", 30, 0.5, [0.0, 0.0, 1.0]),
    "r5": (
        "Fiebre y tos en paciente pediátrico.",
        None,
        ["pediatria", "urgencias"],
        5,
        0.33,
        [0.5, 0.5, 0.0],
    ),
    "r6": ("COVID-19 con neumonía bilateral.", None, "neumologia", 71, NO, [-1.0, 0.0, 0.2]),
    "r7": ("Revisión en consulta sin incidencias.", None, NO, NO, NO, NO),
}
SUGGESTIONS = {  # external id: [(question, value, score, agent, type)]
    "r0": [("relevante", "si", 0.9, "modelo-a", "model")],
    "r1": [("relevante", "no", 0.3, "modelo-a", "model")],
    "r2": [("relevante", "si", 0.6, "experto", "human")],
    "r4": [("sintomas", ["disnea", "dolor"], [0.8, 0.7], "modelo-b", "model")],
}
RESPONSES = {  # external id: {user: (status, values)}
    "r0": {
        "ana": ("submitted", {"relevante": "si", "calidad": 5}),
        "beto": ("submitted", {"relevante": "si", "calidad": 4}),
    },
    "r1": {"ana": ("submitted", {"relevante": "no", "calidad": 3})},
    "r2": {"ana": ("draft", {"calidad": 2}), "beto": ("submitted", {"relevante": "si", "calidad": 1})},
    "r3": {"ana": ("discarded", {})},
    "r4": {"beto": ("draft", {"sintomas": ["disnea"], "calidad": 4})},
}
ANNOTATORS = ("ana", "beto", "carla")


@dataclass
class Corpus:
    workspace: str
    http: httpx.Client
    users: dict[str, httpx.Client]
    user_ids: dict[str, str]
    datasets: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # record id -> external id
    ids: dict[str, dict[str, str]] = field(default_factory=dict)  # dataset -> external id -> record id
    properties: dict[str, str] = field(default_factory=dict)  # metadata property name -> id (clinico)

    def search(
        self,
        dataset: str,
        body: dict | None = None,
        user: str | None = None,
        me: bool | None = None,
        **params,
    ) -> tuple[int, list[str]]:
        total, items = self.search_scored(dataset, body, user, me, **params)
        return total, [name for name, _ in items]

    def search_scored(
        self,
        dataset: str,
        body: dict | None = None,
        user: str | None = None,
        me: bool | None = None,
        **params,
    ) -> tuple[int, list[tuple[str, float]]]:
        client = self.users[user] if user else self.http
        me = user is not None if me is None else me
        path = f"/api/v1/{'me/' if me else ''}datasets/{self.datasets[dataset]}/records/search"
        response = client.post(path, json=body or {}, params={"limit": 50, **params})
        assert response.status_code == 200, response.text
        data = response.json()
        items = [(self.names[item["record"]["id"]], item["query_score"]) for item in data["items"]]
        return data["total"], items


def _json(response: httpx.Response) -> dict:
    assert response.status_code < 300, response.text
    return response.json()


def _create_dataset(
    http: httpx.Client,
    workspace: str,
    name: str,
    fields: list[str],
    metadata: dict[str, str],
    vector_dims: int | None,
) -> tuple[str, dict[str, str]]:
    dataset = _json(http.post("/api/v1/datasets", json={"name": name, "workspace_id": workspace}))["id"]
    for field_name in fields:
        _json(
            http.post(
                f"/api/v1/datasets/{dataset}/fields",
                json={
                    "name": field_name,
                    "title": field_name,
                    "required": field_name == fields[0],
                    "settings": {"type": "text"},
                },
            )
        )
    questions = {
        "relevante": {
            "type": "label_selection",
            "options": [{"value": "si", "text": "Sí"}, {"value": "no", "text": "No"}],
        },
        "sintomas": {
            "type": "multi_label_selection",
            "options": [{"value": value, "text": value} for value in ("fiebre", "tos", "disnea", "dolor")],
        },
        "calidad": {"type": "rating", "options": [{"value": value} for value in range(1, 6)]},
    }
    question_ids = {}
    for question, settings in questions.items():
        question_ids[question] = _json(
            http.post(
                f"/api/v1/datasets/{dataset}/questions",
                json={
                    "name": question,
                    "title": question,
                    "required": question == "relevante",  # publishing needs one required question
                    "settings": settings,
                },
            )
        )["id"]
    for prop, kind in metadata.items():
        _json(
            http.post(
                f"/api/v1/datasets/{dataset}/metadata-properties",
                json={"name": prop, "title": prop, "settings": {"type": kind}},
            )
        )
    if vector_dims:
        _json(
            http.post(
                f"/api/v1/datasets/{dataset}/vectors-settings",
                json={"name": "emb", "title": "emb", "dimensions": vector_dims},
            )
        )
    _json(http.put(f"/api/v1/datasets/{dataset}/publish"))
    return dataset, question_ids


def _clinico_item(name: str, with_nota: bool, questions: dict[str, str], users: dict[str, str]) -> dict:
    texto, nota, servicio, edad, puntuacion, emb = CLINICO[name]
    fields = {"texto": texto, **({"nota": nota} if with_nota and nota else {})}
    metadata = {
        key: value
        for key, value in (("servicio", servicio), ("edad", edad), ("puntuacion", puntuacion))
        if value is not NO
    }
    item: dict = {"external_id": name, "fields": fields, "metadata": metadata}
    if emb is not NO:
        item["vectors"] = {"emb": emb}
    item["suggestions"] = [
        {"question_id": questions[q], "value": value, "score": score, "agent": agent, "type": kind}
        for q, value, score, agent, kind in SUGGESTIONS.get(name, [])
    ]
    item["responses"] = [
        {
            "user_id": users[user],
            "status": status,
            "values": {question: {"value": value} for question, value in values.items()},
        }
        for user, (status, values) in RESPONSES.get(name, {}).items()
    ]
    return item


def _add_records(corpus: Corpus, dataset: str, items: list[dict]) -> None:
    """One bulk call per record, so that insertion order is the order of `items`."""
    dataset_id = corpus.datasets[dataset]
    for item in items:
        created = _json(
            corpus.http.post(f"/api/v1/datasets/{dataset_id}/records/bulk", json={"items": [item]})
        )
        record_id = created["items"][0]["id"]
        corpus.names[record_id] = item["external_id"]
        corpus.ids.setdefault(dataset, {})[item["external_id"]] = record_id


@pytest.fixture(scope="module")
def corpus(argilla_server) -> Corpus:
    http = httpx.Client(
        base_url=argilla_server.url, headers={"X-Argilla-Api-Key": argilla_server.api_key}, timeout=120
    )
    suffix = uuid.uuid4().hex[:6]
    workspace = _json(http.post("/api/v1/workspaces", json={"name": f"busqueda-{suffix}"}))["id"]
    users, user_ids = {}, {}
    for name in ANNOTATORS:
        user = _json(
            http.post(
                "/api/v1/users",
                json={
                    "first_name": name,
                    "username": f"{name}-{suffix}",
                    "password": "contraseña-larga",
                    "role": "annotator",
                },
            )
        )
        _json(http.post(f"/api/v1/workspaces/{workspace}/users", json={"user_id": user["id"]}))
        user_ids[name] = user["id"]
        users[name] = httpx.Client(
            base_url=argilla_server.url, headers={"X-Argilla-Api-Key": user["api_key"]}, timeout=120
        )
    corpus = Corpus(workspace=workspace, http=http, users=users, user_ids=user_ids)

    # "clinico": two text fields (texto, nota): text queries take the multi-field path.
    dataset, questions = _create_dataset(
        http, workspace, "clinico", ["texto", "nota"], {"servicio": "terms", "edad": "integer"}, vector_dims=3
    )
    corpus.datasets["clinico"] = dataset
    _add_records(corpus, "clinico", [_clinico_item(name, True, questions, user_ids) for name in CLINICO])
    # A property added after the records exist (the engine indexes it then).
    _json(
        http.post(
            f"/api/v1/datasets/{dataset}/metadata-properties",
            json={"name": "puntuacion", "title": "puntuacion", "settings": {"type": "float"}},
        )
    )
    listed = _json(http.get(f"/api/v1/me/datasets/{dataset}/metadata-properties"))["items"]
    corpus.properties = {prop["name"]: prop["id"] for prop in listed}

    # "simple": one text field: text queries take the single-expression path.
    corpus.datasets["simple"], questions = _create_dataset(http, workspace, "simple", ["texto"], {}, None)
    _add_records(
        corpus,
        "simple",
        [{"external_id": f"s{name[1:]}", "fields": {"texto": CLINICO[name][0]}} for name in CLINICO],
    )

    # "muchos": 60 records for the per-user order.
    corpus.datasets["muchos"], _ = _create_dataset(http, workspace, "muchos", ["texto"], {}, None)
    items = [
        {"external_id": f"m{i}", "fields": {"texto": f"Registro número {i} del lote."}} for i in range(60)
    ]
    response = _json(
        http.post(f"/api/v1/datasets/{corpus.datasets['muchos']}/records/bulk", json={"items": items})
    )
    for item, created in zip(items, response["items"], strict=True):
        corpus.names[created["id"]] = item["external_id"]
    return corpus


def terms(entity: str, values: list, **scope) -> dict:
    return {"type": "terms", "scope": {"entity": entity, **scope}, "values": values}


def range_(entity: str, ge=None, le=None, **scope) -> dict:
    bounds = {key: value for key, value in (("ge", ge), ("le", le)) if value is not None}
    return {"type": "range", "scope": {"entity": entity, **scope}, **bounds}


def filters(*items: dict) -> dict:
    return {"filters": {"and": list(items)}}


def text(q: str, field: str | None = None) -> dict:
    return {"query": {"text": {"q": q, **({"field": field} if field else {})}}}


# Text queries ----------------------------------------------------------------------------------------

TEXT_CASES = [  # (query, field, expected on "clinico" (texto + nota), expected on "simple" (texto))
    ("metformina", None, {"r0"}, {"s0"}),
    ("METFORMINA", None, {"r0"}, {"s0"}),
    ("farmaco", None, {"r3"}, {"s3"}),
    ("hipertension", None, {"r2"}, {"s2"}),
    ("diabetes", None, {"r0", "r1"}, {"s0", "s1"}),
    ("diabetes insulina", None, {"r1"}, {"s1"}),
    ("insulina | enalapril", None, {"r1", "r2"}, {"s1", "s2"}),
    ("diabetes -insulina", None, {"r0"}, {"s0"}),
    ('"disnea de esfuerzo"', None, {"r4"}, {"s4"}),
    ("neumo*", None, {"r6"}, {"s6"}),
    ("covid-19", None, {"r6"}, {"s6"}),
    ("(metformina | enalapril) -potasio", None, {"r0"}, {"s0", "s2"}),
    ("glucemia", None, {"r0"}, set()),
    ("glucemia", "nota", {"r0"}, None),
    ("glucemia", "texto", set(), set()),
    ("diabetes glucemia", None, {"r0"}, set()),  # one word in each field
    ("diabetes glucemia", "texto", set(), set()),
    ("nadaquebuscar", None, set(), set()),
]


@pytest.mark.parametrize(("q", "field_name", "clinico", "simple"), TEXT_CASES)
def test_text_query_matches_like_simple_query_string(corpus: Corpus, q, field_name, clinico, simple) -> None:
    for dataset, expected in (("clinico", clinico), ("simple", simple)):
        if expected is None:
            continue
        total, scored = corpus.search_scored(dataset, text(q, field_name), me=False)
        assert ({name for name, _ in scored}, total) == (expected, len(expected)), (dataset, q)
        scores = [score for _, score in scored]
        assert all(score > 0 for score in scores) and scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("dataset", ["clinico", "simple"])
def test_text_relevance_ranks_records_matching_more_terms_first(corpus: Corpus, dataset: str) -> None:
    total, names = corpus.search(dataset, text("diabetes | insulina"), me=False)
    assert total == 2 and names[0] in ("r1", "s1")


def test_text_query_combines_with_filters_and_user(corpus: Corpus) -> None:
    body = {
        **text("diabetes"),
        **filters(terms("metadata", ["endocrinologia"], metadata_property="servicio")),
    }
    assert corpus.search("clinico", body, me=False)[0] == 2
    pending = {**text("diabetes | fiebre"), **filters(terms("response", ["pending"], property="status"))}
    assert corpus.search("clinico", pending, user="ana") == (1, ["r5"])


def test_a_text_page_read_from_the_best_hits_is_the_page_of_every_hit(corpus: Corpus) -> None:
    """A text page is first read from its best-scoring hits only (records_query._best_hits_page): when
    the filters drop them (the user answered them all), the page must still be the best of the rest."""
    dataset, _ = _create_dataset(corpus.http, corpus.workspace, "relevancia", ["texto"], {}, None)
    corpus.datasets["relevancia"] = dataset
    answered = {"status": "submitted", "values": {"relevante": {"value": "si"}}}
    strong = [
        {
            "external_id": f"f{i}",
            "fields": {"texto": "Fiebre alta, fiebre persistente, fiebre nocturna y fiebre de nuevo."},
            "responses": [{"user_id": corpus.user_ids["ana"], **answered}],
        }
        for i in range(10)
    ]
    weak = [
        {"external_id": f"w{i}", "fields": {"texto": f"Control {i} sin cambios; refiere fiebre ayer."}}
        for i in range(3)
    ]
    _add_records(corpus, "relevancia", [*strong, *weak])
    pending = {**text("fiebre"), **filters(terms("response", ["pending"], property="status"))}
    # ana answered the 10 best: fewer than a page of them pass, so the page is read from every hit
    assert corpus.search("relevancia", pending, user="ana", limit=2) == (3, ["w0", "w1"])
    assert corpus.search("relevancia", pending, user="ana", limit=2, offset=2) == (3, ["w2"])
    # beto answered none: the best hits fill the page (ties in insertion order)
    assert corpus.search("relevancia", pending, user="beto", limit=2) == (13, ["f0", "f1"])
    everything = [f"f{i}" for i in range(10)] + ["w0", "w1", "w2"]
    assert corpus.search("relevancia", text("fiebre"), me=False) == (13, everything)
    assert corpus.search("relevancia", text("fiebre"), me=False, limit=3, offset=9) == (13, everything[9:12])


# Filters ----------------------------------------------------------------------------------------------

RESPONSE_STATUS_CASES = [  # (user or None for the admin endpoint, statuses, expected)
    ("ana", ["pending"], ["r4", "r5", "r6", "r7"]),
    ("beto", ["pending"], ["r1", "r3", "r5", "r6", "r7"]),
    ("ana", ["pending", "draft"], ["r2", "r4", "r5", "r6", "r7"]),
    ("ana", ["submitted"], ["r0", "r1"]),
    ("ana", ["discarded"], ["r3"]),
    ("beto", ["draft"], ["r4"]),
    (None, ["pending"], ["r5", "r6", "r7"]),  # no user: records nobody answered
    (None, ["submitted"], ["r0", "r1", "r2"]),
    (None, ["draft"], ["r2", "r4"]),
    (None, ["pending", "discarded"], ["r3", "r5", "r6", "r7"]),
]


@pytest.mark.parametrize(("user", "statuses", "expected"), RESPONSE_STATUS_CASES)
def test_response_status_filter(corpus: Corpus, user, statuses, expected) -> None:
    body = {
        **filters(terms("response", statuses, property="status")),
        "sort": [{"scope": {"entity": "record", "property": "inserted_at"}, "order": "asc"}],
    }
    assert corpus.search("clinico", body, user=user) == (len(expected), expected)


def test_ui_pending_queue_is_response_and_record_pending(corpus: Corpus) -> None:
    body = filters(
        terms("response", ["pending"], property="status"), terms("record", ["pending"], property="status")
    )
    assert sorted(corpus.search("clinico", body, user="beto")[1]) == ["r3", "r5", "r6", "r7"]
    assert sorted(corpus.search("clinico", body, user="ana")[1]) == ["r4", "r5", "r6", "r7"]


FILTER_CASES = [  # (filter, expected) on the admin endpoint
    (terms("metadata", ["endocrinologia"], metadata_property="servicio"), ["r0", "r1"]),
    (terms("metadata", ["cardiologia", "pediatria"], metadata_property="servicio"), ["r2", "r3", "r5"]),
    (terms("metadata", ["urgencias"], metadata_property="servicio"), ["r4", "r5"]),  # r5 holds a list
    (range_("metadata", 40, 70, metadata_property="edad"), ["r0", "r1", "r2"]),
    (range_("metadata", ge=70, metadata_property="edad"), ["r3", "r6"]),
    (range_("metadata", le=5, metadata_property="edad"), ["r5"]),
    (range_("metadata", le=0.5, metadata_property="puntuacion"), ["r1", "r2", "r4", "r5"]),
    (range_("metadata", 0.75, 0.9, metadata_property="puntuacion"), ["r0", "r3"]),
    (terms("record", ["completed"], property="status"), ["r0", "r1", "r2"]),
    (terms("response", ["4"], question="calidad"), ["r0", "r4"]),
    (terms("response", ["si"], question="relevante"), ["r0", "r2"]),
    (terms("response", ["disnea"], question="sintomas"), ["r4"]),
    (range_("response", ge=3, question="calidad"), ["r0", "r1", "r4"]),
    (range_("response", 1, 2, question="calidad"), ["r2"]),
    (terms("suggestion", ["si"], question="relevante", property="value"), ["r0", "r2"]),
    (terms("suggestion", ["modelo-a"], question="relevante", property="agent"), ["r0", "r1"]),
    (terms("suggestion", ["human"], question="relevante", property="type"), ["r2"]),
    (range_("suggestion", ge=0.5, question="relevante", property="score"), ["r0", "r2"]),
    (range_("suggestion", le=0.5, question="relevante", property="score"), ["r1"]),
    (terms("suggestion", ["dolor"], question="sintomas", property="value"), ["r4"]),
    (range_("suggestion", ge=0.75, question="sintomas", property="score"), ["r4"]),  # any item of [0.8, 0.7]
    (range_("suggestion", ge=0.85, question="sintomas", property="score"), []),
]


@pytest.mark.parametrize(("item", "expected"), FILTER_CASES)
def test_filter(corpus: Corpus, item: dict, expected: list[str]) -> None:
    assert corpus.search("clinico", filters(item), me=False) == (len(expected), expected)


def test_and_of_filters(corpus: Corpus) -> None:
    both_metadata = filters(
        terms("metadata", ["cardiologia"], metadata_property="servicio"),
        range_("metadata", ge=50, metadata_property="edad"),
    )
    assert corpus.search("clinico", both_metadata, me=False) == (1, ["r3"])
    mixed = filters(
        terms("metadata", ["endocrinologia", "cardiologia"], metadata_property="servicio"),
        terms("response", ["pending"], property="status"),
        range_("suggestion", ge=0.5, question="relevante", property="score"),
    )
    assert corpus.search("clinico", mixed, user="beto") == (0, [])
    total, names = corpus.search("clinico", mixed, user="carla")
    assert (total, sorted(names)) == (2, ["r0", "r2"])


def test_user_response_values_are_the_users_own(corpus: Corpus) -> None:
    assert corpus.search("clinico", filters(terms("response", ["5"], question="calidad")), user="ana") == (
        1,
        ["r0"],
    )
    assert corpus.search("clinico", filters(terms("response", ["4"], question="calidad")), user="ana") == (
        0,
        [],
    )


# Sorting and pagination --------------------------------------------------------------------------------

SORT_CASES = [  # (scope, order, expected) on the admin endpoint: missing values last, ties in insertion order
    ({"entity": "metadata", "metadata_property": "puntuacion"}, "desc", "r0 r3 r4 r1 r5 r2 r6 r7"),
    ({"entity": "metadata", "metadata_property": "puntuacion"}, "asc", "r2 r5 r1 r4 r3 r0 r6 r7"),
    ({"entity": "metadata", "metadata_property": "edad"}, "asc", "r5 r4 r2 r1 r0 r6 r3 r7"),
    ({"entity": "record", "property": "inserted_at"}, "desc", "r7 r6 r5 r4 r3 r2 r1 r0"),
    (
        {"entity": "suggestion", "question": "relevante", "property": "score"},
        "desc",
        "r0 r2 r1 r3 r4 r5 r6 r7",
    ),
    (
        {"entity": "suggestion", "question": "relevante", "property": "value"},
        "asc",
        "r1 r0 r2 r3 r4 r5 r6 r7",
    ),
    ({"entity": "response", "question": "calidad"}, "asc", "r2 r1 r4 r0 r3 r5 r6 r7"),  # average of users
    ({"entity": "response", "question": "calidad"}, "desc", "r0 r4 r1 r2 r3 r5 r6 r7"),
]


@pytest.mark.parametrize(("scope", "order", "expected"), SORT_CASES)
def test_sort(corpus: Corpus, scope: dict, order: str, expected: str) -> None:
    body = {"sort": [{"scope": scope, "order": order}]}
    assert corpus.search("clinico", body, me=False) == (8, expected.split())


def test_sort_with_filter_and_the_users_own_responses(corpus: Corpus) -> None:
    body = {
        **filters(terms("metadata", ["cardiologia", "urgencias"], metadata_property="servicio")),
        "sort": [{"scope": {"entity": "metadata", "metadata_property": "edad"}, "order": "asc"}],
    }
    assert corpus.search("clinico", body, me=False) == (4, ["r5", "r4", "r2", "r3"])
    mine = {"sort": [{"scope": {"entity": "response", "question": "calidad"}, "order": "desc"}]}
    assert corpus.search("clinico", mine, user="ana")[1] == ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"]


def test_no_query_is_insertion_order_with_score_one_and_pages(corpus: Corpus) -> None:
    total, scored = corpus.search_scored("clinico", me=False)
    assert total == 8 and [name for name, _ in scored] == list(CLINICO)
    assert {score for _, score in scored} == {1.0}
    assert corpus.search("clinico", me=False, offset=2, limit=3) == (8, ["r2", "r3", "r4"])
    assert corpus.search("clinico", me=False, offset=8, limit=3) == (8, [])


def test_per_user_order_is_stable_paged_and_differs_between_users(corpus: Corpus) -> None:
    orders = {}
    for user in ANNOTATORS:
        total, first = corpus.search("muchos", user=user, limit=60)
        assert total == 60 and sorted(first) == sorted(f"m{i}" for i in range(60))
        assert corpus.search("muchos", user=user, limit=60)[1] == first
        pages = [corpus.search("muchos", user=user, offset=offset, limit=7)[1] for offset in range(0, 60, 7)]
        assert [name for page in pages for name in page] == first
        orders[user] = tuple(first)
    assert len(set(orders.values())) > 1


def test_a_users_other_views_follow_their_walk(corpus: Corpus) -> None:
    """Submitted, draft or discarded records (not the queue) come in the user's walk, paged alike."""
    walk = corpus.search("clinico", user="ana")[1]
    answered = filters(terms("response", ["submitted", "draft", "discarded"], property="status"))
    total, names = corpus.search("clinico", answered, user="ana")
    assert total == 4 and names == [name for name in walk if name in {"r0", "r1", "r2", "r3"}]
    pages = [corpus.search("clinico", answered, user="ana", offset=offset, limit=3)[1] for offset in (0, 3)]
    assert pages[0] + pages[1] == names


RECORDS_IN_QUEUE = 200
UI_QUEUE = filters(  # what the Argilla UI asks for an annotator's queue: no sort
    terms("response", ["pending"], property="status"), terms("record", ["pending"], property="status")
)


def test_queue_spreads_the_team_and_keeps_argillas_min_submitted(corpus: Corpus) -> None:
    """A dataset needing 2 submitted answers per record (overlap distribution, min_submitted=2)."""
    dataset, _ = _create_dataset(corpus.http, corpus.workspace, "cola", ["texto"], {}, None)
    _json(
        corpus.http.patch(
            f"/api/v1/datasets/{dataset}", json={"distribution": {"strategy": "overlap", "min_submitted": 2}}
        )
    )
    corpus.datasets["cola"] = dataset
    items = [{"external_id": f"c{i}", "fields": {"texto": f"Nota {i}."}} for i in range(RECORDS_IN_QUEUE)]
    created = _json(corpus.http.post(f"/api/v1/datasets/{dataset}/records/bulk", json={"items": items}))
    for item, record in zip(items, created["items"], strict=True):
        corpus.names[record["id"]] = item["external_id"]
        corpus.ids.setdefault("cola", {})[item["external_id"]] = record["id"]
    n = RECORDS_IN_QUEUE

    def queue(user: str) -> tuple[int, list[str]]:
        return corpus.search("cola", UI_QUEUE, user=user, limit=n + 10)

    def submit(user: str, name: str) -> None:
        record = corpus.ids["cola"][name]
        answer = {"status": "submitted", "values": {"relevante": {"value": "si"}}}
        _json(corpus.users[user].post(f"/api/v1/records/{record}/responses", json=answer))

    queues = {user: queue(user) for user in ANNOTATORS}
    assert all(total == n and sorted(names) == sorted(corpus.ids["cola"]) for total, names in queues.values())
    # each user walks the records in an order of their own, so first records spread (the three
    # alike happened in 1.9 of 1,000 simulated teams on 40 records; on 200 records, far rarer)
    assert len({names[0] for _, names in queues.values()}) >= 2

    # ana answers her first record: it leaves her queue and goes behind every unanswered record in beto's
    first = queues["ana"][1][0]
    submit("ana", first)
    assert queue("ana") == (n - 1, [name for name in queues["ana"][1] if name != first])
    total, beto = queue("beto")
    assert total == n and beto[-1] == first
    assert beto[:-1] == [name for name in queues["beto"][1] if name != first]

    # beto answers it too: 2 submitted answers complete the record, which leaves everyone's queue
    submit("beto", first)
    total, carla = queue("carla")
    assert total == n - 1 and first not in carla
    status = corpus.search("cola", filters(terms("record", ["completed"], property="status")), me=False)
    assert status == (1, [first])


# Metrics and progress -----------------------------------------------------------------------------------


def test_metadata_metrics(corpus: Corpus) -> None:
    def metrics(name: str) -> dict:
        return _json(corpus.http.get(f"/api/v1/metadata-properties/{corpus.properties[name]}/metrics"))

    assert metrics("servicio") == {
        "type": "terms",
        "total": 8,
        "values": [
            {"term": "cardiologia", "count": 2},
            {"term": "endocrinologia", "count": 2},
            {"term": "urgencias", "count": 2},
            {"term": "neumologia", "count": 1},
            {"term": "pediatria", "count": 1},
        ],
    }
    assert metrics("edad") == {"type": "integer", "min": 5, "max": 80}
    assert metrics("puntuacion") == {"type": "float", "min": 0.1, "max": 0.9}


def test_dataset_progress_and_user_metrics(corpus: Corpus) -> None:
    dataset = corpus.datasets["clinico"]
    progress = _json(corpus.http.get(f"/api/v1/datasets/{dataset}/progress"))
    assert (progress["total"], progress["completed"], progress["pending"]) == (8, 3, 5)
    expected = {
        "ana": {"total": 8, "submitted": 2, "discarded": 1, "draft": 1, "pending": 4},
        "beto": {"total": 8, "submitted": 2, "discarded": 0, "draft": 1, "pending": 5},
        "carla": {"total": 8, "submitted": 0, "discarded": 0, "draft": 0, "pending": 8},
    }
    for user, responses in expected.items():
        assert _json(corpus.users[user].get(f"/api/v1/me/datasets/{dataset}/metrics")) == {
            "responses": responses
        }


# Vector similarity ------------------------------------------------------------------------------------


def vector(order: str = "most_similar", **query) -> dict:
    return {"query": {"vector": {"name": "emb", "order": order, **query}}}


def test_similarity_by_value_most_and_least(corpus: Corpus) -> None:
    total, scored = corpus.search_scored("clinico", vector(value=[1.0, 0.0, 0.0]), me=False, limit=3)
    assert [name for name, _ in scored] == ["r0", "r1", "r5"] and total == 3
    assert scored[0][1] == pytest.approx(1.0)  # (1 + cos) / 2, as Elasticsearch's cosine k-NN
    assert scored[2][1] == pytest.approx((1 + 0.5 / (0.5**2 * 2) ** 0.5) / 2)
    least = corpus.search_scored("clinico", vector("least_similar", value=[1.0, 0.0, 0.0]), me=False, limit=1)
    assert [name for name, _ in least[1]] == ["r6"]
    assert least[1][0][1] == pytest.approx((1 + 1 / (1.04**0.5)) / 2)


def test_similarity_by_record_excludes_it_and_honours_filters_and_text(corpus: Corpus) -> None:
    r0 = corpus.ids["clinico"]["r0"]
    assert corpus.search("clinico", vector(record_id=r0), me=False, limit=2)[1] == ["r1", "r5"]
    urgencias = {
        **vector(record_id=r0),
        **filters(terms("metadata", ["urgencias"], metadata_property="servicio")),
    }
    assert corpus.search("clinico", urgencias, me=False)[1] == ["r5", "r4"]
    with_text = {"query": {**vector(value=[0.0, 1.0, 0.0])["query"], **text("diabetes")["query"]}}
    assert corpus.search("clinico", with_text, me=False)[1] == ["r1", "r0"]
    pending = {**vector(value=[1.0, 0.0, 0.0]), **filters(terms("response", ["pending"], property="status"))}
    assert corpus.search("clinico", pending, user="ana")[1] == ["r5", "r4", "r6"]  # r7 has no vector


def test_the_record_open_in_someones_page_goes_behind_in_the_others_queues(corpus: Corpus) -> None:
    """The first record of the UI's pending page (the one it shows) is leased to its annotator: the
    others' pages start elsewhere and hold it behind (the order changes, never what a queue holds)."""
    dataset, _ = _create_dataset(corpus.http, corpus.workspace, "turnos", ["texto"], {}, None)
    corpus.datasets["turnos"] = dataset
    items = [{"external_id": f"t{i}", "fields": {"texto": f"Turno {i}."}} for i in range(40)]
    created = _json(corpus.http.post(f"/api/v1/datasets/{dataset}/records/bulk", json={"items": items}))
    for item, record in zip(items, created["items"], strict=True):
        corpus.names[record["id"]] = item["external_id"]
        corpus.ids.setdefault("turnos", {})[item["external_id"]] = record["id"]

    # a whole-queue read (a script, not a page a person opens) leases nothing
    walks = {user: corpus.search("turnos", UI_QUEUE, user=user, limit=200)[1] for user in ANNOTATORS}
    shown = {}
    for user in ANNOTATORS:  # one after the other, as people open the dataset
        total, page = corpus.search("turnos", UI_QUEUE, user=user, limit=10)
        assert total == 40 and len(page) == 10
        shown[user] = page[0]
        held = [shown[other] for other in shown if other != user]
        assert page == [name for name in walks[user] if name not in held][:10], user
    assert len(set(shown.values())) == 3
    # the held records stay in every queue, behind the others
    total, ana = corpus.search("turnos", UI_QUEUE, user="ana", limit=200)
    assert total == 40 and sorted(ana) == sorted(corpus.ids["turnos"])
    assert set(ana[-2:]) == {shown["beto"], shown["carla"]}
    # ana opens her page again: she keeps her own record, not one open for beto or carla
    assert corpus.search("turnos", UI_QUEUE, user="ana", limit=10)[1][0] == shown["ana"]


PRIORITY = "prioridad_cola"  # queue.PRIORITY_PROPERTY of the engine (what `annotate suggest` writes)


def _priority_dataset(corpus: Corpus, name: str, priorities: dict[str, float | None], defined: bool) -> None:
    """A dataset of records p0..pN with `prioridad_cola` values (None: no value); `defined`: the
    dataset has the float property (else the values are extra metadata the engine must ignore)."""
    dataset, _ = _create_dataset(
        corpus.http, corpus.workspace, name, ["texto"], {PRIORITY: "float"} if defined else {}, None
    )
    corpus.datasets[name] = dataset
    items = [
        {
            "external_id": record,
            "fields": {"texto": f"Frase {record}."},
            "metadata": {} if value is None else {PRIORITY: value},
        }
        for record, value in priorities.items()
    ]
    created = _json(corpus.http.post(f"/api/v1/datasets/{dataset}/records/bulk", json={"items": items}))
    for item, record in zip(items, created["items"], strict=True):
        corpus.names[record["id"]] = item["external_id"]
        corpus.ids.setdefault(name, {})[item["external_id"]] = record["id"]


# p0..p29: p0..p19 have distinct priorities (p7 highest, then p3, p12, ...), p20..p29 none
PRIORITIES: dict[str, float | None] = {
    f"p{i}": (None if i >= 20 else round(((i * 7) % 20) / 20, 2)) for i in range(30)
}
BY_PRIORITY = sorted((p for p in PRIORITIES if PRIORITIES[p] is not None), key=lambda p: -PRIORITIES[p])


def test_queue_priority_breaks_ties_after_expected_answers(corpus: Corpus) -> None:
    """`prioridad_cola` (the model's uncertainty) orders every annotator's queue, highest first, records
    without it after, each in the user's walk; a record someone answered or holds still waits behind
    the ones nobody has, whatever its priority; min_submitted still takes completed records out."""
    _priority_dataset(corpus, "incierta", PRIORITIES, defined=True)
    dataset = corpus.datasets["incierta"]
    _json(
        corpus.http.patch(
            f"/api/v1/datasets/{dataset}", json={"distribution": {"strategy": "overlap", "min_submitted": 2}}
        )
    )
    unranked = {p for p, value in PRIORITIES.items() if value is None}
    for user in ANNOTATORS:  # whole-queue reads lease nothing: every queue is the same ranking
        total, names = corpus.search("incierta", UI_QUEUE, user=user, limit=200)
        assert total == 30 and names[:20] == BY_PRIORITY and set(names[20:]) == unranked
    walks = {user: corpus.search("incierta", UI_QUEUE, user=user, limit=200)[1][20:] for user in ANNOTATORS}
    assert len({tuple(walk) for walk in walks.values()}) > 1  # the unranked rest: each user's own walk

    # pages as people open them: ana holds the most uncertain record, beto gets the next one
    assert corpus.search("incierta", UI_QUEUE, user="ana", limit=10)[1] == BY_PRIORITY[:10]
    assert corpus.search("incierta", UI_QUEUE, user="beto", limit=10)[1] == BY_PRIORITY[1:11]
    # the second page of a queue (offset) goes on in the same order, into the walk past the ranked ones
    page = corpus.search("incierta", UI_QUEUE, user="carla", limit=10, offset=15)[1]
    assert page[:3] == BY_PRIORITY[17:] and set(page[3:]) <= unranked

    # ana answers the most uncertain record: it goes behind every record nobody answered in beto's queue
    top = BY_PRIORITY[0]
    answer = {"status": "submitted", "values": {"relevante": {"value": "si"}}}
    _json(corpus.users["ana"].post(f"/api/v1/records/{corpus.ids['incierta'][top]}/responses", json=answer))
    total, beto = corpus.search("incierta", UI_QUEUE, user="beto", limit=200)
    assert total == 30 and beto[-1] == top and beto[:19] == BY_PRIORITY[1:]
    assert top not in corpus.search("incierta", UI_QUEUE, user="ana", limit=200)[1]
    # beto answers it too: min_submitted=2 completes it, and it leaves every queue
    _json(corpus.users["beto"].post(f"/api/v1/records/{corpus.ids['incierta'][top]}/responses", json=answer))
    total, carla = corpus.search("incierta", UI_QUEUE, user="carla", limit=200)
    assert total == 29 and top not in carla
    # the record open in beto's page (the next most uncertain) waits behind, as any held record
    assert carla[:18] == BY_PRIORITY[2:] and carla[-1] == BY_PRIORITY[1]


def test_queue_ignores_priority_values_without_the_property(corpus: Corpus) -> None:
    """Values under `prioridad_cola` in extra metadata, without the dataset property, change nothing:
    the queue is each user's walk (what `annotate suggest --order walk` gives back)."""
    _priority_dataset(corpus, "sin-prioridad", PRIORITIES, defined=False)
    queues = [corpus.search("sin-prioridad", UI_QUEUE, user=user, limit=200)[1] for user in ANNOTATORS]
    assert all(sorted(q) == sorted(PRIORITIES) for q in queues)
    assert not any(q[:20] == BY_PRIORITY for q in queues) and len({tuple(q) for q in queues}) > 1


def test_a_settings_change_shows_in_the_very_next_search(corpus: Corpus) -> None:
    """A search keeps the dataset's settings while their fingerprint (count and latest update of its
    questions, metadata properties and fields) stays: adding the queue priority property must order
    the very next queue by it, and deleting it (Argilla tells the engine nothing then) must not."""
    _priority_dataset(corpus, "ajustes", PRIORITIES, defined=False)
    dataset = corpus.datasets["ajustes"]
    before = corpus.search("ajustes", UI_QUEUE, user="ana", limit=200)[1]
    assert before[:20] != BY_PRIORITY
    created = _json(
        corpus.http.post(
            f"/api/v1/datasets/{dataset}/metadata-properties",
            json={"name": PRIORITY, "title": PRIORITY, "settings": {"type": "float"}},
        )
    )
    assert corpus.search("ajustes", UI_QUEUE, user="ana", limit=200)[1][:20] == BY_PRIORITY
    deleted = corpus.http.delete(f"/api/v1/metadata-properties/{created['id']}")
    assert deleted.status_code == 200, deleted.text
    assert corpus.search("ajustes", UI_QUEUE, user="ana", limit=200)[1] == before


# Remembered totals (memo.py) ---------------------------------------------------------------------------


def test_totals_and_probes_follow_every_kind_of_write_at_once(corpus: Corpus) -> None:
    """Totals and metadata probes are remembered while a dataset is unchanged: each kind of write (new
    record, metadata update, delete, response, suggestion) must show in the very next search."""
    http = corpus.http
    dataset, questions = _create_dataset(
        http, corpus.workspace, "cambios", ["texto"], {"servicio": "terms", "edad": "integer"}, None
    )
    corpus.datasets["cambios"] = dataset
    items = [
        {
            "external_id": f"c{i}",
            "fields": {"texto": f"Registro {i}."},
            "metadata": {"servicio": "cardiologia" if i % 2 else "pediatria", "edad": 50 + i},
        }
        for i in range(6)
    ]
    _add_records(corpus, "cambios", items)
    ids = corpus.ids["cambios"]
    both = filters(  # two metadata filters: SQLite counts them by intersecting their indexes
        terms("metadata", ["cardiologia"], metadata_property="servicio"),
        range_("metadata", 40, 70, metadata_property="edad"),
    )
    pending = filters(terms("response", ["pending"], property="status"))
    suggested = filters(terms("suggestion", ["si"], question="relevante", property="value"))
    # ascending: SQLite puts NULL first, so a stale "no record lacks edad" would show c6 first
    by_age = {"sort": [{"scope": {"entity": "metadata", "metadata_property": "edad"}, "order": "asc"}]}
    for _ in range(2):  # the second time from what the first one counted
        assert corpus.search("cambios", both, me=False) == (3, ["c1", "c3", "c5"])
        assert corpus.search("cambios", pending, user="ana")[0] == 6
        assert corpus.search("cambios", suggested, me=False)[0] == 0
        assert corpus.search("cambios", by_age, me=False)[1][0] == "c0"

    _add_records(corpus, "cambios", [{"external_id": "c6", "fields": {"texto": "Sin edad."}}])
    assert corpus.search("cambios", by_age, me=False)[1][-1] == "c6"  # missing last: a new fact
    assert corpus.search("cambios", pending, user="ana")[0] == 7
    _add_records(
        corpus,
        "cambios",
        [
            {
                "external_id": "c7",
                "fields": {"texto": "Nuevo."},
                "metadata": {"servicio": "cardiologia", "edad": 60},
            }
        ],
    )
    assert corpus.search("cambios", both, me=False) == (4, ["c1", "c3", "c5", "c7"])

    _json(
        http.patch(f"/api/v1/records/{ids['c3']}", json={"metadata": {"servicio": "pediatria", "edad": 53}})
    )
    assert corpus.search("cambios", both, me=False) == (3, ["c1", "c5", "c7"])

    deleted = http.delete(f"/api/v1/datasets/{dataset}/records", params={"ids": ids["c5"]})
    assert deleted.status_code == 204, deleted.text
    assert corpus.search("cambios", both, me=False) == (2, ["c1", "c7"])

    answer = {"values": {"relevante": {"value": "si"}}, "status": "submitted"}
    _json(corpus.users["ana"].post(f"/api/v1/records/{ids['c1']}/responses", json=answer))
    assert corpus.search("cambios", pending, user="ana")[0] == 6  # 7 records left, one answered

    suggestion = {"question_id": questions["relevante"], "value": "si", "agent": "modelo"}
    _json(http.put(f"/api/v1/records/{ids['c0']}/suggestions", json=suggestion))
    assert corpus.search("cambios", suggested, me=False) == (1, ["c0"])


def _psql(database_url: str, sql: str) -> str:
    url = "postgresql://" + database_url.split("://", 1)[1]
    done = subprocess.run(["psql", url, "-tAc", sql], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_postgresql_statistics_follow_a_bulk_load(corpus: Corpus, argilla_server) -> None:
    """The server analyzes the tables a load changed (annotate/server/search/statistics.py): autovacuum
    may be off (as on the CI machine) or a minute behind, and without statistics PostgreSQL plans
    argilla-server's own statements for a handful of rows."""
    if argilla_server.database != "postgres":
        pytest.skip("PostgreSQL's planner statistics")
    dataset, _ = _create_dataset(corpus.http, corpus.workspace, "estadisticas", ["texto"], {}, None)
    # enough new records to cross autovacuum's threshold on this session's shared server (50 + 10 %)
    existing = int(_psql(argilla_server.database_url, "SELECT count(*) FROM records"))
    items = [
        {"external_id": f"e{i}", "fields": {"texto": f"Registro {i}."}} for i in range(existing // 5 + 400)
    ]
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        _json(corpus.http.post(f"/api/v1/datasets/{dataset}/records/bulk", json={"items": chunk}))
    counted = (
        "SELECT reltuples::bigint = (SELECT count(*) FROM records) FROM pg_class WHERE relname = 'records'"
    )
    deadline = time.monotonic() + 30
    while _psql(argilla_server.database_url, counted) != "t" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _psql(argilla_server.database_url, counted) == "t", "records analyzed after the load"
    # and the text index's pending list merged: every text query read it whole
    _psql(argilla_server.database_url, "CREATE EXTENSION IF NOT EXISTS pgstattuple")
    pending = "SELECT pending_pages FROM pgstatginindex('annotate_search_texts_tsv')"
    while _psql(argilla_server.database_url, pending) != "0" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _psql(argilla_server.database_url, pending) == "0", "the GIN pending list merged"
