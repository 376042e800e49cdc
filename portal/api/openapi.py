"""The OpenAPI 3.1 document, generated from the declarations every API view
carries (``schema.operation``): its routes, roles, query, body and answer
models. Nothing here describes an endpoint by hand."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..web.errors import ErrorBody
from . import URL_PREFIX, bp, idempotency
from .schema import REASONS, Operation, operation

REF = "#/components/schemas/{model}"
METHODS = ("get", "post", "put", "patch", "delete")
CONVERTERS = {"int": {"type": "integer", "minimum": 0}, "path": {"type": "string"}, "default": {"type": "string"}}


def _path(rule) -> tuple[str, list[dict]]:
    """Flask's /warehouses/<code>/bins -> /warehouses/{code}/bins, and its path parameters."""
    parameters = []
    path = rule.rule.removeprefix(URL_PREFIX)
    for converter, name in re.findall(r"<(?:([a-z_]+):)?([a-z_]+)>", path):
        parameters.append({"name": name, "in": "path", "required": True,
                           "schema": dict(CONVERTERS.get(converter or "default", CONVERTERS["default"]))})
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", path), parameters


def _operations(app) -> list[tuple[str, str, str, Operation, list[dict]]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        op = getattr(app.view_functions[rule.endpoint], "api_operation", None)
        if op is None:  # the benchmark floor, registered only for benchmarks
            continue
        path, parameters = _path(rule)
        for method in sorted(m.lower() for m in rule.methods if m.lower() in METHODS):
            found.append((path, method, rule.endpoint.removeprefix("api."), op, parameters))
    return found


def _models(op: Operation) -> list[tuple[type[BaseModel], str]]:
    wanted = [(m, "validation") for m in (op.body, op.form, op.query) if m is not None]
    for value in [*op.answers.values(), *op.errors.values()]:
        for model in value if isinstance(value, tuple) else (value,):
            if isinstance(model, type) and issubclass(model, BaseModel):
                wanted.append((model, "serialization"))
    return wanted


def _content(model_or_models, refs) -> dict:
    models = [m for m in (model_or_models if isinstance(model_or_models, tuple) else (model_or_models,))
              if isinstance(m, type)]
    schemas = [refs[(m, "serialization")] for m in models]
    return {"application/json": {"schema": schemas[0] if len(schemas) == 1 else {"anyOf": schemas}}}


def _error_response(status: int, declared: Any, refs) -> dict:
    reason = declared if isinstance(declared, str) else REASONS[status]
    models = (ErrorBody,)
    if isinstance(declared, tuple):
        reason = next((d for d in declared if isinstance(d, str)), REASONS[status])
        models = (*[d for d in declared if isinstance(d, type)], ErrorBody)
    response = {"description": reason, "content": _content(models, refs),
                "headers": {"X-Portal-Error": {"description": "The error's code", "schema": {"type": "string"}}}}
    if status == 503:
        response["headers"]["Retry-After"] = {"description": "Seconds to wait", "schema": {"type": "integer"}}
    return response


def _query_parameters(model, refs, defs) -> list[dict]:
    schema = defs[refs[(model, "validation")]["$ref"].rsplit("/", 1)[1]]
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", "")
        prop.pop("title", None)
        if "anyOf" in prop:  # an optional parameter: its non-null type
            choices = [c for c in prop.pop("anyOf") if c.get("type") != "null"]
            prop.update(choices[0] if len(choices) == 1 else {"anyOf": choices})
        parameters.append({"name": name, "in": "query", "required": name in required,
                           "description": description, "schema": prop})
    return parameters


def _inline(model, refs, defs) -> dict:
    return dict(defs[refs[(model, "validation")]["$ref"].rsplit("/", 1)[1]])


def _referenced(document: dict, defs: dict) -> dict:
    """Only the schemas something refers to (request bodies and query models are inlined)."""
    keep: set[str] = set()
    pending = [document["paths"]]
    while pending:
        text = json.dumps(pending.pop())
        for name in set(re.findall(r'"#/components/schemas/([^"]+)"', text)) - keep:
            keep.add(name)
            pending.append(defs[name])
    return {name: defs[name] for name in sorted(keep)}


def build_document(app=None) -> dict:
    app = app or current_app
    operations = _operations(app)
    wanted = list(dict.fromkeys([(ErrorBody, "serialization"), *(m for *_, op, _p in operations
                                                                  for m in _models(op))]))
    refs, top = models_json_schema(wanted, ref_template=REF)
    defs = top.get("$defs", {})
    paths: dict[str, dict] = {}
    for path, method, endpoint, op, path_parameters in operations:
        entry: dict[str, Any] = {"tags": [op.tag], "summary": op.summary, "operationId": endpoint}
        if op.description:
            entry["description"] = op.description
        if op.roles:
            who = ", ".join(op.roles)
            entry["description"] = (entry.get("description", "") + f" Roles: {who} (admins always).").strip()
        parameters = list(path_parameters)
        if op.query is not None:
            parameters += _query_parameters(op.query, refs, defs)
        if op.idempotent:
            parameters.append({"name": idempotency.HEADER, "in": "header", "required": True,
                               "description": "The same value on every retry of this request: a repeat answers "
                                              "the first answer; the same key with another body is a 422",
                               "schema": {"type": "string", "maxLength": idempotency.MAX_KEY_LENGTH}})
        if parameters:
            entry["parameters"] = parameters
        for model, kind in ((op.body, "application/json"), (op.form, "multipart/form-data")):
            if model is not None:  # inline: the request's own schema, its parts by reference
                entry["requestBody"] = {"required": True, "content": {kind: {"schema": _inline(model, refs, defs)}}}
        responses: dict[str, Any] = {}
        for status, model in op.answers.items():
            content = _content(model, refs) if model is not None else {}
            if status == 200 and op.downloads:
                content.update({kind: {"schema": schema} for kind, schema in op.downloads.items()})
            first = model[0] if isinstance(model, tuple) else model  # several answers: the first one's words
            responses[str(status)] = {"description": first.__doc__.strip().splitlines()[0]
                                      if first is not None and first.__doc__ else "OK", "content": content}
        errors = op.error_statuses(has_path_params=bool(path_parameters), is_write=method != "get")
        for status, declared in errors.items():
            responses[str(status)] = _error_response(status, declared, refs)
        entry["responses"] = dict(sorted(responses.items()))
        if op.public:
            entry["security"] = []
        paths.setdefault(path, {})[method] = entry
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Serial Portal API",
            "version": "1",
            "description": "Request bodies ignore fields they do not know, so older and newer clients keep "
                           "working; a missing required field or a wrong type is a 422 naming each field in "
                           "error.details.fields. Every error answers {\"error\": {\"code\", \"message\", "
                           "\"details\"}} and names its code in the X-Portal-Error header.",
        },
        "servers": [{"url": URL_PREFIX}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": defs},
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
    }
    document["components"]["schemas"] = _referenced(document, defs)
    return document


class OpenApiDocument(BaseModel):
    """This OpenAPI 3.1 document"""

    model_config = {"extra": "allow"}


@bp.get("/openapi.json")
@operation(tag="meta", summary="This OpenAPI 3.1 document (no token needed)", public=True,
           answers={200: OpenApiDocument})
def openapi_document():
    return jsonify(build_document())
