"""The one CSV writer: every text cell guarded against formulas, numbers kept as numbers."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

from server.web.csv_writer import csv_bytes, safe_cell

SERVER = Path(__file__).parents[3] / "server"


def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe():
    for text in ('=HYPERLINK("http://x")', "@SUM(1)", "+1", "-1+2", "\tcmd", "\rcmd"):
        assert safe_cell(text) == "'" + text
    for text in ("Kopi Arabika", "12.5", "", "a=b", "'quoted"):
        assert safe_cell(text) == text


def test_numbers_written_as_numbers_stay_numbers_even_when_negative():
    assert safe_cell(-3) == -3 and safe_cell(-1.5) == -1.5 and safe_cell(Decimal("-2.250")) == Decimal("-2.250")
    rows = list(csv.reader(io.StringIO(csv_bytes([[-3, Decimal("-2.250"), "-3", None]]).decode("utf-8-sig"))))
    assert rows == [["-3", "-2.250", "'-3", ""]]


def test_a_file_starts_with_a_bom_and_ends_lines_with_crlf():
    assert csv_bytes([["a", 1], []]) == "\ufeffa,1\r\n\r\n".encode()


def test_every_csv_the_server_makes_goes_through_the_one_writer():
    makers, writers = set(), set()
    for path in SERVER.rglob("*.py"):
        source = path.read_text()
        if re.search(r"csv\.(writer|DictWriter)\(", source):
            writers.add(path.relative_to(SERVER).as_posix())
        if "text/csv" in source:
            makers.add(path.relative_to(SERVER).as_posix())
    assert writers == {"web/csv_writer.py"}
    assert makers >= {"workspace/exports.py", "workspace/consolidation/views.py"}
    for name in makers:
        assert re.search(r"^from (\.|\.+web\.)csv_writer import", (SERVER / name).read_text(), re.M), name
