"""Checks every GraphQL document passes before graphql-core validates or executes it.

Both run first in the validation step and in time linear in the document, so a hostile document
is refused in microseconds and never reaches code that walks it more expensively.

- `QueryCostLimiter`: depth, aliases, fields and fragment spreads, counted as if every fragment
  were expanded in place, but measuring each fragment once. It replaces Strawberry's
  QueryDepthLimiter and MaxAliasesLimiter, which re-walk a fragment at every spread: a 1 KB
  document whose fragment F(n) spreads F(n-1) twice, 29 levels deep, costs them 2^29 visits on
  the event loop (docs/upstream/strawberry-fragment-expansion.md).
- `TextArgumentGuard`: NUL characters and unpaired surrogates in any string argument (a literal
  or a variable), which PostgreSQL and UTF-8 refuse deep inside the resolvers.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
BAD_USER_INPUT = "BAD_USER_INPUT"


@dataclass(frozen=True)
class Cost:
    """What executing a selection set selects once every fragment spread is expanded.

    `depth` follows Strawberry's QueryDepthLimiter: a root field with sub-fields is 1 deep, and
    introspection fields (`__schema`, `__typename`...) add no depth; they count as fields.
    """

    depth: int = 0
    fields: int = 0
    aliases: int = 0
    spreads: int = 0


@dataclass(frozen=True)
class CostLimits:
    max_depth: int
    max_fields: int
    max_aliases: int
    max_spreads: int


def selection_set_cost(root: SelectionSetNode, fragment_costs: dict[str, Cost]) -> Cost:
    """The cost of `root`, its fragment spreads priced from `fragment_costs` (unknown: free).

    An explicit stack rather than recursion: the walk's own depth never depends on the document.
    """
    depth = fields = aliases = spreads = 0
    stack: list[tuple[SelectionSetNode, int, bool]] = [(root, 0, True)]
    while stack:
        selection_set, level, counts_depth = stack.pop()
        for selection in selection_set.selections:
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragment_costs.get(selection.name.value, Cost())
                spreads += 1 + fragment.spreads
                fields += fragment.fields
                aliases += fragment.aliases
                if counts_depth:
                    depth = max(depth, level + fragment.depth)
                continue
            inner_level, inner_counts_depth = level, counts_depth
            if isinstance(selection, FieldNode):
                fields += 1
                aliases += selection.alias is not None
                if counts_depth:
                    depth = max(depth, level)
                inner_level = level + 1
                inner_counts_depth = counts_depth and not selection.name.value.startswith("__")
            if selection.selection_set is not None:
                stack.append((selection.selection_set, inner_level, inner_counts_depth))
    return Cost(depth=depth, fields=fields, aliases=aliases, spreads=spreads)


def _spread_names(root: SelectionSetNode) -> set[str]:
    names: set[str] = set()
    stack = [root]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.add(selection.name.value)
            elif selection.selection_set is not None:
                stack.append(selection.selection_set)
    return names


def fragment_costs(document: DocumentNode) -> dict[str, Cost]:
    """Each fragment's cost, measured once, after the fragments it spreads (Kahn's order).

    Fragments on a spread cycle, and those spreading them, never become ready and are left out
    (spreading them is free here): graphql-core's validation refuses cycles and unknown names.
    """
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    dependents: dict[str, list[str]] = defaultdict(list)
    waiting_on: dict[str, int] = {}
    for name, fragment in fragments.items():
        used = _spread_names(fragment.selection_set) & fragments.keys()
        waiting_on[name] = len(used)
        for dependency in used:
            dependents[dependency].append(name)
    ready = deque(name for name, count in waiting_on.items() if count == 0)
    costs: dict[str, Cost] = {}
    while ready:
        name = ready.popleft()
        costs[name] = selection_set_cost(fragments[name].selection_set, costs)
        for dependent in dependents[name]:
            waiting_on[dependent] -= 1
            if waiting_on[dependent] == 0:
                ready.append(dependent)
    return costs


def operation_costs(document: DocumentNode) -> dict[str, Cost]:
    """The cost of each operation in the document, by name ("anonymous" for an unnamed one)."""
    costs = fragment_costs(document)
    return {
        (definition.name.value if definition.name else "anonymous"): selection_set_cost(
            definition.selection_set, costs
        )
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }


def cost_errors(document: DocumentNode, limits: CostLimits) -> list[GraphQLError]:
    errors = []
    for name, cost in operation_costs(document).items():
        problems = []
        if cost.depth > limits.max_depth:
            problems.append(f"'{name}' exceeds maximum operation depth of {limits.max_depth}")
        if cost.aliases > limits.max_aliases:
            problems.append(f"{cost.aliases} aliases found. Allowed: {limits.max_aliases}")
        if cost.fields > limits.max_fields:
            problems.append(
                f"'{name}' selects {cost.fields} fields once its fragments are expanded. "
                f"Allowed: {limits.max_fields}"
            )
        if cost.spreads > limits.max_spreads:
            problems.append(
                f"'{name}' spreads fragments {cost.spreads} times once expanded. "
                f"Allowed: {limits.max_spreads}"
            )
        errors += [
            GraphQLError(problem, extensions={"code": QUERY_TOO_COMPLEX}) for problem in problems
        ]
    return errors


class QueryCostLimiter(SchemaExtension):
    """Refuses documents over the cost limits before graphql-core's own validation runs.

    Setting `pre_execution_errors` first makes Strawberry skip validation and answer them.
    """

    def __init__(self, limits: CostLimits) -> None:
        self.limits = limits

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            if errors := cost_errors(context.graphql_document, self.limits):
                context.pre_execution_errors = errors
        yield


UNENCODABLE_TEXT = "Text arguments must not contain NUL characters or unpaired surrogates."
UNENCODABLE_FIELD_MESSAGE = "Remove the NUL character or unpaired surrogate."


def is_storable_text(text: str) -> bool:
    """Whether PostgreSQL can store `text`: no NUL, and valid UTF-8 (no lone surrogates)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unstorable_in_variables(variables: dict[str, Any]) -> list[str]:
    paths = []
    stack: list[tuple[str, Any]] = list(variables.items())
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and not is_storable_text(value):
            paths.append(path)
        elif isinstance(value, dict):
            stack += [(f"{path}.{key}", item) for key, item in value.items()]
        elif isinstance(value, list):
            stack += [(f"{path}.{index}", item) for index, item in enumerate(value)]
    return paths


def _unstorable_in_literal(value: ValueNode, path: str) -> list[str]:
    paths = []
    stack: list[tuple[str, ValueNode]] = [(path, value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, StringValueNode) and not is_storable_text(node.value):
            paths.append(path)
        elif isinstance(node, ObjectValueNode):
            stack += [(f"{path}.{field.name.value}", field.value) for field in node.fields]
        elif isinstance(node, ListValueNode):
            stack += [(f"{path}.{index}", item) for index, item in enumerate(node.values)]
    return paths


class _LiteralTextCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def enter_argument(self, node: ArgumentNode, *_: object) -> object:
        self.paths += _unstorable_in_literal(node.value, node.name.value)
        return self.SKIP

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: object) -> object:
        if node.default_value is not None:
            self.paths += _unstorable_in_literal(node.default_value, node.variable.name.value)
        return self.SKIP


def unstorable_text_error(document: DocumentNode, variables: object) -> GraphQLError | None:
    """One BAD_USER_INPUT error listing every offending argument or variable, or None.

    `extensions.errors` has the shape of accounts' ValidationErrors.errors (field, messages);
    a field is the argument's (or variable's) path, e.g. "input.name".
    """
    collector = _LiteralTextCollector()
    visit(document, collector)  # graphql-core's visit is iterative
    if isinstance(variables, dict):
        collector.paths += _unstorable_in_variables(variables)
    paths = collector.paths
    if not paths:
        return None
    return GraphQLError(
        UNENCODABLE_TEXT,
        extensions={
            "code": BAD_USER_INPUT,
            "errors": [
                {"field": path, "messages": [UNENCODABLE_FIELD_MESSAGE]} for path in sorted(paths)
            ],
        },
    )


class TextArgumentGuard(SchemaExtension):
    """Refuses, before any resolver runs, text that the database or UTF-8 cannot hold."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            error = unstorable_text_error(context.graphql_document, context.variables)
            if error is not None:
                context.pre_execution_errors = [error]
        yield
