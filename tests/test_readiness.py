import pytest

from domain.readiness import NOT_READY, READINESS_FLAGS, at_least, readiness_label


def flags(*on):
    return {f: (f in on) for f in READINESS_FLAGS}


THREE = ("water_supply", "power", "road", "leveling")


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (READINESS_FLAGS, "seven_plus_one"),
        (("road", "water_supply", "power", "telecom", "gas", "leveling"), "five_plus_one"),
        (("road", "water_supply", "power", "telecom", "gas", "leveling", "heat"), "five_plus_one"),
        (("water_supply", "power", "road", "telecom", "leveling"), "four_plus_one"),
        (THREE, "three_plus_one"),
        (("water_supply", "power", "road", "drainage", "heat", "leveling"), "three_plus_one"),
        (("water_supply", "power", "road"), NOT_READY),  # no 土地平整
        (("water_supply", "power", "leveling"), NOT_READY),  # no 通路
        (READINESS_FLAGS[:-1], NOT_READY),  # seven 通 without 平整
        ((), NOT_READY),
    ],
)
def test_label(on, expected):
    assert readiness_label(flags(*on)) == expected


def test_missing_and_null_flags_count_as_not_done():
    assert readiness_label({}) == NOT_READY
    assert readiness_label({"water_supply": True, "power": True, "road": True, "leveling": None}) == NOT_READY
    nan = float("nan")
    assert readiness_label({"water_supply": True, "power": True, "road": True, "leveling": nan}) == NOT_READY
    assert readiness_label({"water_supply": 1, "power": 1, "road": 1, "leveling": 1}) == "three_plus_one"


def test_at_least():
    assert at_least("seven_plus_one")
    assert at_least("three_plus_one")
    assert not at_least(NOT_READY)
    assert not at_least("three_plus_one", "five_plus_one")
    assert at_least("five_plus_one", "four_plus_one")
