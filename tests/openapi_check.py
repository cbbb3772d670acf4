"""openapi_check.py - every answer the integration tests receive, checked against the
contract (docs/openapi.yaml).

inkwell_test.Http.req calls check() on each answer, so every test file validates what it
sees without asking: the answer's path is matched to a templated path of the document, its
status to a documented response (or `default`), its Content-Type to one of that response's
media types, and a JSON body to that media type's schema (OpenAPI 3.1 schemas are JSON
Schema 2020-12; $refs resolve inside the document). Paths the document does not have (the
web app, probes of unknown routes) and methods it has no operation for (405s) are not
checked: there is no contract to break.

Debian packages: python3-yaml, python3-jsonschema (4.10: RefResolver, Draft202012Validator).
"""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import yaml

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
JSON_TYPES = ("application/json", "application/problem+json", "application/health+json")


class ContractError(AssertionError):
    """An answer the document does not allow."""


class Contract:
    def __init__(self, doc):
        self.doc = doc
        self.resolver = jsonschema.RefResolver.from_schema(doc)
        # Literal paths before templated ones, as OpenAPI asks ("/v1/users/me" is not
        # "/v1/users/{id}"): fewest parameters first.
        routes = []
        for template in doc["paths"]:
            parts = re.split(r"(\{[^/}]+\})", template)
            rx = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
            routes.append((template.count("{"), template, re.compile("^%s$" % rx)))
        self.routes = [(t, rx) for _, t, rx in sorted(routes, key=lambda r: r[0])]

    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            _, obj = self.resolver.resolve(obj["$ref"])
        return obj

    def template_of(self, path):
        for template, rx in self.routes:
            if rx.match(path):
                return template
        return None

    def response_of(self, method, path, status):
        """(template, response object) for an answer, or (None, None) when the document
        has no operation for method + path. Raises ContractError for an undocumented
        status."""
        template = self.template_of(path)
        if template is None:
            return None, None
        op = self.doc["paths"][template].get(method.lower())
        if op is None:
            return None, None
        responses = op["responses"]
        for key in (str(status), "%dXX" % (status // 100), "default"):
            if key in responses:
                return template, self.deref(responses[key])
        raise ContractError("%s %s: status %d is not documented" % (method, template, status))

    def check(self, method, url, status, content_type, raw, parsed):
        """Raise ContractError when the answer breaks the document; else return the
        template it was checked against (None: not checked)."""
        if method.upper() == "HEAD":
            return None  # no body; the GET beside it is checked
        template, resp = self.response_of(method, urlsplit(url).path, status)
        if resp is None:
            return None
        where = "%s %s -> %d" % (method, template, status)
        content = resp.get("content")
        if not content:
            if raw:
                raise ContractError("%s: documented without a body, got %d bytes" %
                                    (where, len(raw)))
            return template
        if content_type not in content:
            raise ContractError("%s: Content-Type %r is not one of %s" %
                                (where, content_type, sorted(content)))
        if content_type not in JSON_TYPES:
            return template
        if isinstance(parsed, (bytes, bytearray)):
            raise ContractError("%s: %s body is not JSON: %r" % (where, content_type, raw[:200]))
        schema = content[content_type].get("schema", {})
        validator = jsonschema.Draft202012Validator(schema, resolver=self.resolver)
        errors = sorted(validator.iter_errors(parsed), key=lambda e: list(e.absolute_path))
        if errors:
            e = errors[0]
            raise ContractError("%s: body breaks the schema at %s: %s\nbody: %s" %
                                (where, "/".join(str(p) for p in e.absolute_path) or "(root)",
                                 e.message, json.dumps(parsed)[:1000]))
        return template


_contract = None


def contract():
    """The document's Contract, loaded once per process."""
    global _contract
    if _contract is None:
        with open(DOC_PATH, encoding="utf-8") as f:
            _contract = Contract(yaml.safe_load(f))
    return _contract


def check(method, url, status, content_type, raw, parsed):
    return contract().check(method, url, status, content_type, raw, parsed)
