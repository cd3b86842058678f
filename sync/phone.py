"""Indonesian phone numbers: people write 08..., 628... or +628...; we store +628..."""

import re

import phonenumbers

# One of the three spellings, digits only once spaces and dashes are gone: phonenumbers alone
# would also take "812...", "tel:...", letters and other scripts' digits.
SPELLING_RE = re.compile(r"^(\+62|62|0)[0-9]+\Z")


def normalize_phone(text):
    """Return the E.164 form (+62...) of an Indonesian mobile number, or None if invalid."""
    if not isinstance(text, str):
        return None
    raw = text.strip().replace(" ", "").replace("-", "")
    if not SPELLING_RE.match(raw):
        return None
    if raw.startswith("62"):
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
