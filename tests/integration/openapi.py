"""Holds the server's answers to its own description, docs/openapi.yaml: the harness hands
every answer to an /api/ or /keys/ request here, so each integration test checks, besides
what it asserts, that the status is one the document lists for that operation and that a
JSON body matches the document's schema for it (JSON Schema 2020-12, as OpenAPI 3.1 says).
"""
import json
import os
import re
import threading

import jsonschema
import yaml

DOCUMENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                        "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "patch")

_lock = threading.Lock()
_loaded = None


def document():
    global _loaded
    with _lock:
        if _loaded is None:
            with open(DOCUMENT) as f:
                doc = yaml.safe_load(f)
            operations = []
            for template, item in doc["paths"].items():
                pattern = "^" + re.sub(r"\\{[^/}]+\\}", "[^/]+", re.escape(template)) + "$"
                operations.append((re.compile(pattern), template, item))
            resolver = jsonschema.RefResolver.from_schema(doc)
            _loaded = (doc, operations, resolver)
        return _loaded


def documented_routes():
    """Every (METHOD, path template) the document describes."""
    doc, _, _ = document()
    return {(method.upper(), template) for template, item in doc["paths"].items()
            for method in item if method in METHODS}


def _resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def check(method, path, status, content_type, body, request=None):
    """Raises AssertionError naming what the answer does not do as the document says.
    `request`: the JSON text sent, if any; a request the server accepted (2xx) must
    match the document's request schema, or the document misleads whoever writes one."""
    doc, operations, resolver = document()
    path = path.split("?", 1)[0]
    item = next(((template, item) for pattern, template, item in operations
                 if pattern.match(path)), None)
    # The router's own refusals (no such path, no such method) belong to no operation.
    if item is None or method.lower() not in item[1]:
        if status in (404, 405):
            return
        raise AssertionError(f"{method} {path} answered {status} but is not in docs/openapi.yaml")
    template, operation = item[0], item[1][method.lower()]
    if request is not None and 200 <= status < 300:
        _check_request(doc, resolver, method, template, operation, request)
    responses = operation["responses"]
    spec = responses.get(str(status)) or responses.get(f"{status // 100}XX") or \
        responses.get("default")
    if spec is None:
        raise AssertionError(f"{method} {template} answered {status}, which docs/openapi.yaml "
                             f"does not list (it lists {sorted(responses)})")
    spec = _resolve(doc, spec)
    content = spec.get("content")
    if not content:
        if body:
            raise AssertionError(f"{method} {template} {status}: a body where the document "
                                 "describes none")
        return
    media_type = (content_type or "").split(";")[0].strip().lower()
    media = content.get(media_type)
    if media is None:
        raise AssertionError(f"{method} {template} {status}: {media_type or 'no type'}, where "
                             f"the document lists {sorted(content)}")
    if not media_type.endswith("json") or "schema" not in media:
        return
    try:
        value = json.loads(body)
    except ValueError as e:
        raise AssertionError(f"{method} {template} {status}: not JSON ({e})")
    schema = _resolve(doc, media["schema"])
    errors = sorted(jsonschema.Draft202012Validator(schema, resolver=resolver).iter_errors(value),
                    key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(the body)"
        raise AssertionError(f"{method} {template} {status}: at {where}: {errors[0].message}")


def _check_request(doc, resolver, method, template, operation, request):
    media = _resolve(doc, operation.get("requestBody", {})).get("content", {}).get(
        "application/json")
    if media is None:
        raise AssertionError(f"{method} {template} accepted JSON, which docs/openapi.yaml "
                             "does not describe as its request body")
    try:
        value = json.loads(request)
    except ValueError:
        return
    schema = _resolve(doc, media["schema"])
    errors = sorted(jsonschema.Draft202012Validator(schema, resolver=resolver).iter_errors(value),
                    key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(the body)"
        raise AssertionError(f"{method} {template} accepted a request the document refuses: "
                             f"at {where}: {errors[0].message}")
