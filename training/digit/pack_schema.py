"""Validation of pack.json against docs/model-pack.schema.json (shared with the TS loader)."""
import json
import os

import jsonschema

SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "model-pack.schema.json")


def load_schema() -> dict:
    with open(SCHEMA_PATH) as f:
        return json.load(f)


def validate_pack(manifest: dict) -> None:
    """Raise ValueError naming the offending field when `manifest` breaks the contract."""
    validator = jsonschema.Draft7Validator(load_schema())
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path) or "(top level)"
        raise ValueError(f"pack.json is invalid at {where}: {e.message}")
