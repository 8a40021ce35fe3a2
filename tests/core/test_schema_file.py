from pathlib import Path

from django.conf import settings
from strawberry.printer import print_schema

from backend.schema import schema

SCHEMA_FILE = Path(settings.BASE_DIR) / "schema.graphql"


def test_the_checked_in_schema_matches_the_code():
    checked_in = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""

    assert checked_in.strip() == print_schema(schema).strip(), (
        "schema.graphql is out of date with the code: run `make schema` and commit it."
    )
