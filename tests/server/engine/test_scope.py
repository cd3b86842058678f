"""The scope rules, over plain values: who sees and writes a producer's records, and who manages whom.

A producer's records (the producer, its products, their stock and reviews) are reached by way
of the producer record: its desa, the account that made it and its phone.
"""

import pytest

from server.engine.scope.rules import Actor, covers, lies_below, lies_within, manages, may_see, may_write, would_manage

DESA = "32.04.10.2001"  # Margaasih, Kab. Bandung
NEIGHBOUR = "32.04.10.2002"  # another desa of the same kecamatan
ELSEWHERE = "32.73.01.1001"  # Kota Bandung
PHONE = "+6281299990000"

producer = Actor(id="p", role="producer", regions=(DESA,), phone=PHONE)
facilitator = Actor(id="f", role="facilitator", regions=(DESA,))
kecamatan_facilitator = Actor(id="fk", role="facilitator", regions=("32.04.10",))
kabupaten_admin = Actor(id="a", role="admin", regions=("32.04",))
province_admin = Actor(id="pa", role="admin", regions=("32",))
hub = Actor(id="h", role="hub", regions=("32.04.10",))


def test_a_region_covers_itself_and_what_lies_under_it_and_nothing_else():
    assert covers(["32.04"], "32.04") and covers(["32.04"], DESA)
    assert not covers(["32.04"], "32.040") and not covers(["32.04"], "32") and not covers(["32.04"], None)
    assert lies_below(["32.04"], DESA) and not lies_below(["32.04"], "32.04")


def test_a_hub_answers_for_accounts_whose_regions_all_lie_in_its_kecamatan():
    kecamatan = ("32.04.10",)
    assert lies_within(kecamatan, ("32.04.10.2001", "32.04.10.2002"))
    assert lies_within(kecamatan, ("32.04.10",))
    assert not lies_within(kecamatan, ("32.04.10.2001", "32.04.05.2001"))
    assert not lies_within(kecamatan, ("32.04",))
    assert not lies_within(kecamatan, ())  # an account without regions is nobody's


def test_a_producer_sees_only_its_own_records_in_its_own_desa():
    assert may_see(producer, DESA, made_by="p")  # it made them
    assert may_see(producer, DESA, made_by="f", phone=PHONE)  # they carry its phone
    assert not may_see(producer, DESA, made_by="f", phone="+6281211112222")  # someone else's, next door
    # Its phone or its own hand are not enough outside its desa: an account's phone is chosen by
    # whoever opens it.
    assert not may_see(producer, ELSEWHERE, made_by="f", phone=PHONE)
    assert not may_see(producer, ELSEWHERE, made_by="p")


def test_an_account_without_a_phone_owns_no_record_without_a_phone():
    phoneless = Actor(id="q", role="producer", regions=(DESA,))
    assert not may_see(phoneless, DESA, made_by="f", phone=None)


def test_a_facilitator_sees_every_record_of_its_desa_and_no_other():
    assert may_see(facilitator, DESA, made_by="someone", phone="+6281211112222")
    assert not may_see(facilitator, NEIGHBOUR)
    assert may_see(kecamatan_facilitator, NEIGHBOUR)


def test_a_hub_sees_every_record_of_its_kecamatan_and_no_other():
    assert may_see(hub, DESA, made_by="someone", phone="+6281211112222") and may_see(hub, NEIGHBOUR)
    assert not may_see(hub, "32.04.05.2001") and not may_see(hub, ELSEWHERE)


def test_an_admin_sees_its_kabupaten_or_province():
    assert may_see(kabupaten_admin, DESA) and not may_see(kabupaten_admin, ELSEWHERE)
    assert may_see(province_admin, DESA) and may_see(province_admin, ELSEWHERE)


@pytest.mark.parametrize("actor", [producer, facilitator, hub, kabupaten_admin], ids=lambda a: a.role)
@pytest.mark.parametrize("village", [DESA, NEIGHBOUR, ELSEWHERE])
def test_seeing_and_writing_are_one_right(actor, village):
    for made_by, phone in (("p", None), ("f", PHONE), ("f", None)):
        assert may_write(actor, village, made_by, phone) == may_see(actor, village, made_by, phone)


def account(role, *regions):
    return Actor(id="other", role=role, regions=regions)


def test_a_facilitator_manages_the_producers_of_its_villages_only():
    assert manages(facilitator, account("producer", DESA))
    assert not manages(facilitator, account("producer", NEIGHBOUR))
    assert not manages(facilitator, account("facilitator", DESA))
    assert not manages(kecamatan_facilitator, account("facilitator", DESA))


def test_an_admin_manages_the_accounts_of_its_regions_and_the_admins_strictly_inside():
    assert manages(kabupaten_admin, account("producer", DESA))
    assert manages(kabupaten_admin, account("facilitator", "32.04.10"))
    assert manages(province_admin, account("admin", "32.04"))
    assert not manages(kabupaten_admin, account("facilitator", "32.04.10", "32.73.01"))  # all regions, not one


def test_an_admin_manages_the_hubs_of_its_regions_and_a_hub_manages_nobody():
    assert manages(kabupaten_admin, account("hub", "32.04.10"))
    assert not manages(kabupaten_admin, account("hub", "32.73.01"))
    assert not manages(kecamatan_facilitator, account("hub", "32.04.10"))
    for role, region in (("producer", DESA), ("facilitator", DESA), ("hub", "32.04.10")):
        assert not manages(hub, account(role, region))


def test_nobody_manages_an_equal_or_itself_or_anyone_above():
    assert not manages(kabupaten_admin, account("admin", "32.04"))  # a peer of the same kabupaten
    assert not manages(province_admin, account("admin", "32"))
    assert not manages(kabupaten_admin, province_admin)
    assert not manages(kabupaten_admin, kabupaten_admin)
    assert not manages(producer, account("producer", DESA))


def test_an_account_is_given_a_role_and_regions_only_if_it_would_then_be_managed():
    assert would_manage(kabupaten_admin, "facilitator", ["32.04.10"])
    assert not would_manage(kabupaten_admin, "admin", ["32.04"])
    assert not would_manage(facilitator, "facilitator", [DESA])
    assert not would_manage(kabupaten_admin, "producer", [])  # an account with no region is nobody's
