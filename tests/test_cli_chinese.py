"""Every command speaks Chinese (#26): ``--help`` and usage errors, run as a user runs them (subprocess).

argparse's own English (``usage:``, ``options``, ``show this help message and
exit``, ``the following arguments are required`` …) must not reach the
terminal, nor an option's value named by its English dest (``--data DATA``);
usage errors still exit 2. Allowed: option names, choices, file extensions,
codes such as EPSG:4546, addresses such as postgresql://.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from geodata.cliargs import translate
from testing.harness import REPO

# argparse's fixed English words (Python 3.11–3.13 templates, placeholders cut out).
ENGLISH = (
    "usage", "error:", "positional arguments", "optional arguments", "options:", "show this help message",
    "and exit", "the following arguments are required", "invalid choice", "choose from", "expected one argument",
    "expected at most", "expected at least", "unrecognized arguments", "argument ", "invalid int value",
    "invalid float value", "not allowed with", "is required", "ambiguous option", "could match",
)  # fmt: skip
ALLOWED = (
    r"python -m [\w.]+(?: [a-z]+)?",  # the command itself
    r"--?[\w-]+",  # option names
    r"\{[^}]*\}",  # choices in usage
    r"'[^']*'",  # a choice or value as typed
    r"\w+://\S*",  # addresses
    r"\$\w+",  # environment variables
    r"\.\w+\b",  # file extensions
    r"EPSG:\d+",
)
# (arguments, exit code, a Chinese phrase it must show)
CASES = [
    (["-m", "geodata", "--help"], 0, "显示本帮助并退出"),
    (["-m", "geodata", "validate", "--help"], 0, "位置参数"),
    (["-m", "geodata"], 2, "缺少必需的参数：命令"),
    (["-m", "geodata", "frob"], 2, "无效的选项值 'frob'"),
    (["-m", "geodata", "validate", "x.zip", "--layer"], 2, "参数 --layer：须跟一个值"),
    (["-m", "geodata", "synth", "--parcels", "x", "--projects", "1", "--out", "a.gpkg"], 2, "无效的整数值"),
    (["-m", "geodata", "export", "a.zip", "--format", "shp", "--bogus"], 2, "无法识别的参数：--bogus"),
    (["-m", "geodata", "import", "--help"], 0, "以某个账户的权限导入文件"),
    (["-m", "geodata", "import", "x.zip"], 2, "缺少必需的参数：--as"),
    (["-m", "geodata", "report", "--help"], 0, "命令"),
    (["-m", "geodata", "report", "bulletin", "--help"], 0, "选项"),
    (["-m", "geodata", "report", "bulletin", "--period", "2021-09", "--out", "a.docx", "--format", "zz"], 2, "可选"),
    (["-m", "access.accounts", "--help"], 0, "显示本帮助并退出"),
    (["-m", "access.accounts", "add", "--help"], 0, "用户名"),
    (["-m", "access.accounts", "add", "u1", "--role", "bogus"], 2, "参数 --role：无效的选项值"),
    (["-m", "access.accounts", "--data"], 2, "参数 --data：须跟一个值"),
]


def english_left(text: str) -> list[str]:
    """argparse's English phrases in ``text``, and any two English words in a row once allowed tokens are cut."""
    found = [phrase for phrase in ENGLISH if phrase in text.lower()]
    found += re.findall(r"--[\w-]+ ([A-Z][A-Z_]+)\b", text)  # argparse's metavar: the dest in capitals (--data DATA)
    cut = re.sub("|".join(ALLOWED), " ", text)
    word = r"[A-Za-z]*[a-z][A-Za-z]*"
    return found + re.findall(rf"\b{word}[ ,]+{word}\b", cut)


@pytest.mark.parametrize(("args", "code", "phrase"), CASES, ids=[" ".join(c[0][1:]) for c in CASES])
def test_command_help_and_usage_errors_are_chinese(tmp_path, args, code, phrase):
    env = {**os.environ, "ZONEMAP_CLI_LOG": str(tmp_path / "cli.log"), "ZONEMAP_DATA": str(tmp_path / "none.gpkg"),
           "ZONEMAP_ACCOUNTS": str(tmp_path / "accounts.toml")}  # fmt: skip
    done = subprocess.run([sys.executable, *args], cwd=tmp_path, env={**env, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    shown = done.stdout + done.stderr
    assert done.returncode == code, shown
    assert "用法：" in shown and phrase in shown, shown
    assert not english_left(shown), shown


def test_every_argparse_error_message_is_translated():
    examples = [
        "the following arguments are required: --out",
        "one of the arguments --a --b is required",
        "unrecognized arguments: --x",
        "argument --layer: invalid choice: 'x' (choose from 'zones', 'parcels')",
        "argument --seed: invalid int value: 'x'",
        "argument --near-m: invalid float value: 'x'",
        "argument --a: expected one argument",
        "argument --a: expected at most one argument",
        "argument --a: expected at least one argument",
        "argument --a: expected 2 arguments",
        "argument --a: not allowed with argument --b",
        "argument --a: ignored explicit argument 'x'",
        "ambiguous option: --da could match --data, --date",
        "unexpected option string: --x",
        "can't open 'a.txt': [Errno 2] No such file or directory",
    ]
    for message in examples:
        chinese = translate(message)
        assert chinese != message and not [p for p in ENGLISH if p in chinese.lower()], chinese
