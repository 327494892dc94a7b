"""Figures of the code's shape, for a before-and-after: `python -m qadam_tools.house` from the checkout.

- the longest route functions (a function behind a Flask or flask-smorest route, in the services' `api` and the
  portal's `views`), in lines;
- how often `dict[str, Any]` is written outside tests and migrations;
- the lines of the kit (`libs/qadam/qadam`) that name a service (the issue's grep).
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
SERVICE_WORDS = re.compile(r"sessions\.|enrollment\.|risk\.|notify\.|portal")


def _is_route(node: ast.AST) -> bool:
    for decorator in getattr(node, "decorator_list", []):
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATORS:
            return True
    return False


def route_functions(root: Path) -> Iterator[tuple[int, str]]:
    """(lines, place) of every route function: decorated ones, and the methods of a routed MethodView."""
    files = [*root.glob("services/*/*/api/**/*.py"), *root.glob("services/*/*/api.py"),
             *root.glob("services/portal/portal/views/*.py")]
    for path in sorted(files):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and _is_route(node):
                yield node.end_lineno - node.lineno + 1, f"{path.relative_to(root)}:{node.lineno} {node.name}"  # type: ignore[operator]
            elif isinstance(node, ast.ClassDef) and _is_route(node):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name in ROUTE_DECORATORS:
                        yield (item.end_lineno - item.lineno + 1,  # type: ignore[operator]
                               f"{path.relative_to(root)}:{item.lineno} {node.name}.{item.name}")


def tracked_python(root: Path) -> list[Path]:
    out = subprocess.run(["git", "-C", str(root), "ls-files", "*.py"], capture_output=True, text=True, check=True)
    return [root / line for line in out.stdout.split()]


def untyped_dicts(root: Path) -> int:
    count = 0
    for path in tracked_python(root):
        parts = path.relative_to(root).parts
        if "tests" in parts or "migrations" in parts or parts[0] in ("tests", "bench"):
            continue
        count += path.read_text().count("dict[str, Any]")
    return count


def kit_naming_services(root: Path) -> list[str]:
    kit = root / "libs/qadam/qadam"
    return [f"{path.relative_to(root)}:{n}" for path in sorted(kit.rglob("*.py"))
            for n, line in enumerate(path.read_text().splitlines(), 1) if SERVICE_WORDS.search(line)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    routes = sorted(route_functions(args.root), reverse=True)
    print(f"route functions: {len(routes)}; longer than 30 lines: {sum(1 for n, _ in routes if n > 30)}")
    for lines, place in routes[:args.top]:
        print(f"  {lines:4d} lines  {place}")
    print(f"dict[str, Any] outside tests and migrations: {untyped_dicts(args.root)}")
    naming = kit_naming_services(args.root)
    print(f"lines of libs/qadam/qadam naming a service: {len(naming)}")


if __name__ == "__main__":
    main()
