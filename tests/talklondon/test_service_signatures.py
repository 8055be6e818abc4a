"""The house style for services, held for every service module: the person doing the thing is
`actor`, typed, so a reader never has to guess whether `user` is the one acting or the one
acted on (docs/architecture.md, "Services")."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("consultation", "anpr_info", "talklondon")
# Services whose `user` is the person acted on, not the one acting.
SUBJECT_IS_USER = {
    "account_erase",  # the account being erased (by its owner or by retention)
    "comment_hold_reasons",  # the author whose comment is checked
    "participant_block",  # the participant blocked, by `actor`
    "participant_unblock",
}


def service_modules() -> list[Path]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if "services" in path.relative_to(ROOT).parts or path.name == "services.py":
                found.append(path)
    return found


def functions(path: Path):
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            yield node


def test_the_walk_finds_the_service_modules():
    names = {str(p.relative_to(ROOT)) for p in service_modules()}
    assert "consultation/surveys/services/builder.py" in names
    assert "talklondon/services.py" in names
    assert len(names) > 20


def test_the_acting_person_is_called_actor():
    wrong = [
        f"{path.relative_to(ROOT)}: {node.name}"
        for path in service_modules()
        for node in functions(path)
        if node.name not in SUBJECT_IS_USER
        and any(arg.arg == "user" for arg in node.args.kwonlyargs)
    ]
    assert wrong == [], "services take the acting person as `actor`, not `user`"


def test_the_actor_is_typed():
    untyped = [
        f"{path.relative_to(ROOT)}: {node.name}"
        for path in service_modules()
        for node in functions(path)
        for arg in node.args.kwonlyargs + node.args.args
        if arg.arg == "actor"
        and (arg.annotation is None or "User" not in ast.unparse(arg.annotation))
    ]
    assert untyped == [], "`actor` is annotated as a User"
