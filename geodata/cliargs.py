"""The one argument parser of every command (``python -m geodata …``, ``python -m access.accounts``), in Chinese.

argparse writes its own words in English: the ``usage:`` prefix, the section
titles, the ``-h`` help and its error messages. They pass through
``gettext``, but argparse calls the process-wide ``gettext.gettext``, so a
catalogue would only apply under a Chinese ``LANGUAGE`` and with a compiled
``.mo`` file switched in as the whole process's text domain. Instead
:class:`ChineseParser` uses argparse's public extension points:

- its own ``-h/--help`` (``add_help=False`` and an ``action="help"`` argument);
- a help formatter (``formatter_class``) giving the ``用法：`` prefix, the
  section titles 位置参数/选项, and 值 for an option's value the command does
  not name (instead of its English ``dest`` in capitals);
- :meth:`ChineseParser.error` (argparse: "if you override this method, it
  should not return"), which translates the message, made from argparse's
  fixed English templates (:data:`MESSAGES`), prints usage and exits 2.

Sub-commands are parsers of the same class (``add_subparsers`` makes them with
the parent's class), listed under 命令.
"""

from __future__ import annotations

import argparse
import re
import sys

from geodata.terminal import safe

HEADINGS = {"positional arguments": "位置参数", "options": "选项", "optional arguments": "选项"}
TYPES = {"int": "整数", "float": "数字"}

# argparse's English messages (Python 3.11–3.13) → Chinese; groups are the values argparse filled in.
MESSAGES: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (.+)", r"缺少必需的参数：\1"),
    (r"one of the arguments (.+) is required", r"须给出其中一个参数：\1"),
    (r"unrecognized arguments: (.+)", r"无法识别的参数：\1"),
    (r"invalid choice: (.+) \(choose from (.+)\)", r"无效的选项值 \1（可选：\2）"),
    (r"invalid (\w+) value: (.+)", r"无效的\1值：\2"),
    (r"expected one argument", "须跟一个值"),
    (r"expected at most one argument", "最多跟一个值"),
    (r"expected at least one argument", "至少跟一个值"),
    (r"expected (\d+) arguments?", r"须跟 \1 个值"),
    (r"not allowed with argument (.+)", r"不能与参数 \1 同时使用"),
    (r"ignored explicit argument (.+)", r"不接受值 \1"),
    (r"ambiguous option: (.+) could match (.+)", r"选项 \1 不明确，可能是：\2"),
    (r"unexpected option string: (.+)", r"意外的选项：\1"),
    (r"can't open '(.+)': (.+)", r"无法打开“\1”：\2"),
)
_ARGUMENT = re.compile(r"argument (.+?): (.+)", re.S)


def translate(message: str) -> str:
    """argparse's English ``message`` in Chinese (unknown messages are returned as they are)."""
    if found := _ARGUMENT.fullmatch(message):
        return f"参数 {found[1]}：{translate(found[2])}"
    for english, chinese in MESSAGES:
        if found := re.fullmatch(english, message, re.S):
            groups = [TYPES.get(g, g) for g in found.groups()]
            return re.sub(r"\\(\d)", lambda ref, groups=groups: groups[int(ref[1]) - 1], chinese)
    return message


class ChineseFormatter(argparse.HelpFormatter):
    """Help and usage with Chinese headings."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def _get_default_metavar_for_optional(self, action):  # the hook MetavarTypeHelpFormatter overrides too
        return "值"  # an option's value when the command names none (not its English dest in capitals)

    def start_section(self, heading):
        super().start_section(HEADINGS.get(heading, heading))


class ChineseParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` speaking Chinese; usage errors exit 2 (see module doc)."""

    def __init__(self, *args, add_help: bool = True, **kwargs):
        kwargs.setdefault("formatter_class", ChineseFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("title", "命令")
        kwargs.setdefault("metavar", "命令")
        return super().add_subparsers(**kwargs)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        print(safe(f"{self.prog}：用法错误：{translate(message)}"), file=sys.stderr)
        raise SystemExit(2)
