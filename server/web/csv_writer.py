"""The one CSV writer of every CSV the server makes (marketplace exports, consolidation manifests).

Formula guard. A spreadsheet runs a cell that starts with = + - @ (and, in some, a tab or a
carriage return) as a formula: a producer named `=HYPERLINK("http://x")` would become a link in
the admin's spreadsheet. Every text cell (a `str`) that starts with one of these is written with
a leading apostrophe, which spreadsheets show as text and do not run.

Numbers stay numbers: an int, float or Decimal is written as it is, so a negative quantity given
as a number is still a number in the spreadsheet. A number held as text (say "-3") is text and is
guarded like any other: callers pass numbers as numbers.

The file is UTF-8 with a byte order mark (so that Excel reads it as UTF-8) and CRLF line ends.
"""

import csv
import io

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value):
    """A cell as written: text that a spreadsheet would run gets a leading apostrophe; None is empty."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class CsvWriter:
    """Turns rows into CSV bytes, the BOM first; each call answers only the bytes of its rows."""

    def __init__(self):
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, lineterminator="\r\n")
        self._started = False

    def rows(self, rows):
        """The UTF-8 bytes of these rows, every cell guarded (with the BOM on the first call)."""
        self._out.seek(0)
        self._out.truncate()
        if not self._started:
            self._out.write(BOM)
            self._started = True
        for row in rows:
            self._writer.writerow([safe_cell(value) for value in row])
        return self._out.getvalue().encode("utf-8")


def csv_bytes(rows):
    """A whole CSV file's bytes from its rows."""
    return CsvWriter().rows(rows)
