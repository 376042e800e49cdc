"""The OpenAPI 3 document, merged from each API module's OPENAPI_PATHS."""

from flask import jsonify

from . import bp, catalog, receipts, reports, scans, serials

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
}


UNAUTHORIZED = {
    "description": "No token, a malformed, unknown or revoked token, or the token's user is disabled",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def build_document() -> dict:
    paths: dict = {}
    for module in (catalog, serials, receipts, scans, reports):
        for path, operations in module.OPENAPI_PATHS.items():
            paths.setdefault(path, {}).update(operations)
    for operations in paths.values():
        for operation in operations.values():
            if operation.get("security") != []:  # every token-protected call can be refused
                operation.setdefault("responses", {}).setdefault("401", UNAUTHORIZED)
    paths["/openapi.json"] = {
        "get": {
            "tags": ["meta"],
            "summary": "This OpenAPI 3 document (no token needed)",
            "security": [],
            "responses": {"200": {"description": "The document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        }
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Serial Portal API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


@bp.route("/openapi.json")
def openapi_document():
    return jsonify(build_document())
