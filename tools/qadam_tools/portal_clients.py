"""The portal's typed clients, written from the services' committed OpenAPI documents: one class per service with
one method per operation the portal calls (typed parameters, TypedDict answers), over the portal's Backend (the
user's token, the correlation id, an idempotency key on every POST, problem+json raised as ServiceError).

`python -m qadam_tools.portal_clients` (run by `make docs`) writes services/portal/portal/clients/<service>.py, and
once what several services' clients would write the same: the TypedDicts in `_shapes.py`, the operations every
service answers alike in the base client of `_service_client.py`. A test checks the committed files are what the
documents give. A page that needs another operation adds it to OPERATIONS and runs `make docs`."""

from __future__ import annotations

import argparse
import functools
import json
import keyword
import re
import textwrap
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .system import API_SERVICES

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "services/portal/portal/clients"
SHAPES = "_shapes"  # the module of the TypedDicts several services' clients share
SERVICE_CLIENT = "_service_client"  # the module of the base client, with the operations every service has alike

# service -> (method name, HTTP method, path[, "file"]): what the portal's pages call, and nothing else. A "file"
# operation answers with the response itself (a download: its bytes and content type), not its JSON.
OPERATIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "enrollment": (
        ("programmes", "GET", "/programmes"),
        ("define_programme", "POST", "/programmes"),
        ("programme", "GET", "/programmes/{programme_id}"),
        ("cohorts", "GET", "/cohorts"),
        ("cohort", "GET", "/cohorts/{cohort_id}"),
        ("participant", "GET", "/participants/{participant_id}"),
        ("protection_orders", "GET", "/protection-orders"),
        ("protection_order", "GET", "/protection-orders/{order_id}"),
        ("enrolments", "GET", "/enrolments"),
        ("enrolment", "GET", "/enrolments/{enrolment_id}"),
        ("set_victim_support_worker", "PUT", "/enrolments/{enrolment_id}/victim-support-worker"),
        ("transitions", "GET", "/enrolments/{enrolment_id}/transitions"),
        ("move_enrolment", "POST", "/enrolments/{enrolment_id}/transitions"),
        ("supported_enrolments", "GET", "/supported-enrolments"),
        ("supported_enrolment", "GET", "/supported-enrolments/{enrolment_id}"),
        ("refer", "POST", "/referrals"),
        ("find_participants", "GET", "/participants"),
        ("transfer", "POST", "/enrolments/{enrolment_id}/transfer"),
        ("transfer_options", "GET", "/enrolments/{enrolment_id}/transfer-options"),
        ("transfers", "GET", "/transfers"),
        ("decide_transfer", "POST", "/transfers/{transfer_id}/decision"),
        ("agree_correction_plan", "PUT", "/protection-orders/{order_id}/correction-plan"),
        ("extend_order", "POST", "/protection-orders/{order_id}/extensions"),
        ("end_order", "PATCH", "/protection-orders/{order_id}"),
        ("completion_report", "GET", "/reports/completion"),
        ("completion_report_file", "GET", "/reports/completion", "file"),
        ("national_rollup", "GET", "/reports/rollup"),
        ("outcome_report", "GET", "/reports/outcomes"),
        ("outcome_report_file", "GET", "/reports/outcomes", "file"),
        # the manager's cohorts, programme versions and waiting lists
        ("form_cohort", "POST", "/cohorts"),
        ("change_cohort", "PATCH", "/cohorts/{cohort_id}"),
        ("version_programme", "POST", "/programmes/{programme_id}/versions"),
        ("waiting_list", "GET", "/cohorts/{cohort_id}/waiting-list"),
        ("place_waiting", "POST", "/waiting-list/{waiting_id}/placement"),
        # a man's papers, and the check of a printed copy
        ("documents", "GET", "/enrolments/{enrolment_id}/documents"),
        ("issue_document", "POST", "/enrolments/{enrolment_id}/documents"),
        ("document_pdf", "GET", "/documents/{number}/pdf", "file"),
        ("print_register", "POST", "/sessions/{session_id}/register"),
        ("check_document", "GET", "/documents/{number}"),
        ("audit", "GET", "/audit"),
    ),
    "sessions": (
        ("sessions", "GET", "/sessions"),
        ("session", "GET", "/sessions/{session_id}"),
        ("cohort_sessions", "GET", "/cohorts/{cohort_id}/sessions"),
        ("schedule_session", "POST", "/cohorts/{cohort_id}/sessions"),
        ("plan_sessions", "POST", "/cohorts/{cohort_id}/sessions/plan"),
        ("change_session", "PATCH", "/sessions/{session_id}"),
        ("record_fidelity", "PUT", "/sessions/{session_id}/fidelity"),
        ("attendance", "GET", "/sessions/{session_id}/attendance"),
        ("record_attendance", "POST", "/sessions/{session_id}/attendance"),
        ("amendments", "GET", "/sessions/{session_id}/attendance/{enrolment_id}/amendments"),
        ("amend_mark", "POST", "/sessions/{session_id}/attendance/{enrolment_id}/amendments"),
        ("notes", "GET", "/sessions/{session_id}/notes"),
        ("write_note", "POST", "/sessions/{session_id}/notes"),
        ("enrolment_attendance", "GET", "/enrolments/{enrolment_id}/attendance"),
        ("calls", "GET", "/calls"),
        ("record_call_outcome", "POST", "/calls/{call_id}/outcome"),
        ("fidelity_report", "GET", "/reports/fidelity"),
        ("workload_report", "GET", "/reports/workload"),
        ("audit", "GET", "/audit"),
    ),
    "risk": (
        ("levels", "GET", "/levels"),
        ("explanation", "GET", "/enrolments/{enrolment_id}/risk"),
        ("flags", "GET", "/flags"),
        ("incidents", "GET", "/enrolments/{enrolment_id}/incidents"),
        ("report_incident", "POST", "/enrolments/{enrolment_id}/incidents"),
        ("instruments", "GET", "/instruments"),
        ("assessments", "GET", "/enrolments/{enrolment_id}/assessments"),
        ("record_assessment", "POST", "/enrolments/{enrolment_id}/assessments"),
        ("audit", "GET", "/audit"),
    ),
    "notify": (
        ("notifications", "GET", "/notifications"),
        ("notification", "GET", "/notifications/{notification_id}"),
        ("acknowledge", "POST", "/notifications/{notification_id}/acknowledge"),
        ("figures", "GET", "/figures"),
        ("region_figures", "GET", "/figures/regions"),
        ("unassigned_escalations", "GET", "/escalations/unassigned"),
        ("audit", "GET", "/audit"),
    ),
}
PAGE_FIELDS = {"items", "page", "page_size", "total"}
WIDTH = 120  # the longest line written


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _identifier(name: str) -> str:
    """A parameter's name as a Python keyword argument (`from` -> `from_`)."""
    return f"{name}_" if keyword.iskeyword(name) else name.replace("-", "_")


class _Writer:
    """One service's module: the TypedDicts its operations need, then the client class."""

    def __init__(self, service: str, document: dict[str, Any]) -> None:
        self.service = service
        self.schemas: dict[str, Any] = document["components"]["schemas"]
        self.paths: dict[str, Any] = document["paths"]
        self.needed: list[str] = []  # component schemas, in the order first met

    def type_of(self, schema: dict[str, Any] | None, *, query: bool = False) -> str:
        if not schema:
            return "Any"
        if "$ref" in schema:
            return self._need(_ref_name(schema["$ref"]))
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.type_of(schema["allOf"][0], query=query)
        if "anyOf" in schema:  # flask-smorest's nullable nested schema: {nullable object} or the schema
            kinds = [self.type_of(s, query=query) for s in schema["anyOf"] if "$ref" in s]
            nullable = any(s.get("nullable") for s in schema["anyOf"])
            return " | ".join(kinds) + (" | None" if nullable else "") if kinds else "Any"
        kind = schema.get("type")
        if kind == "array":
            inner = self.type_of(schema.get("items"), query=query)
            text = f"Sequence[{inner}]" if query else f"list[{inner}]"
        elif kind == "string":
            text = "str | UUID" if query and schema.get("format") == "uuid" else "str"
        else:
            text = {"integer": "int", "number": "float", "boolean": "bool"}.get(str(kind), "Any")
            if kind == "object":
                text = "dict[str, Any]"
        return f"{text} | None" if schema.get("nullable") and text != "Any" else text

    def _need(self, name: str) -> str:
        if name not in self.needed:
            self.needed.append(name)
            for prop in self.schemas[name].get("properties", {}).values():
                self.type_of(prop)
        return name

    def typed_dict(self, name: str) -> list[str]:
        schema = self.schemas[name]
        props: dict[str, Any] = schema.get("properties", {})
        fields = [(key, self.type_of(prop)) for key, prop in props.items() if not prop.get("writeOnly")]
        if any(not key.isidentifier() or keyword.iskeyword(key) for key, _t in fields):
            # a key that is no Python name (`from`): the functional form, its types as forward references
            return [f'{name} = TypedDict("{name}", {{', *(f'    "{key}": "{kind}",' for key, kind in fields),
                    "}, total=False)", "", ""]
        lines = [f"class {name}(TypedDict, total=False):"]
        lines += [f"    {key}: {kind}" for key, kind in fields] or ["    pass"]
        return [*lines, "", ""]

    def query_arg(self, parameter: dict[str, Any]) -> str:
        """A query parameter as a keyword argument: typed, None (left out of the request) unless required."""
        kind = self.type_of(parameter.get("schema"), query=True)
        name = _identifier(parameter["name"])
        if parameter.get("required"):
            return f"{name}: {kind}"
        return f"{name}: {kind if kind.endswith(' | None') or kind == 'Any' else kind + ' | None'} = None"

    def method(self, name: str, http: str, path: str, *kind: str) -> list[str]:
        """The method of one operation, and for a paginated list `all_<name>` that reads every page."""
        item = self.paths[path]
        operation = item[http.lower()]
        params = [*item.get("parameters", []), *operation.get("parameters", [])]
        path_params = [p for p in params if p["in"] == "path"]
        query = [p for p in params if p["in"] == "query"]
        body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        answer = next((r for code, r in operation["responses"].items() if code in ("200", "201")), None)
        answer_schema = (answer or {}).get("content", {}).get("application/json", {}).get("schema")
        is_file = kind == ("file",)
        returns = "Response" if is_file else self.type_of(answer_schema) if answer_schema else "None"
        args = [f"{_identifier(p['name'])}: str | UUID" for p in path_params]
        if body_schema is not None:
            args.append(f"body: {self.type_of(body_schema)}")
        args += [self.query_arg(p) for p in sorted(query, key=lambda p: not p.get("required"))]
        if http == "POST":
            args.append("idempotency_key: str | None = None")
        url = ("f" if path_params else "") + json.dumps(path)
        call = [json.dumps(http), "self.service", url]
        if query:
            call.append("params=" + _mapping({p["name"]: _identifier(p["name"]) for p in query}, 12))
        if body_schema is not None:
            call.append("json=body")
        if http == "POST":
            call.append("idempotency_key=idempotency_key")
        summary = " ".join(str(operation.get("summary") or "").split())
        lines = [*_signature(name, args, returns), *_docstring(f"{http} {path}" + (f": {summary}" if summary else ""))]
        if is_file:
            lines += ["        return self._backend.request(", *(f"            {c}," for c in call), "        )"]
            return [*lines, ""]
        if returns == "None":
            lines += ["        self._backend.call(", *(f"            {c}," for c in call), "        )"]
        else:
            lines += ["        answer = self._backend.call(", *(f"            {c}," for c in call), "        )",
                      f"        return cast({returns}, answer)"]
        page = self.schemas.get(_ref_name(answer_schema.get("$ref", ""))) if answer_schema else None
        if http == "GET" and page and PAGE_FIELDS <= set(page.get("properties", {})):
            each = self.type_of(page["properties"]["items"]["items"])
            filters = [p for p in query if p["name"] not in ("page", "page_size")]
            all_args = [*(f"{_identifier(p['name'])}: str | UUID" for p in path_params), "limit: int = 1000",
                        *(self.query_arg(p) for p in filters)]
            passed = ["self.service", url, "limit=limit",
                      *(f"{_identifier(p['name'])}={_identifier(p['name'])}" if not keyword.iskeyword(p["name"])
                        else f"**{{{json.dumps(p['name'])}: {_identifier(p['name'])}}}" for p in filters)]
            lines += ["", *_signature(f"all_{name}", all_args, f"list[{each}]"),
                      *_docstring(f"Every item of {http} {path} (up to `limit`), a page of 100 at a time."),
                      "        found = self._backend.all_pages(", *(f"            {c}," for c in passed), "        )",
                      f"        return cast(list[{each}], found)"]
        return [*lines, ""]

    def operations(self) -> dict[str, list[str]]:
        """The client class's methods by operation, one (or two, for a paginated list) per operation the portal
        calls."""
        return {name: self.method(name, http, path, *kind) for name, http, path, *kind in OPERATIONS[self.service]}

    def shapes(self) -> dict[str, list[str]]:
        """The TypedDicts the operations need (after `operations`), by name, in the order first met."""
        out: dict[str, list[str]] = {}
        while len(out) < len(self.needed):  # a TypedDict may need more as it is written
            for name in list(self.needed):
                if name not in out:
                    out[name] = self.typed_dict(name)
        return out


def _module(doc: list[str], body: list[str], *, shapes: Collection[str] = (), base: bool = False) -> str:
    """A written module: its docstring, what `body` uses imported (the shared shapes among `shapes`, the base
    client when `base`), then `body`."""
    text = "\n".join(body)
    imported = sorted(name for name in shapes if re.search(rf"\b{name}\b", text))
    head = [*doc, "", "from __future__ import annotations", "",
            *(["from collections.abc import Sequence"] if "Sequence[" in text else []),
            *_typing_import(text), *(["from uuid import UUID"] if "UUID" in text else []), "",
            *(["from requests import Response", ""] if "-> Response" in text else []),
            *(["from ..backend import Backend"] if "Backend" in text else []),
            *([f"from .{SERVICE_CLIENT} import ServiceClient"] if base else []),
            *_import_lines(f".{SHAPES}", imported)]
    while head[-1] == "":  # a module without local imports: two blank lines after the others, not three
        head.pop()
    return "\n".join([*head, "", "", *body]).rstrip() + "\n"


def _typing_import(text: str) -> list[str]:
    names = [n for n in ("Any", "ClassVar", "TypedDict", "cast") if re.search(rf"\b{n}\b", text)]
    return [f"from typing import {', '.join(names)}"] if names else []


def _import_lines(module: str, names: list[str]) -> list[str]:
    """`from module import names`, on one line when it fits, else one name a line (as ruff's isort writes it)."""
    if not names:
        return []
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= WIDTH:
        return [line]
    return [f"from {module} import (", *(f"    {name}," for name in names), ")"]


def _signature(name: str, args: list[str], returns: str) -> list[str]:
    """`def name(self, *, ...) -> returns:`, one argument a line."""
    if not args:
        return [f"    def {name}(self) -> {returns}:"]
    return [f"    def {name}(", "        self,", "        *,", *(f"        {a}," for a in args), f"    ) -> {returns}:"]


def _docstring(text: str) -> list[str]:
    wrapped = textwrap.wrap(text, width=WIDTH - 12) or [""]
    if len(wrapped) == 1:
        return [f'        """{wrapped[0]}"""']
    return [f'        """{wrapped[0]}', *(f"        {line}" for line in wrapped[1:]), '        """']


def _mapping(pairs: dict[str, str], indent: int) -> str:
    """A dict display of query names to argument names, one pair a line."""
    pad = " " * indent
    return "{\n" + "".join(f'{pad}    "{k}": {v},\n' for k, v in pairs.items()) + pad + "}"


@dataclass(frozen=True)
class _Written:
    """One service's client as written: its methods by operation and the TypedDicts they need."""

    methods: dict[str, list[str]]
    shapes: dict[str, list[str]]


@functools.cache
def _written() -> dict[str, _Written]:
    """Every service's client, from its committed OpenAPI document: read and written once a process."""
    out: dict[str, _Written] = {}
    for service in API_SERVICES:
        writer = _Writer(service, json.loads((ROOT / f"services/{service}/openapi.json").read_text()))
        methods = writer.operations()
        out[service] = _Written(methods, writer.shapes())
    return out


def _named(lines: list[str], names: Collection[str]) -> set[str]:
    """The shapes the lines after the first name (a TypedDict's first line, or a method's, names itself)."""
    text = "\n".join(lines[1:])
    return {name for name in names if re.search(rf"\b{name}\b", text)}


def shared_shapes(written: dict[str, _Written]) -> dict[str, list[str]]:
    """The TypedDicts written the same in every service that needs them, and needed by more than one (the audit
    page and its entries, ...), in the order first met: written once in `_shapes.py`. A shape naming one that
    differs between services stays with each service, so every module's names mean one thing."""
    by_name: dict[str, dict[str, list[str]]] = {}
    for service, one in written.items():
        for name, lines in one.shapes.items():
            by_name.setdefault(name, {})[service] = lines
    shared = {name for name, versions in by_name.items()
              if len(versions) > 1 and all(v == next(iter(versions.values())) for v in versions.values())}
    while True:
        apart = {name for name in shared if _named(next(iter(by_name[name].values())), by_name) - shared}
        if not apart:
            break
        shared -= apart
    return {name: next(iter(versions.values())) for name, versions in by_name.items() if name in shared}


def shared_operations(written: dict[str, _Written], shapes: Collection[str]) -> dict[str, list[str]]:
    """The operations every service answers alike (the audit log), written once in the base client: those every
    service's client has, written the same, over shared shapes only."""
    first, *others = written.values()
    every_shape = {name for one in written.values() for name in one.shapes}
    return {name: lines for name, lines in first.methods.items()
            if all(one.methods.get(name) == lines for one in others) and not _named(lines, every_shape) - set(shapes)}


def render_shapes() -> str:
    """`_shapes.py`: the TypedDicts several services' clients share, written once."""
    shapes = shared_shapes(_written())
    return _module(['"""The answers\' shapes several services share (the audit page and its entries, ...), written once by',
                    "qadam_tools.portal_clients from the committed OpenAPI documents for the clients beside this one. Do",
                    'not edit: run `make docs`."""'], [line for lines in shapes.values() for line in lines])


def render_service_client() -> str:
    """`_service_client.py`: the base of every service's client, with the operations they all answer alike."""
    written = _written()
    shapes = shared_shapes(written)
    methods = shared_operations(written, shapes)
    body = ["class ServiceClient:",
            '    """What the portal asks every service alike, as the signed-in user; a service\'s client names the service',
            '    and adds its own operations."""', "", "    service: ClassVar[str]", "",
            "    def __init__(self, backend: Backend) -> None:", "        self._backend = backend", "",
            *(line for lines in methods.values() for line in lines)]
    return _module(['"""The base of the portal\'s clients, written by qadam_tools.portal_clients from the committed OpenAPI',
                    'documents: the operations every service answers alike, written once. Do not edit: run `make docs`."""'],
                   body, shapes=shapes)


def render(service: str) -> str:
    """The client module of `service` from its committed OpenAPI document: its own shapes and operations, the
    shared ones imported (`_shapes.py`, `_service_client.py`)."""
    written = _written()
    shapes = shared_shapes(written)
    common = shared_operations(written, shapes)
    one = written[service]
    classes = [line for name, lines in one.shapes.items() if name not in shapes for line in lines]
    methods = [line for name, lines in one.methods.items() if name not in common for line in lines]
    body = [*classes, f"class {service.capitalize()}Client(ServiceClient):",
            f'    """What the portal asks {service}, as the signed-in user."""', "", f'    service = "{service}"', "",
            *methods]
    return _module([f'"""The portal\'s client of {service}, written by qadam_tools.portal_clients from its committed',
                    f"services/{service}/openapi.json. Do not edit: add an operation to OPERATIONS there and run "
                    '`make docs`."""'], body, shapes=shapes, base=True)


RENDERERS = {SHAPES: render_shapes, SERVICE_CLIENT: render_service_client}


def render_module(name: str) -> str:
    """The module `name` of the clients' folder: `_shapes`, `_service_client` or a service's."""
    return RENDERERS[name]() if name in RENDERERS else render(name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="the folder of the client modules")
    args = parser.parse_args(argv)
    for name in (*RENDERERS, *API_SERVICES):
        (args.out / f"{name}.py").write_text(render_module(name))


if __name__ == "__main__":
    main()
