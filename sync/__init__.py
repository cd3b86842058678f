"""Lumbung's sync protocol as a pure library: clocks, validation, merge rules and cursors.

Nothing here talks to a network or a database except through what a caller passes in.
"""
