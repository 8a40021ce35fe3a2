"""The query-cost guard (backend.graphql_guards): linear in the document, before validation.

The probe that froze the server: fragment F(n) spreads F(n-1) twice, 29 levels, about 1.2 KB.
Strawberry's QueryDepthLimiter and MaxAliasesLimiter re-walk a fragment at every spread, so this
document cost them 2^29 visits on the event loop (18 levels 1.4 s, 22 levels 18 s, 29 levels
hung for over 25 minutes); the upstream report is docs/upstream/strawberry-fragment-expansion.md.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_introspection_query,
    parse,
    validate,
)

from backend.graphql_guards import (
    Cost,
    CostLimits,
    cost_errors,
    fragment_costs,
    operation_costs,
)
from backend.schema import schema

REPO = Path(settings.BASE_DIR)


def doubling_fragments(levels: int) -> str:
    fragments = ["fragment F0 on Query { __typename }"]
    fragments += [
        f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, levels + 1)
    ]
    return "\n".join(fragments) + f"\n{{ ...F{levels} }}"


def limits() -> CostLimits:
    return CostLimits(
        max_depth=settings.GRAPHQL_MAX_DEPTH,
        max_fields=settings.GRAPHQL_MAX_FIELDS,
        max_aliases=settings.GRAPHQL_MAX_ALIASES,
        max_spreads=settings.GRAPHQL_MAX_SPREADS,
    )


def test_the_probe_is_about_a_kilobyte():
    assert 1000 < len(doubling_fragments(29)) < 1300


def test_fragments_are_measured_once_and_counted_as_expanded():
    started = time.thread_time()
    costs = operation_costs(parse(doubling_fragments(29)))
    elapsed = time.thread_time() - started

    assert costs == {"anonymous": Cost(depth=0, fields=2**29, aliases=0, spreads=2**30 - 1)}
    assert elapsed < 0.1  # 2^29 visits would take minutes


def test_depth_aliases_and_fields_go_through_fragments():
    document = parse(
        """
        query Deep { ...Outer a: me { id } }
        fragment Outer on Query { b: me { ...Inner } }
        fragment Inner on User { c: id username }
        """
    )

    assert operation_costs(document) == {"Deep": Cost(depth=1, fields=5, aliases=3, spreads=2)}


def test_introspection_fields_add_no_depth_but_count_as_fields():
    costs = operation_costs(parse("{ __schema { types { fields { name } } } me { id } }"))

    assert costs == {"anonymous": Cost(depth=1, fields=6, aliases=0, spreads=0)}


def test_the_introspection_query_of_graphiql_passes_the_default_limits():
    assert cost_errors(parse(get_introspection_query()), limits()) == []


@pytest.mark.parametrize(
    "document",
    [
        "fragment A on Query { ...A } { ...A }",
        "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }",
        "fragment A on Query { me { ...B } } fragment B on User { ...A } { ...A }",
        "{ ...Unknown }",
        "fragment A on Query { me { id } } fragment A on Query { ...A ...A } { ...A }",
    ],
)
def test_cycles_unknown_and_duplicate_fragments_end_the_walk(document):
    """Validation refuses these; the walk must end (and cheaply) before it runs."""
    operation_costs(parse(document))


def test_a_long_fragment_chain_is_measured_without_recursion():
    chain = 5000  # far beyond Python's recursion limit
    fragments = [f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(chain)]
    document = parse("\n".join(fragments) + f"\nfragment F{chain} on Query {{ __typename }}")

    assert fragment_costs(document)["F0"] == Cost(depth=0, fields=1, aliases=0, spreads=chain)


def test_deep_nesting_is_measured_without_recursion():
    """graphql-core's parser stops at a few hundred levels; the walk does not rely on that."""
    selection_set = SelectionSetNode(selections=(FieldNode(name=NameNode(value="id")),))
    for _ in range(5000):
        field = FieldNode(name=NameNode(value="me"), selection_set=selection_set)
        selection_set = SelectionSetNode(selections=(field,))
    document = DocumentNode(
        definitions=(OperationDefinitionNode(operation="query", selection_set=selection_set),)
    )

    assert operation_costs(document)["anonymous"] == Cost(depth=5000, fields=5001)


def test_the_parser_refuses_deep_nesting_with_a_graphql_error(graphql, db):
    body = graphql("{ me " + "{ id " * 1000 + "}" * 1000 + " }")

    assert body["errors"][0]["message"].startswith("Syntax Error: Document is nested too deeply")


def frontend_documents() -> list[DocumentNode]:
    """Each operation the frontend sends, with the fragments it uses (as graphql-codegen does)."""
    sources = [
        path
        for path in (REPO / "frontend" / "src").rglob("*.ts*")
        if "gql" not in path.relative_to(REPO / "frontend" / "src").parts
    ]
    definitions = [
        definition
        for path in sources
        for text in re.findall(r"graphql\(`(.*?)`\)", path.read_text(), flags=re.S)
        for definition in parse(text).definitions
    ]
    fragments = {d.name.value: d for d in definitions if d.kind == "fragment_definition"}
    documents = []
    for operation in (d for d in definitions if d.kind == "operation_definition"):
        used, pending = {}, [operation]
        while pending:
            for spread in re.findall(r"\.\.\.(\w+)", _text(pending.pop())):
                if spread in fragments and spread not in used:
                    used[spread] = fragments[spread]
                    pending.append(fragments[spread])
        documents.append(DocumentNode(definitions=(operation, *used.values())))
    return documents


def _text(node: object) -> str:
    return node.loc.source.body[node.loc.start : node.loc.end]  # type: ignore[attr-defined]


def test_every_document_of_the_frontend_is_allowed():
    documents = frontend_documents()

    assert len(documents) >= 12  # Startup, Presets, login, register, ..., the kick operations
    for document in documents:
        assert validate(schema._schema, document) == []
        assert cost_errors(document, limits()) == []


@pytest.mark.django_db(transaction=True)
async def test_the_probe_is_refused_at_once_while_a_parallel_request_is_answered():
    from backend.asgi import application

    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        token = (await client.get("/graphql/", params={"query": "{ __typename }"})).cookies[
            "csrftoken"
        ]
        headers = {"X-CSRFToken": token}

        async def timed(query: str) -> tuple[float, httpx.Response]:
            started = time.perf_counter()
            response = await client.post("/graphql/", json={"query": query}, headers=headers)
            return time.perf_counter() - started, response

        (probe_s, probe), (_, parallel) = await asyncio.gather(
            timed(doubling_fragments(29)), timed("{ me { id } }")
        )

    assert probe.status_code == 200
    assert [error["extensions"]["code"] for error in probe.json()["errors"]] == [
        "QUERY_TOO_COMPLEX",
        "QUERY_TOO_COMPLEX",
    ]
    assert probe.json()["errors"][0]["message"] == (
        f"'anonymous' selects {2**29} fields once its fragments are expanded. "
        f"Allowed: {settings.GRAPHQL_MAX_FIELDS}"
    )
    assert probe_s < 0.1
    assert parallel.json() == {"data": {"me": None}}


@pytest.mark.django_db
def test_fields_and_spreads_are_limited_over_http(graphql, settings):
    settings.GRAPHQL_MAX_FIELDS = 3
    settings.GRAPHQL_MAX_SPREADS = 1

    body = graphql("fragment U on User { id } { me { ...U ...U } }")

    assert body["data"] is None
    assert [error["message"] for error in body["errors"]] == [
        "'anonymous' spreads fragments 2 times once expanded. Allowed: 1",
    ]
    settings.GRAPHQL_MAX_FIELDS = 2
    assert graphql("fragment U on User { id } { me { ...U ...U } }")["errors"][0]["message"] == (
        "'anonymous' selects 3 fields once its fragments are expanded. Allowed: 2"
    )
    settings.GRAPHQL_MAX_FIELDS = 3
    assert graphql("fragment U on User { id } { me { ...U } }") == {"data": {"me": None}}


@pytest.mark.django_db(transaction=True)
async def test_the_probe_is_refused_over_websockets_too(graphql_ws):
    ws = await graphql_ws()

    result = await ws.execute(doubling_fragments(29))

    assert {error["extensions"]["code"] for error in result["errors"]} == {"QUERY_TOO_COMPLEX"}
