"""`qadam`: the operator's and developer's command line (the system as a whole: it knows every service)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qadam.config import Settings, load_settings, settings_table

from .system import API_SERVICES, CONSUMERS, SERVICES, settings_classes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qadam", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    keys = sub.add_parser("keys", help="create the development RS256 key pair and sealing keys (if missing)")
    keys.add_argument("--force", action="store_true", help="replace an existing pair")
    keys.add_argument("--production", action="store_true",
                      help="keys for production: not marked as development keys, which QADAM_ENV=production refuses")

    token = sub.add_parser("token", help="issue a signed token for a user (development and tests)")
    token.add_argument("--user", required=True, help="user id (the token's sub)")
    token.add_argument("--role", required=True, help="psychologist, inspector, supervisor, manager, administrator, ...")
    token.add_argument("--region")
    token.add_argument("--district")
    token.add_argument("--mahalla")
    token.add_argument("--ttl", type=int, help="seconds the token lives (default and most the services accept: "
                                               "QADAM_TOKEN_TTL_SECONDS)")

    migrate = sub.add_parser("migrate", help="create and migrate services' databases")
    migrate.add_argument("services", nargs="*", default=list(SERVICES))

    replay = sub.add_parser("replay", help="return parked messages of a service to its queue")
    # every service that consumes has a parking queue (enrollment too: it follows attendance for progress)
    replay.add_argument("service", choices=list(CONSUMERS))
    replay.add_argument("--limit", type=int)

    audit = sub.add_parser("audit", help="the audit log of a service (its API, or the portal's pages)")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="walk the hash chain and report every row changed, removed or inserted")
    verify.add_argument("service", choices=SERVICES)
    verify.add_argument("--anchors", type=Path, metavar="FILE",
                        help="JSON lines of the heads written at earlier runs (kept outside the database): check "
                             "each is still in the chain unchanged, then, if all is well, append today's head")

    docs = sub.add_parser("asyncapi", help="print the AsyncAPI document of all events")
    docs.add_argument("--out", type=Path)
    defs = sub.add_parser("definitions", help="print the RabbitMQ definitions (topology)")
    defs.add_argument("--out", type=Path)
    sub.add_parser("broker-policies", help="set the queues' policies (delivery limit, dead-lettering) on the vhost "
                                           "of QADAM_AMQP_URL, through the management API or rabbitmqctl (development)")
    operator = sub.add_parser("rabbitmq-operator",
                              help="print the topology as RabbitMQ Messaging Topology Operator resources (YAML)")
    operator.add_argument("--out", type=Path)
    sub.add_parser("settings", help="print every setting as a Markdown table")
    spec = sub.add_parser("openapi", help="print a service's OpenAPI document")
    spec.add_argument("service", choices=API_SERVICES)
    spec.add_argument("--out", type=Path)
    sub.add_parser("run", help="run the whole system locally (what `make run` does)")
    seeding = sub.add_parser("seed", help="seed a demo region through the running services' APIs")
    seeding.add_argument("--base-port", type=int, default=8001, help="the first API's port (the portal's is one less)")

    args = parser.parse_args(argv)
    if args.command == "keys":
        return _keys(args.force, production=args.production)
    if args.command == "token":
        return _token(args)
    if args.command == "migrate":
        from qadam.migrations import upgrade

        for service in args.services:
            settings = load_settings(service)
            upgrade(service, settings.database_url)
            print(f"{service}: migrated {settings.database_url.rsplit('/', 1)[-1]}")
        return 0
    if args.command == "replay":
        from qadam.replay import replay_parked

        from .system import topology

        moved = replay_parked(service=args.service, amqp_url=load_settings(args.service).amqp_url, topology=topology(),
                              limit=args.limit)
        print(f"{args.service}: {moved} parked message(s) returned to {args.service}.incoming")
        return 0
    if args.command == "audit":
        return _verify_audit(args.service, args.anchors)
    if args.command == "asyncapi":
        from .system import asyncapi

        return _write_json(asyncapi(), args.out)
    if args.command == "definitions":
        from .system import topology

        return _write_json(topology().definitions(), args.out)
    if args.command == "broker-policies":
        from .system import set_policies, topology

        unset = set_policies(load_settings("qadam").amqp_url)
        if unset:
            print(f"the queues' policies are not set: {unset}", file=sys.stderr)
            return 1
        print(f"set {len(topology().policies())} queue policies")
        return 0
    if args.command == "rabbitmq-operator":
        from .system import operator_yaml

        text = operator_yaml()
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text)
        else:
            print(text, end="")
        return 0
    if args.command == "openapi":
        return _write_json(openapi_document(args.service), args.out)
    if args.command == "run":
        from .devrun import run

        return run()
    if args.command == "seed":
        from .demo import seed

        return seed(args.base_port)
    if args.command == "settings":
        sys.stdout.write(settings_markdown())
        return 0
    return 2


def settings_markdown() -> str:
    """Every setting as Markdown: the kit's (every service reads them), then what each service adds; the README's
    settings tables are this text."""
    parts = []
    for owner, kind in settings_classes().items():
        lines = [f"### {owner}", "", "| variable | default | meaning |", "|---|---|---|"]
        for name, default, meaning in settings_table(kind):
            lines.append(f"| `{name}` | `{default}` | {meaning} |" if default else f"| `{name}` | | {meaning} |")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def openapi_document(service: str) -> dict[str, object]:
    """A service's OpenAPI document, built without a database, a broker or key files."""
    from importlib import import_module

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from qadam.auth import TokenVerifier
    from qadam_contracts.roles import ACCESS_POLICY

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    app = import_module(f"{service}.app").create_app(
        {"log_level": "WARNING"}, verifier=TokenVerifier(pem, policy=ACCESS_POLICY, issuer="qadam-portal", audience="qadam"))
    return app.test_client().get("/openapi.json").get_json()


def _verify_audit(service: str, anchors_file: Path | None) -> int:
    """Exit 1 when the chain is broken or an anchor is missing (each break printed with its row id), 0 when every
    row and anchor checks; either way the head is printed and, with an anchors file, appended to it."""
    from qadam.audit import read_anchors, verify_service, write_anchor

    try:
        anchors = read_anchors(anchors_file, service) if anchors_file else []
    except (OSError, ValueError) as exc:
        print(f"{service}: the anchors file cannot be read: {exc}", file=sys.stderr)
        return 2
    result = verify_service(load_settings(service).database_url, anchors)
    for found in result.breaks:
        print(f"{service}: audit row {found.id}: {found.problem}")
    against = f" against {len(anchors)} anchor(s)" if anchors_file else ""
    if result.breaks:
        print(f"{service}: {result.checked} audit row(s) checked{against}, {len(result.breaks)} break(s) in the "
              "chain: it was tampered with")
    else:
        print(f"{service}: {result.checked} audit row(s) checked{against}, the chain is intact")
    if result.head is not None:
        print(f"{service}: head row {result.head[0]} hash {result.head[1]}")
        if anchors_file:  # anchored even when broken: what is removed after tonight must still show tomorrow
            write_anchor(anchors_file, service, result.head)
            print(f"{service}: head anchored in {anchors_file}")
    return 1 if result.breaks else 0


def _keys(force: bool, *, production: bool = False) -> int:
    from qadam import sealing
    from qadam.auth import generate_keypair

    settings = Settings.from_env("qadam")
    notes = Path(settings.sealing_key_file).expanduser()
    if sealing.ensure(notes, development=not production):
        print(f"wrote the sealing key file {notes}" + ("" if production else " (development)"))
    private, public = settings.key_path("private"), settings.key_path("public")
    if private.exists() and public.exists() and not force:
        print(f"keys present: {public}")
        return 0
    generate_keypair(private, public, development=not production)
    print(f"wrote {private} and {public}")
    from .keys import read_run_record

    running = read_run_record()
    if running is not None and Path(running.private_key) != private.resolve():
        print(f"note: the system `make run` started in {running.checkout} signs with {running.private_key}; its "
              "services do not trust the keys written here (`qadam token` uses its key wherever it is run)",
              file=sys.stderr)
    return 0


def _token(args: argparse.Namespace) -> int:
    """A token signed with the running system's key, wherever this is run from (see `keys.find_private_key`)."""
    from qadam.auth import issue_token
    from qadam_contracts.roles import Role

    from .keys import find_private_key

    if args.role not in set(Role):
        print(f"{args.role!r} is not a role; choose one of: {', '.join(Role)}", file=sys.stderr)
        return 2
    settings = Settings.from_env("qadam")
    found = find_private_key(settings)
    if found.path is None:
        print(found.explain(), file=sys.stderr)
        return 1
    print(issue_token(found.path.read_bytes(), user_id=args.user, role=args.role, issuer=settings.jwt_issuer,
                      audience=settings.jwt_audience, region=args.region, district=args.district,
                      mahalla=args.mahalla, ttl_seconds=args.ttl or settings.token_ttl_seconds))
    return 0


def _write_json(document: object, out: Path | None) -> int:
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if out:
        out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
