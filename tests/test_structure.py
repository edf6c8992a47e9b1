"""The shape of the code: no import cycles among the project's modules, no imports inside
functions to dodge one, and no migration that imports application code. Read from the source
with ast, so these run without a database."""

import ast
import re
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parent.parent
PACKAGES = ("roles", "airoles")
# Django's documented place for importing modules that need loaded models: AppConfig.ready().
DEFERRED_ALLOWED = {("roles.apps", "ready")}


def module_name(path):
    parts = list(path.relative_to(BASE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules():
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((BASE / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def imported_names(node, module, is_package):
    """The dotted names an import statement asks for: the module, and for `from x import y` also
    x.y (which may be a submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module
    return [source, *(f"{source}.{alias.name}" for alias in node.names)]


def module_level_imports(tree):
    """Import statements that run when the module is imported (also inside top-level if/try)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try | ast.With):
            pending.extend(ast.iter_child_nodes(node))
        elif isinstance(node, ast.ExceptHandler):
            pending.extend(node.body)


def import_graph():
    """module → the project modules it imports at import time. Importing a.b.c first runs the
    packages a and a.b, so those count as imported too, unless the importer is inside them (a
    package's modules may import each other while it loads)."""
    modules = project_modules()
    graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = set()
        for node in module_level_imports(tree):
            for name in imported_names(node, module, path.name == "__init__.py"):
                parts = name.split(".")
                for end in range(1, len(parts) + 1):
                    target = ".".join(parts[:end])
                    inside = module.startswith(target + ".")
                    if target in modules and target != module and not inside:
                        targets.add(target)
        graph[module] = targets
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules (first == last), or None."""
    state = {}  # module → "active" while on the path, "done" after

    def visit(module, path):
        state[module] = "active"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "active":
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target, path)):
                return cycle
        path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module, [])):
            return cycle
    return None


def test_the_graph_sees_the_features():
    graph = import_graph()
    assert "roles.discovery.matching" in graph["roles.discovery.views"]
    assert "roles.models" in graph["roles.catalogue.filters"]
    assert "roles.choices" in graph["roles.models.pages"]


def test_find_cycle_reports_the_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def deferred_imports():
    """(module, function, line, statement) for every import of a project module made inside a
    function or method."""
    for module, path in project_modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                names = imported_names(node, module, path.name == "__init__.py")
                if any(name.split(".")[0] in PACKAGES for name in names):
                    yield module, function.name, node.lineno, ast.unparse(node)


def test_no_imports_inside_functions():
    found = [item for item in deferred_imports() if item[:2] not in DEFERRED_ALLOWED]
    assert found == [], "imports of project modules inside functions (restructure instead):\n" + (
        "\n".join(f"{m}.{f} line {line}: {statement}" for m, f, line, statement in found)
    )


@pytest.mark.parametrize(
    "path", sorted((BASE / "roles" / "migrations").glob("0*.py")), ids=lambda path: path.name
)
def test_migrations_import_no_application_code(path):
    """A migration runs against the models as they were; code it imports would change under it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for name in imported_names(node, "roles.migrations." + path.stem, False):
                assert name.split(".")[0] not in PACKAGES, f"{path.name}: {ast.unparse(node)}"


def readme_layout():
    """The README's layout block: {folder of roles/: its description}."""
    text = (BASE / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```")[1]
    entries, current = {}, None
    for line in block.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            current = line.split()[0].rstrip("/")
            entries[current] = line
        elif line.startswith("    ") and current:
            entries[current] += " " + line.strip()
        else:
            current = None
    return entries


FEATURE_FOLDERS = sorted(
    path.parent.name
    for path in (BASE / "roles").glob("*/__init__.py")
    if path.parent.name not in {"management", "migrations", "templatetags"}
)


@pytest.mark.parametrize("folder", FEATURE_FOLDERS)
def test_readme_layout_names_every_module(folder):
    """The README's layout matches the tree, and each folder says what it owns."""
    entry = readme_layout().get(folder)
    assert entry, f"README's layout has no line for roles/{folder}/"
    for module in sorted((BASE / "roles" / folder).glob("*.py")):
        if module.name != "__init__.py":
            assert module.name in entry, (
                f"README's layout does not name roles/{folder}/{module.name}"
            )
    package = ast.parse((BASE / "roles" / folder / "__init__.py").read_text(encoding="utf-8"))
    assert ast.get_docstring(package), f"roles/{folder}/__init__.py has no docstring"


# Pages that must render when nothing else works (no URL resolver, no database) keep plain paths.
STANDALONE_TEMPLATES = {"500.html", "503.html"}


def test_templates_take_urls_from_reverse_or_page_urls():
    """A link to a page of this site comes from {% url %} or {% pageurl %}, never a written
    path, so a moved URL cannot leave a link behind."""
    written = re.compile(r'(?:href|action|src)="/(?!static/)')
    found = [
        f"{path.relative_to(BASE)}:{number}: {line.strip()[:100]}"
        for path in sorted((BASE / "templates").rglob("*.html"))
        if path.name not in STANDALONE_TEMPLATES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if written.search(line)
    ]
    assert found == [], "written paths in templates:\n" + "\n".join(found)
