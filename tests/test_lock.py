"""The lock files agree with requirements*.txt, so `make run` / `make test` (which install from the locks
with --require-hashes) give a fresh machine what requirements*.txt asks for. After editing requirements*.txt,
`make lock` re-resolves the locks; these tests fail until it has been run."""

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def read_requirements(path: Path) -> list[Requirement]:
    """The requirements of a requirements*.txt, following `-r other.txt`."""
    found = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            found += read_requirements(path.parent / line.split(None, 1)[1])
        else:
            found.append(Requirement(line))
    return found


def read_lock(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (pinned version, number of hashes) of a lock written by `make lock`."""
    pins: dict[str, tuple[str, int]] = {}
    name = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            name = canonicalize_name(match.group(1))
            assert name not in pins, f"{path.name} pins {name} twice"
            pins[name] = (match.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and name is not None:
            version, hashes = pins[name]
            pins[name] = (version, hashes + 1)
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssertionError(f"{path.name}: unexpected line {line!r}")
    return pins


def disagreements(requirements: list[Requirement], lock: dict[str, tuple[str, int]]) -> list[str]:
    """Every requirement (and each extra's requirements) must be in the lock, pinned to a version that
    satisfies it, with at least one hash."""
    problems = []
    env = default_environment()
    for req in requirements:
        name = canonicalize_name(req.name)
        if name not in lock:
            problems.append(f"{req} is not in the lock")
            continue
        version, hashes = lock[name]
        if not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req} but the lock pins {name}=={version}")
        if hashes == 0:
            problems.append(f"{name}=={version} has no hash")
        for extra in sorted(req.extras):
            for dep in map(Requirement, metadata.requires(req.name) or []):
                with_extra = dep.marker is not None and dep.marker.evaluate({**env, "extra": extra})
                if not with_extra or dep.marker.evaluate({**env, "extra": ""}):
                    continue  # not a requirement of this extra (plain requirements are the resolver's job)
                dep_name = canonicalize_name(dep.name)
                if dep_name not in lock:
                    problems.append(f"{req.name}[{extra}] needs {dep.name}, not in the lock")
                elif not dep.specifier.contains(lock[dep_name][0], prereleases=True):
                    problems.append(f"{req.name}[{extra}] needs {dep} but the lock pins {lock[dep_name][0]}")
    return problems


@pytest.mark.parametrize(
    ("requirements", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_every_requirement_is_locked_at_a_version_that_satisfies_it(requirements, lock):
    problems = disagreements(read_requirements(ROOT / requirements), read_lock(ROOT / lock))
    assert problems == [], f"{requirements} and {lock} disagree — run `make lock`: {problems}"


def test_the_dev_lock_holds_the_runtime_lock():
    """`make test` must test the versions `make run` runs: every runtime pin, same version, in the dev lock."""
    runtime, dev = read_lock(ROOT / "requirements.lock"), read_lock(ROOT / "requirements-dev.lock")
    differ = {name: (version, dev.get(name, (None,))[0]) for name, (version, _) in runtime.items()}
    assert {name: pair for name, pair in differ.items() if pair[0] != pair[1]} == {}
    assert len(dev) > len(runtime)  # pytest, ruff, xdist, xlwt and their dependencies on top


def test_the_checks_see_a_stale_lock():
    lock = {"streamlit": ("1.67.0", 2), "psycopg": ("3.3.9", 2), "nohash": ("1.0", 0)}
    assert disagreements([Requirement("streamlit==1.67.0")], lock) == []
    assert disagreements([Requirement("streamlit==1.68.0")], lock) == [
        "streamlit==1.68.0 but the lock pins streamlit==1.67.0"
    ]
    assert disagreements([Requirement("folium==0.20.0")], lock) == ["folium==0.20.0 is not in the lock"]
    assert disagreements([Requirement("nohash>=1")], lock) == ["nohash==1.0 has no hash"]
    assert disagreements([Requirement("psycopg[binary]==3.3.9")], lock) == [
        "psycopg[binary] needs psycopg-binary, not in the lock"
    ]


def test_setup_installs_from_the_locks_with_hashes():
    """The venv stamps depend on the locks (a changed lock re-installs) and pip is held to the hashes."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for stamp, lock in ((".runtime", "requirements.lock"), (".dev", "requirements-dev.lock")):
        target = re.search(rf"^\$\(VENV\)/{re.escape(stamp)}:(.*)$", makefile, re.M)
        assert target is not None and lock in target.group(1).split(), f"$(VENV)/{stamp} does not depend on {lock}"
        assert f"--require-hashes -r {lock}" in makefile
