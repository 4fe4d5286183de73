"""Code rules a reader can check by eye, checked by machine: no library's private attributes, no
``exec``/``eval``, no module over ~500 lines without a reason written at its top."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = ("src", "dashboard", "pages", "bench", "tests")
MAX_LINES = 500
# A module may be longer when its first lines say why (a docstring line starting with this).
REASON = "Longer than 500 lines because"


def _python_files():
    for tree in TREES:
        yield from sorted((ROOT / tree).rglob("*.py"))


def _own_modules() -> set[str]:
    """Top-level names of our own code: privates of these are ours to use."""
    names = {p.stem for p in (ROOT / "src" / "qh_data").rglob("*.py")}
    names |= {p.stem for tree in ("dashboard", "pages", "tests", "bench") for p in (ROOT / tree).rglob("*.py")}
    return names


def _private_uses(path: Path) -> list[str]:
    """``x._name`` where ``x`` is not ``self``/``cls`` and ``_name`` is not a dunder or our own
    private helper (a name defined in the project)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    ours = _defined_privates()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            if isinstance(base, ast.Name) and base.id in {"self", "cls"}:
                continue
            if node.attr in ours:
                continue
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
    return found


_DEFINED: set[str] | None = None


def _defined_privates() -> set[str]:
    """Every ``_name`` the project itself defines -- functions, classes, module-level names, names
    imported under an alias, attributes set on ``self``/``cls`` -- plus the documented public names
    that start with an underscore (SQLAlchemy's ``Row._mapping``/``_asdict``/``_fields``/``_t``/``_tuple``
    and the namedtuple methods, which use the underscore only to stay clear of field names)."""
    global _DEFINED
    if _DEFINED is None:
        names: set[str] = {"_mapping", "_asdict", "_fields", "_t", "_tuple", "_replace", "_make"}
        for path in _python_files():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else (
                    [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
                names.update(t.id for t in targets if isinstance(t, ast.Name))
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                      and isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}):
                    names.add(node.attr)
                elif isinstance(node, ast.alias):
                    names.add((node.asname or node.name).split(".")[-1])
        _DEFINED = {n for n in names if n.startswith("_")}
    return _DEFINED


TEMPLATE_PRIVATE = re.compile(r"\bthis\._[a-z]\w*")


def test_no_private_attribute_of_a_library():
    uses = [u for p in _python_files() if p.name != "test_code_hygiene.py" for u in _private_uses(p)]
    # Jinja templates of folium elements are code too: `this._parent` is branca's private attribute.
    for path in _python_files():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TEMPLATE_PRIVATE.search(line) and path.name != "test_code_hygiene.py":
                uses.append(f"{path.relative_to(ROOT)}:{n}: {TEMPLATE_PRIVATE.search(line).group(0)}")
    assert uses == []


def test_no_exec_or_eval():
    calls = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"exec", "eval"}:
                calls.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.func.id}()")
    assert calls == []


def test_modules_stay_small_or_say_why():
    too_long = []
    for tree in ("src", "dashboard", "pages"):
        for path in sorted((ROOT / tree).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            lines = text.count("\n") + 1
            if lines > MAX_LINES and REASON not in "\n".join(text.splitlines()[:30]):
                too_long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert too_long == []


def test_the_checks_can_fail(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import sqlalchemy\nx = sqlalchemy.engine._internal_thing\nexec('1')\n", encoding="utf-8")
    global ROOT
    saved = ROOT
    try:
        ROOT = tmp_path
        assert _private_uses(sample) == ["sample.py:2: ._internal_thing"]
    finally:
        ROOT = saved
