"""Issue 26's measurable bars on the code as it is: modules at the top of pipeline/, files over 500
lines, classes over 250 lines, functions over 80 lines, functions with more than 7 parameters
(click commands aside), and modules docs/architecture.md never names.

    .venv/bin/python bench/structure.py [ROOT]

The first bar counts *modules*, as the issue does (the old tree had 26 .py files side by side at
the top of pipeline/): the .py files directly in pipeline/ but `__init__.py` and `__main__.py`.
The packages at the top (the stages: articles/, segment/, ...) are printed beside it, as
information; they are not counted against the bar.

Lines are physical lines of the file (a function or class: from its `def`/`class`, or its first
decorator, to its last line). A parameter is any of a function's parameters but `self`/`cls`,
*args and **kwargs included. A click command is a function decorated with `click.command`,
`click.group` or a group's `.command`. A module is named when docs/architecture.md holds its path
under pipeline/ (`store/records.py`, with or without `pipeline/`), or, for a package's `__init__.py`,
its folder (`store/`); `__main__.py` and `__init__.py` files holding no code are not counted.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

FILE_LINES, CLASS_LINES, FUNCTION_LINES, PARAMETERS, TOP = 500, 250, 80, 7, 10


def _first_line(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _is_click_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        name = ast.unparse(target)
        if name.endswith((".command", ".group")) or name in ("command", "group"):
            return True
    return False


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    a = node.args
    names = [p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    extra = (a.vararg is not None) + (a.kwarg is not None)
    return len([n for n in names if n not in ("self", "cls")]) + extra


def measure(root: Path) -> dict[str, list]:
    package = root / "pipeline"
    files = sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)
    doc = (root / "docs/architecture.md").read_text(encoding="utf-8")
    out: dict[str, list] = {"top": [], "packages": [], "files": [], "classes": [], "functions": [], "parameters": [], "unnamed": []}
    out["top"] = sorted(p.name for p in package.iterdir() if p.suffix == ".py" and p.name not in ("__init__.py", "__main__.py"))
    out["packages"] = sorted(f"{p.name}/" for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    for path in files:
        rel = path.relative_to(package).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n") + (not text.endswith("\n") and bool(text))
        if lines > FILE_LINES:
            out["files"].append((rel, lines))
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                n = node.end_lineno - _first_line(node) + 1
                if n > CLASS_LINES:
                    out["classes"].append((f"{rel}:{node.name}", n))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - _first_line(node) + 1
                if n > FUNCTION_LINES:
                    out["functions"].append((f"{rel}:{node.name}", n))
                if _parameters(node) > PARAMETERS and not _is_click_command(node):
                    out["parameters"].append((f"{rel}:{node.name}", _parameters(node)))
        if path.name == "__main__.py" or (path.name == "__init__.py" and not tree.body):
            continue
        names = [rel, f"pipeline/{rel}"]
        if path.name == "__init__.py":
            folder = rel.removesuffix("__init__.py")
            names += [folder, f"pipeline/{folder}", folder.rstrip("/") + "/__init__.py"]
        if not any(f"`{n}" in doc or f" {n}" in doc or f"({n}" in doc for n in names):
            out["unnamed"].append(rel)
    return out


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    m = measure(root)
    print(f"modules at the top of pipeline/ (bar <= {TOP}): {len(m['top'])}: {', '.join(m['top'])}")
    print(f"    packages at the top of pipeline/ (not counted): {len(m['packages'])}: {', '.join(m['packages'])}")
    for key, label in (
        ("files", f"files over {FILE_LINES} lines"),
        ("classes", f"classes over {CLASS_LINES} lines"),
        ("functions", f"functions over {FUNCTION_LINES} lines"),
        ("parameters", f"functions with more than {PARAMETERS} parameters outside click commands"),
    ):
        found = sorted(m[key], key=lambda x: -x[1])
        print(f"{label} (bar 0): {len(found)}" + "".join(f"\n    {name} ({n})" for name, n in found))
    print(f"modules docs/architecture.md never names (bar 0): {len(m['unnamed'])}" + "".join(f"\n    {n}" for n in m["unnamed"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
