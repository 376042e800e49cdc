"""Small builders for the OpenAPI descriptions each API module writes in its
``OPENAPI_PATHS`` (``openapi.py`` merges them into one document)."""

from __future__ import annotations

ERROR_REF = {"$ref": "#/components/schemas/Error"}

REASONS = {
    400: "Malformed request: the body is not JSON or not a JSON object, or a bad query parameter",
    401: "No token, a malformed, unknown or revoked token, or the token's user is disabled",
    403: "The token's user lacks the role this needs",
    404: "Not found",
    409: "A duplicate: the code is taken",
    422: "A field is missing, of the wrong type, unknown or out of range",
}


def errors(*statuses: int) -> dict:
    return {
        str(status): {"description": REASONS[status], "content": {"application/json": {"schema": ERROR_REF}}}
        for status in statuses
    }


def path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}


def json_body(schema: dict, description: str = "") -> dict:
    return {"required": True, "description": description,
            "content": {"application/json": {"schema": schema}}}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def page_of(item_schema: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": item_schema},
            "next_after": {"type": "string", "nullable": True,
                           "description": "Pass as ?after= for the next page; null on the last page"},
        },
        "required": ["items", "next_after"],
    }


PAGE_PARAMS = [
    {"name": "limit", "in": "query", "required": False,
     "description": "Rows per page, 1 to 1000 (default 500)",
     "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    {"name": "after", "in": "query", "required": False,
     "description": "The last code of the previous page", "schema": {"type": "string"}},
]
