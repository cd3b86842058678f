"""A benchmark's table as Markdown, written into its own section of a shared file (`--markdown PATH`).

Each benchmark owns the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; writing
one section leaves the rest of the file as it was, so running one benchmark keeps the others'.
A section says how it was made: the command, the machine's core count, the date and the commit.
"""

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = """# Benchmarks

Each section is written by the command it shows (`--markdown docs/benchmarks.md`), on the machine
it names; running one benchmark replaces its own section and keeps the others.
"""


def table(headers, rows):
    """A Markdown table of rows (each a sequence of cells, already formatted)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def command(module):
    """The command line that ran this benchmark, as one would type it again."""
    return " ".join(["python", "-m", module, *map(shlex.quote, sys.argv[1:])])


def cores():
    """The cores this process may run on (what `nproc` says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def commit(ignore=None):
    """The checked-out commit, marked when tracked files differ from it (`ignore` aside)."""
    git = ["git", "-C", str(ROOT)]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        paths = ["--", "."]
        if ignore and Path(ignore).resolve().is_relative_to(ROOT):
            paths.append(f":(exclude){Path(ignore).resolve().relative_to(ROOT)}")
        changed = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no", *paths], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + (" with uncommitted changes" if changed.stdout.strip() else "")


def section(title, module, body, path=None):
    """A section's text: its title, how it was made, then body (tables and notes)."""
    made = (
        f"- command: `{command(module)}`\n"
        f"- machine: {cores()} cores (`nproc`), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"commit {commit(path)}"
    )
    return f"## {title}\n\n{made}\n\n{body.strip()}\n"


def replace_section(text, name, content):
    """text with the section `name` holding content: replaced where it is, else added at the end."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{content.strip()}\n{end}"
    before, found, rest = text.partition(start)
    if found:
        _, closed, after = rest.partition(end)
        if not closed:
            raise ValueError(f"{start} has no {end}")
        return before + block + after
    return text.rstrip("\n") + "\n\n" + block + "\n"


def write_section(path, name, content):
    """Put content into the section `name` of the file at path (made with a header if missing)."""
    path = Path(path)
    text = path.read_text() if path.exists() else HEADER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(text, name, content))
    print(f"wrote the {name} section of {path}", file=sys.stderr)
