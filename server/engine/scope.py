"""Region scope: which region codes an account covers."""


def covers(region_codes, code):
    """Tell whether a region code lies inside (or is) one of the given region codes."""
    if not code:
        return False
    return any(code == r or code.startswith(r + ".") for r in region_codes)


def lies_below(region_codes, code):
    """Tell whether a region code lies strictly inside one of the given region codes."""
    return bool(code) and any(code.startswith(r + ".") for r in region_codes)


def region_level(code):
    """1 for a province, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan."""
    return code.count(".") + 1
