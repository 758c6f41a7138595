"""Mutation testing of the scoring rule and the decisions: `make mutate`.

A mutant is one small change to the committed code of TARGETS: a comparison turned, an
operator swapped, a constant changed, a result dropped, a call left out. It is killed when one
of the tests that run its line fails; one that survives is a test we lack, or a change nobody
could see (docs/scoring.md says which). Below --min percent killed, exit 1.

How it runs, and why so (two cores shared with others, about twenty minutes):

1. HEAD is copied (`git archive`) with the built CSS into temporary folders, one per job
   (--jobs, 2 by default: the cores this machine has), and everything runs there: the work
   tree, where others edit these very files, is never written.
2. The SQLite tests (not browser, not worker) run once there under coverage.py, each test in a
   context of its own, the test files shared out between the copies: which tests run each
   line, and how long each takes. Kept in test-artifacts/mutate-cache for the same HEAD.
3. In each copy, one pytest process collects the tests that run a line of TARGETS and sets up
   the session's fixtures (database, Redis) once. For each of its mutants, one at a time, it
   forks: the child puts the mutant in (the function's code replaced, or the module run again
   and its names rebound), runs the tests of the mutant's line, fastest first, stops at the
   first failure (as -x), and exits; the parent stops it after 10 times the baseline time of
   those tests (a timeout counts as killed). A new pytest for each mutant would spend 7 s
   starting, 5 s or more of it before the first test. `--cold` runs each mutant so all the
   same (the mutant written in the copy, `pytest -x -q -p no:cacheprovider` on its tests), to
   check the fast way agrees.

The survivors docs/scoring.md explains as equivalent are not run again (a survivor
costs every test of its line, minutes each); they count as survived. --recheck runs them.

The same file is the pytest plugin of steps 2 and 3 (`-p mutate`, MUTATE_ROLE says which).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import CodeType

import pytest

TARGETS = ("recruit/scoring/results.py", "recruit/decisions/operations.py")
ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
GIT = shutil.which("git") or "git"
REPORT = ROOT / "test-artifacts" / "mutate.json"  # test-artifacts/ is ignored by git
CACHE = ROOT / "test-artifacts" / "mutate-cache"
SURVIVORS = ROOT / "docs" / "scoring.md"
SELECT = ["-k", "not postgresql", "-m", "not browser and not worker"]
TIMEOUT_FACTOR, TIMEOUT_FLOOR = 10, 20.0

# --- the mutants --------------------------------------------------------------------------------

SYMBOLS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.And: "and",
    ast.Or: "or",
}
# Each comparison to its boundary neighbour and to its opposite.
COMPARISONS = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
}
ARITHMETIC = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}
BOOLEAN = {ast.And: ast.Or, ast.Or: ast.And}


@dataclass
class Place:
    """Where a node sits: its parent's field (and index), and the statements around it."""

    node: ast.AST
    parent: ast.AST | None
    field: str | None
    index: int | None
    statement: ast.stmt | None  # the innermost statement holding the node
    top: ast.stmt | None  # the module-level statement holding it
    in_body: bool  # inside the body of a module-level function (run when it is called)


def _is_docstring(node: ast.AST, parent: ast.AST | None, field: str | None, index) -> bool:
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return (
        isinstance(parent, owners)
        and field == "body"
        and index == 0
        and isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _places(tree: ast.Module):
    """Every node that may be changed, in source order, with where it sits. Docstrings, type
    annotations and format specifications are left alone."""

    def visit(node, parent, field, index, statement, top, in_body):
        if _is_docstring(node, parent, field, index):
            return
        if isinstance(node, ast.stmt):
            statement = node
            if top is None:
                top = node
        yield Place(node, parent, field, index, statement, top, in_body)
        for name, value in ast.iter_fields(node):
            if name in ("annotation", "returns", "format_spec", "type_comment"):
                continue
            body = in_body or (
                node is top
                and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and name == "body"
            )
            children = value if isinstance(value, list) else [value]
            for position, child in enumerate(children):
                if isinstance(child, ast.AST):
                    yield from visit(
                        child,
                        node,
                        name,
                        position if isinstance(value, list) else None,
                        statement,
                        top,
                        body,
                    )

    yield from visit(tree, None, None, None, None, None, False)


def _set_op(node: ast.AST, attribute: str, index: int | None, new):
    def change() -> None:
        if index is None:
            setattr(node, attribute, new())
        else:
            getattr(node, attribute)[index] = new()

    return change


def _replace(place: Place, make):
    def change() -> None:
        new = ast.copy_location(make(), place.node)
        if place.index is None:
            setattr(place.parent, place.field, new)
        else:
            getattr(place.parent, place.field)[place.index] = new

    return change


def _clip(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _short(value) -> str:
    return _clip(repr(value))


def _changes(place: Place):
    """The changes one node allows: (words for the report, a function that makes it)."""
    node = place.node
    if isinstance(node, ast.Compare):
        for position, op in enumerate(node.ops):
            for new in COMPARISONS[type(op)]:
                yield (
                    f"`{SYMBOLS[type(op)]}` → `{SYMBOLS[new]}`",
                    _set_op(node, "ops", position, new),
                )
    elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in ARITHMETIC:
        new = ARITHMETIC[type(node.op)]
        yield f"`{SYMBOLS[type(node.op)]}` → `{SYMBOLS[new]}`", _set_op(node, "op", None, new)
    elif isinstance(node, ast.BoolOp):
        new = BOOLEAN[type(node.op)]
        yield f"`{SYMBOLS[type(node.op)]}` → `{SYMBOLS[new]}`", _set_op(node, "op", None, new)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        words = "`not` removed" if isinstance(node.op, ast.Not) else "unary `-` removed"
        yield words, _replace(place, lambda: node.operand)
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            news = [not value]
        elif isinstance(value, int | float):
            news = [value + 1] + ([type(value)(0)] if value != 0 else [])
        elif isinstance(value, str) and value != "XX":
            news = ["XX"]
        else:
            news = []
        for new in news:
            yield (
                f"{_short(value)} → {_short(new)}",
                _replace(place, lambda new=new: ast.Constant(new)),
            )
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield "`return …` → `return None`", _set_op(node, "value", None, lambda: None)
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield f"call left out: `{_clip(ast.unparse(node.value))}`", _replace(place, ast.Pass)


def _sites(tree: ast.Module):
    for place in _places(tree):
        for words, change in _changes(place):
            yield place, words, change


def mutated_tree(source: str, site: int) -> tuple[ast.Module, Place, str]:
    """The module with its `site`-th possible change made (counted as `_sites` yields them)."""
    tree = ast.parse(source)
    for number, (place, words, change) in enumerate(_sites(tree)):
        if number == site:
            change()
            ast.fix_missing_locations(tree)
            return tree, place, words
    raise IndexError(site)


def _defined_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return {statement.name}
    targets = statement.targets if isinstance(statement, ast.Assign) else []
    if isinstance(statement, ast.AnnAssign | ast.AugAssign):
        targets = [statement.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _names_for_tests(statement: ast.stmt) -> set[str]:
    """What a module-level statement defines; for a class, its fields and methods too: a
    changed default shows where the field is read."""
    names = _defined_names(statement)
    if isinstance(statement, ast.ClassDef):
        names |= {name for member in statement.body for name in _defined_names(member)}
    return names


def _header_lines(statement: ast.stmt) -> range:
    """The lines that run when a statement's own expressions do: for a compound statement the
    lines before its body, for a simple one all of it."""
    body = getattr(statement, "body", None)
    if isinstance(body, list) and body:
        first = min(getattr(b, "lineno", statement.lineno) for b in body)
        return range(statement.lineno, max(first, statement.lineno + 1))
    return range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)


@dataclass
class Mutant:
    id: str
    file: str
    site: int
    line: int
    mutation: str
    original: str
    scope: str | None  # the module-level function whose code changes; None: the module reruns
    lines: list[int] = field(default_factory=list)  # lines whose tests run the mutant
    names: list[str] = field(default_factory=list)  # module level: the names it defines
    tests: list[str] = field(default_factory=list)
    timeout: float = 0.0
    status: str = ""  # killed, survived, no coverage
    by: str = ""  # the test that failed, or why it counts as killed
    seconds: float = 0.0


def plan_mutants(root: Path) -> list[Mutant]:
    """Every mutant of TARGETS, numbered per file; changes that unparse to the same module as
    the original, or as an earlier mutant, are left out."""
    mutants: list[Mutant] = []
    for file in TARGETS:
        source = (root / file).read_text()
        source_lines = source.splitlines()
        seen = {ast.unparse(ast.parse(source))}
        count = sum(1 for _ in _sites(ast.parse(source)))
        for site in range(count):
            tree, place, words = mutated_tree(source, site)
            code = ast.unparse(tree)
            if code in seen:
                continue
            seen.add(code)
            line = getattr(place.node, "lineno", None) or place.statement.lineno
            function = isinstance(place.top, ast.FunctionDef | ast.AsyncFunctionDef)
            scope = place.top.name if function and place.in_body else None
            mutants.append(
                Mutant(
                    id=f"{Path(file).name}#{sum(m.file == file for m in mutants) + 1}",
                    file=file,
                    site=site,
                    line=line,
                    mutation=words,
                    original=source_lines[line - 1].strip(),
                    scope=scope,
                    lines=list(_header_lines(place.statement)),
                    names=sorted(_names_for_tests(place.top)) if scope is None else [],
                )
            )
    return mutants


# --- step 1: a copy of HEAD ---------------------------------------------------------------------


def git(*args: str) -> bytes:
    done = subprocess.run(  # noqa: S603 - git, with our own arguments
        [GIT, *args], cwd=ROOT, check=True, capture_output=True
    )
    return done.stdout


def export_head(copy: Path, also: list[str]) -> None:
    """HEAD's files, the built CSS that page tests read, and any file named with --also."""
    copy.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(git("archive", "--format=tar", "HEAD"))) as archive:
        archive.extractall(copy, filter="data")
    dist = ROOT / "recruit" / "static" / "dist"
    if not dist.is_dir():
        raise SystemExit("recruit/static/dist is missing: run `make install` first.")
    shutil.copytree(dist, copy / "recruit" / "static" / "dist")
    for path in also:
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, copy / path)


def environment(copy: Path, role: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(copy), str(HERE)]),
        PYTHONHASHSEED="0",
        PYTHONDONTWRITEBYTECODE="1",
        MUTATE_ROLE=role,
        MUTATE_ROOT=str(copy),
        **extra,
    )
    return env


# --- step 2: which tests run which line ---------------------------------------------------------


def _test_files(copy: Path, tests: list[str]) -> list[str]:
    """The test files named or under the folders named, as paths inside the copy."""
    found: list[str] = []
    for name in tests:
        path = copy / name.split("::")[0]
        if path.is_dir():
            found += sorted(str(p.relative_to(copy)) for p in path.rglob("test_*.py"))
        else:
            found.append(name)
    return found


def _shards(copy: Path, files: list[str], jobs: int) -> list[list[str]]:
    """The files in `jobs` shares of about the same size, largest first."""
    shares: list[list[str]] = [[] for _ in range(jobs)]
    sizes = [0] * jobs
    for file in sorted(files, key=lambda f: -(copy / f.split("::")[0]).stat().st_size):
        smallest = sizes.index(min(sizes))
        shares[smallest].append(file)
        sizes[smallest] += (copy / file.split("::")[0]).stat().st_size
    return [share for share in shares if share]


def _run_together(commands: list[tuple[list[str], Path, dict]]) -> list[tuple[int, str]]:
    """Run the commands side by side, each in its copy; (exit status, output) of each. On
    Ctrl-C or SIGTERM, each is asked to stop, so that its pytest tears its servers down."""
    processes = [
        subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=None, text=True
        )
        for command, cwd, env in commands
    ]
    try:
        outputs = [process.communicate()[0] for process in processes]
    except BaseException:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
        raise
    return [
        (process.returncode, output) for process, output in zip(processes, outputs, strict=True)
    ]


def trace(copies: list[Path], work: Path, tests: list[str]) -> tuple[dict, dict]:
    """Run the tests once under coverage, the test files shared out between the copies:
    {file: {line: [test ids]}} and {test id: seconds}."""
    shards = _shards(copies[0], _test_files(copies[0], tests), len(copies))
    commands = []
    for number, (copy, shard) in enumerate(zip(copies, shards, strict=False)):
        rcfile = work / f"coveragerc{number}"
        include = ",".join(str(copy / file) for file in TARGETS)
        rcfile.write_text(
            f"[run]\ndata_file = {work / f'coverage{number}.db'}\ninclude = {include}\n"
        )
        command = [sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}", "-m", "pytest"]
        command += ["-p", "mutate", "-q", "-p", "no:cacheprovider", *SELECT, *shard]
        out = work / f"timings{number}.json"
        commands.append((command, copy, environment(copy, "trace", MUTATE_OUT=str(out))))
    from coverage import CoverageData

    outcomes: dict[str, dict] = {}
    contexts: dict[str, dict[int, set[str]]] = {file: {} for file in TARGETS}
    for number, (status, output) in enumerate(_run_together(commands)):
        timings = work / f"timings{number}.json"
        if status not in (0, 1) or not timings.exists():
            tail = "\n".join(output.splitlines()[-15:])
            raise SystemExit(f"The tests did not run (exit {status}):\n{tail}")
        outcomes.update(json.loads(timings.read_text()))
        coverage = CoverageData(basename=str(work / f"coverage{number}.db"))
        coverage.read()
        for file in TARGETS:
            for line, names in coverage.contexts_by_lineno(str(copies[number] / file)).items():
                contexts[file].setdefault(line, set()).update(names)
    failed = sorted(t for t, o in outcomes.items() if o["outcome"] == "failed")
    if failed:
        say(f"{len(failed)} test(s) fail on HEAD without any mutant; they are left out:")
        for test in failed:
            say(f"  {test}")
    passed = {t for t, o in outcomes.items() if o["outcome"] == "passed"}
    runs = {
        file: {line: sorted(names & passed) for line, names in by_line.items()}
        for file, by_line in contexts.items()
    }
    return runs, {t: outcomes[t]["seconds"] for t in passed}


def traced(copies: list[Path], work: Path, tests: list[str], also: list[str]) -> tuple:
    """`trace`, or what it found last time for the same HEAD, tests and added files."""
    # HEAD's files but the documentation: a change to docs/ or the README runs no test.
    tree = [
        row for row in git("ls-tree", "HEAD").splitlines() if not row.endswith((b"\tdocs", b".md"))
    ]
    key = hashlib.sha256(b"\n".join(tree))
    key.update(json.dumps([tests, SELECT, *((p, (ROOT / p).read_text()) for p in also)]).encode())
    cache = CACHE / f"trace-{key.hexdigest()[:16]}.json"
    if cache.exists():
        found = json.loads(cache.read_text())
        say(f"Which tests run which line: as found before ({cache.relative_to(ROOT)}).")
        runs = {f: {int(n): t for n, t in lines.items()} for f, lines in found["runs"].items()}
        return runs, found["seconds"]
    say(
        f"Which tests run which line: the SQLite tests, once, under coverage, {len(copies)} at once"
    )
    runs, seconds = trace(copies, work, tests)
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob("trace-*.json"):
        old.unlink()
    cache.write_text(json.dumps({"runs": runs, "seconds": seconds}))
    return runs, seconds


def choose_tests(mutants: list[Mutant], copy: Path, runs: dict, seconds: dict) -> None:
    """The tests of each mutant, fastest first, and its timeout. A change inside a function is
    run by the tests that run its line; one at module level (a constant, a class) by the
    tests that run the functions of TARGETS that name what it defines."""
    trees = {file: ast.parse((copy / file).read_text()) for file in TARGETS}
    functions = [
        (file, node)
        for file, tree in trees.items()
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    module_level = [node for tree in trees.values() for node in tree.body]

    def naming(names: set[str]) -> set[str]:
        """The names, and those of module-level statements built from them."""
        grown = set(names)
        while True:
            more = {
                defined
                for node in module_level
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                for defined in _defined_names(node)
                if any(isinstance(n, ast.Name) and n.id in grown for n in ast.walk(node))
            }
            if more <= grown:
                return grown
            grown |= more

    for mutant in mutants:
        found: set[str] = set()
        if mutant.scope is not None:
            for line in mutant.lines:
                found.update(runs[mutant.file].get(line, ()))
        else:
            names = naming(set(mutant.names))
            for file, function in functions:
                mentioned = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
                mentioned |= {n.attr for n in ast.walk(function) if isinstance(n, ast.Attribute)}
                if mentioned & names or function.name in names:
                    for line in range(function.lineno, function.end_lineno + 1):
                        found.update(runs[file].get(line, ()))
        mutant.tests = sorted(found, key=lambda t: (seconds[t], t))
        baseline = sum(seconds[t] for t in mutant.tests)
        mutant.timeout = round(max(TIMEOUT_FACTOR * baseline, TIMEOUT_FLOOR), 1)


# --- step 3: the mutants, one at a time in each copy --------------------------------------------


def listed_equivalents() -> set[tuple[str, int, str]]:
    """(file, line, mutation) of the survivors docs/scoring.md explains as
    equivalent: rows `| file:line | mutation | code | why |`."""
    if not SURVIVORS.exists():
        return set()
    listed = set()
    for row in SURVIVORS.read_text().splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split(" | ")]
        if len(cells) >= 3 and ":" in cells[0] and cells[0].strip("`").startswith(TARGETS):
            file, _, line = cells[0].strip("`").partition(":")
            if line.isdigit():
                listed.add((file, int(line), cells[1].replace("\\|", "|")))
    return listed


def run_hot(copies: list[Path], work: Path, mutants: list[Mutant]) -> None:
    """One pytest process per copy, each forking for its share of the mutants, in turn."""
    runnable = [m for m in mutants if m.tests]
    shares = [share for n in range(len(copies)) if (share := runnable[n :: len(copies)])]
    commands = []
    for number, (copy, share) in enumerate(zip(copies, shares, strict=False)):
        plan, out = work / f"plan{number}.json", work / f"verdicts{number}.jsonl"
        plan.write_text(json.dumps([asdict(m) for m in share]))
        tests = sorted({t for m in share for t in m.tests})
        command = [sys.executable, "-m", "pytest", "-p", "mutate", "-q", "-p", "no:cacheprovider"]
        env = environment(copy, "mutate", MUTATE_PLAN=str(plan), MUTATE_OUT=str(out))
        commands.append((command + tests, copy, env))
    verdicts = []
    for number, (status, output) in enumerate(_run_together(commands)):
        out = work / f"verdicts{number}.jsonl"
        mine = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
        if status != 0 or len(mine) != len(shares[number]):
            tail = "\n".join(output.splitlines()[-25:])
            raise SystemExit(f"The mutation run stopped (exit {status}):\n{tail}")
        verdicts += mine
    by_id = {m.id: m for m in runnable}
    for verdict in verdicts:
        mutant = by_id[verdict["id"]]
        mutant.status, mutant.by, mutant.seconds = verdict["status"], verdict["by"], verdict["s"]


def run_cold(copy: Path, mutants: list[Mutant]) -> None:
    """Each mutant written in the copy and run by a pytest of its own (slow; to check)."""
    for mutant in mutants:
        if not mutant.tests or mutant.status:
            continue
        path = copy / mutant.file
        original = path.read_text()
        tree, _, _ = mutated_tree(original, mutant.site)
        path.write_text(ast.unparse(tree) + "\n")
        started = time.monotonic()
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
        process = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
            command + mutant.tests,
            cwd=copy,
            env=environment(copy, "cold"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=mutant.timeout + 15)
            failed = [ln for ln in output.splitlines() if ln.startswith(("FAILED ", "ERROR "))]
            mutant.status = "killed" if process.returncode else "survived"
            mutant.by = failed[0].split()[1] if failed else f"exit {process.returncode}"
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            mutant.status, mutant.by = "killed", "timeout"
        finally:
            path.write_text(original)
        mutant.seconds = round(time.monotonic() - started, 2)
        progress(mutant)


# --- the plugin of steps 2 and 3 ----------------------------------------------------------------


def pytest_configure(config) -> None:
    root = os.environ.get("MUTATE_ROOT")
    if root:
        import recruit

        if not Path(recruit.__file__).resolve().is_relative_to(Path(root).resolve()):
            raise SystemExit(f"recruit imports from {recruit.__file__}, not from the copy {root}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Step 2: each test (set-up and tear-down too) in a coverage context named by its id."""
    if os.environ.get("MUTATE_ROLE") != "trace":
        return (yield)
    import coverage

    current = coverage.Coverage.current()
    current.switch_context(item.nodeid)
    try:
        return (yield)
    finally:
        current.switch_context("")


_OUTCOMES: dict[str, dict] = {}


def pytest_runtest_logreport(report) -> None:
    if os.environ.get("MUTATE_ROLE") != "trace":
        return
    seen = _OUTCOMES.setdefault(report.nodeid, {"outcome": "passed", "seconds": 0.0})
    seen["seconds"] = round(seen["seconds"] + report.duration, 4)
    if report.failed:
        seen["outcome"] = "failed"
    elif report.skipped and seen["outcome"] == "passed":
        seen["outcome"] = "skipped"


def pytest_sessionfinish(session) -> None:
    if os.environ.get("MUTATE_ROLE") == "trace":
        Path(os.environ["MUTATE_OUT"]).write_text(json.dumps(_OUTCOMES))


class _SessionOnly:
    """Stands for 'the next test' when only the session's fixtures should stay set up."""

    def __init__(self, session) -> None:
        self.session = session

    def listchain(self) -> list:
        return [self.session]


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    """Step 3: set the session's fixtures up once, then fork for each mutant."""
    if os.environ.get("MUTATE_ROLE") != "mutate":
        return None
    from _pytest.runner import runtestprotocol

    mutants = [Mutant(**m) for m in json.loads(Path(os.environ["MUTATE_PLAN"]).read_text())]
    items = {item.nodeid: item for item in session.items}
    missing = {t for m in mutants for t in m.tests} - set(items)
    if missing:
        raise SystemExit(f"tests not collected: {sorted(missing)[:5]}")
    parked = _SessionOnly(session)
    signal.signal(signal.SIGTERM, _interrupt)  # stop as Ctrl-C does: servers torn down
    # Warm up: run, unchanged, the fewest tests that set up every session-wide fixture.
    warm, wanted = [], set()
    for mutant in mutants:
        for test in mutant.tests:
            scoped = {
                name
                for name, defs in items[test]._fixtureinfo.name2fixturedefs.items()
                if defs and defs[-1].scope == "session"
            }
            if scoped - wanted:
                wanted |= scoped
                warm.append(items[test])
    for position, item in enumerate(warm):
        following = warm[position + 1] if position + 1 < len(warm) else parked
        if any(r.failed for r in runtestprotocol(item, log=False, nextitem=following)):
            raise SystemExit(f"{item.nodeid} fails without any mutant")
    session._setupstate.teardown_exact(parked)
    with Path(os.environ["MUTATE_OUT"]).open("a") as out:
        for mutant in mutants:
            verdict = _fork(session, mutant, items, parked)
            mutant.status, mutant.by, mutant.seconds = (verdict[k] for k in ("status", "by", "s"))
            out.write(json.dumps({"id": mutant.id, **verdict}) + "\n")
            out.flush()
            capture = session.config.pluginmanager.getplugin("capturemanager")
            with capture.global_and_fixture_disabled():
                progress(mutant)
    return True


def _interrupt(number, frame) -> None:
    raise KeyboardInterrupt


def _fork(session, mutant: Mutant, items: dict, parked: _SessionOnly) -> dict:
    started = time.monotonic()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: put the mutant in, run its tests, say what happened
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.close(reading)
        os.setpgid(0, 0)
        try:
            verdict = _run_in_child(session, mutant, items, parked)
        except BaseException as error:  # noqa: BLE001 - whatever it is, the mutant showed
            verdict = ("killed", f"{type(error).__name__}: {error}"[:200])
        os.write(writing, json.dumps(verdict).encode())
        os._exit(0)
    os.close(writing)
    with contextlib.suppress(OSError):  # as the child does: whichever runs first
        os.setpgid(child, child)
    timed_out = False
    try:
        while not os.waitpid(child, os.WNOHANG)[0]:
            if time.monotonic() - started > mutant.timeout:
                timed_out = True
                os.killpg(child, signal.SIGKILL)
                os.waitpid(child, 0)
                break
            time.sleep(0.02)
    except BaseException:  # stopped from outside: the child and its tests go too
        with contextlib.suppress(OSError):
            os.killpg(child, signal.SIGKILL)
            os.waitpid(child, 0)
        raise
    with os.fdopen(reading, "rb") as pipe:
        said = pipe.read()
    seconds = round(time.monotonic() - started, 2)
    if timed_out:
        return {"status": "killed", "by": f"timeout after {mutant.timeout} s", "s": seconds}
    if not said:
        return {"status": "killed", "by": "the test process died", "s": seconds}
    status_word, by = json.loads(said)
    return {"status": status_word, "by": by, "s": seconds}


def _run_in_child(session, mutant: Mutant, items: dict, parked: _SessionOnly):
    from _pytest.runner import runtestprotocol

    try:
        put_in(mutant)
    except Exception as error:  # noqa: BLE001 - a module that fails to run is killed
        return "killed", f"the module fails: {type(error).__name__}: {error}"[:200]
    tests = [items[t] for t in mutant.tests]
    state = session._setupstate
    state.teardown_exact(tests[0])
    verdict = ("survived", "")
    for position, item in enumerate(tests):
        following = tests[position + 1] if position + 1 < len(tests) else parked
        if any(r.failed for r in runtestprotocol(item, log=False, nextitem=following)):
            verdict = ("killed", item.nodeid)
            break
    state.teardown_exact(parked)
    return verdict


def put_in(mutant: Mutant) -> None:
    """Make the running code the mutant's. A change inside a function replaces that function's
    code, so every module that imported it runs the mutant; any other change runs the module
    again in its own namespace and rebinds, in every module, the names it imported from it."""
    import importlib

    path = Path(os.environ["MUTATE_ROOT"]) / mutant.file
    name = mutant.file.removesuffix(".py").replace("/", ".")
    module = importlib.import_module(name)
    tree, _, _ = mutated_tree(path.read_text(), mutant.site)
    code = compile(tree, str(path), "exec")
    if mutant.scope is not None:
        new = next(
            c for c in code.co_consts if isinstance(c, CodeType) and c.co_qualname == mutant.scope
        )
        getattr(module, mutant.scope).__code__ = new
        return
    namespace = vars(module)
    before = dict(namespace)
    exec(code, namespace)  # noqa: S102 - our own module, changed by one mutant
    changed = {
        n: (before[n], namespace[n])
        for n in before
        if not n.startswith("__") and n in namespace and namespace[n] is not before[n]
    }
    for other in list(sys.modules.values()):
        others = getattr(other, "__dict__", None)
        if others is None or others is namespace:
            continue
        for n, (old, new) in changed.items():
            if others.get(n) is old:
                others[n] = new


# --- the report ---------------------------------------------------------------------------------


def say(line: str = "") -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def progress(mutant: Mutant) -> None:
    say(
        f"{mutant.id:<18} {mutant.status:<8} {mutant.file}:{mutant.line} "
        f"{mutant.mutation} ({mutant.seconds:.1f} s)"
    )


def summarise(mutants: list[Mutant]) -> tuple[list[str], float]:
    lines = [f"{'file':<34} {'mutants':>7} {'killed':>7} {'survived':>8} {'killed %':>8}"]
    for file in [*TARGETS, None]:
        mine = [m for m in mutants if file is None or m.file == file]
        killed = sum(m.status == "killed" for m in mine)
        percent = 100.0 * killed / len(mine) if mine else 100.0
        label = file or "all"
        lines.append(
            f"{label:<34} {len(mine):>7} {killed:>7} {len(mine) - killed:>8} {percent:>7.1f}%"
        )
    survivors = [m for m in mutants if m.status != "killed"]
    if survivors:
        lines += ["", "Survivors:"]
        for m in survivors:
            note = "" if m.status == "survived" else f" ({m.status})"
            lines.append(f"  {m.file}:{m.line} [{m.id}] {m.mutation}{note}\n      {m.original}")
    return lines, percent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min", type=float, default=95.0, help="least killed %% to pass")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run side by side (1 or 2)")
    parser.add_argument("--recheck", action="store_true", help="run the listed equivalents too")
    parser.add_argument("--cold", action="store_true", help="a new pytest for each mutant")
    parser.add_argument("--only", nargs="*", default=[], help="mutant ids, or file:line")
    parser.add_argument("--tests", nargs="*", default=["tests"], help="tests to trace")
    parser.add_argument(
        "--also", nargs="*", default=[], help="work-tree files to add to the copy (new tests)"
    )
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    started = time.monotonic()
    head = git("rev-parse", "HEAD").decode().strip()
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="recruit-mutate-") as folder:
        work = Path(folder)
        copies = [work / f"repo{number}" for number in range(max(1, args.jobs))]
        for copy in copies:
            export_head(copy, args.also)
        mutants = plan_mutants(copies[0])
        if args.only:
            wanted = set(args.only)
            mutants = [m for m in mutants if m.id in wanted or f"{m.file}:{m.line}" in wanted]
        say(f"{len(mutants)} mutants of {', '.join(TARGETS)} at {head[:12]}.")
        runs, seconds = traced(copies, work, args.tests, args.also)
        choose_tests(mutants, copies[0], runs, seconds)
        listed = set() if args.recheck else listed_equivalents()
        for mutant in mutants:
            if not mutant.tests:
                mutant.status = "no coverage"
            elif (mutant.file, mutant.line, mutant.mutation) in listed:
                mutant.status = "equivalent, listed in docs/scoring.md, not run"
        traced_in = time.monotonic() - started
        say(f"Ready in {traced_in:.0f} s; now the mutants, {len(copies)} at a time.")
        if args.cold:
            run_cold(copies[0], mutants)
        else:
            run_hot(copies, work, [m for m in mutants if not m.status])
    elapsed = time.monotonic() - started
    lines, percent = summarise(mutants)
    lines.append(f"\n{len(mutants)} mutants in {elapsed:.0f} s ({traced_in:.0f} s to get ready).")
    sys.stdout.write("\n".join(lines) + "\n")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "head": head,
        "targets": list(TARGETS),
        "seconds": round(elapsed, 1),
        "killed_percent": round(percent, 2),
        "mode": "cold" if args.cold else "forked",
        "jobs": len(copies),
        "mutants": [asdict(m) for m in mutants],
    }
    args.report.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    sys.stdout.write(f"Report: {args.report}\n")
    if percent < args.min:
        sys.stdout.write(f"FAILED: {percent:.1f} % killed, below {args.min:.0f} %.\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
