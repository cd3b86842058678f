import pytest
from sqlalchemy import select

from server.engine.models import User
from server.extensions import db

ADMIN = [
    "--phone",
    "081200000001",
    "--pin",
    "246810",
    "--role",
    "admin",
    "--region",
    "32.04",
    "--name",
    "Admin Bandung",
]


def create(runner, *changes):
    """Run `user create` with ADMIN's options, some replaced: ("--pin", "1234")."""
    args = list(ADMIN)
    for option, value in changes:
        args[args.index(option) + 1] = value
    return runner.invoke(args=["user", "create", *args])


def test_user_create_makes_an_admin_who_can_log_in(app, runner, accounts):
    result = create(runner)
    assert result.exit_code == 0, result.output
    assert "created admin Admin Bandung +6281200000001" in result.output
    body = accounts.login("6281200000001")
    assert (body["user"]["role"], body["user"]["regions"], body["user"]["name"]) == (
        "admin",
        ["32.04"],
        "Admin Bandung",
    )


def test_user_create_takes_several_regions(runner, accounts):
    result = runner.invoke(args=["user", "create", *ADMIN, "--region", "32.73"])
    assert result.exit_code == 0, result.output
    assert accounts.login("081200000001")["user"]["regions"] == ["32.04", "32.73"]


def test_user_create_refuses_a_phone_taken_in_any_spelling(app, runner):
    assert create(runner).exit_code == 0
    result = create(runner, ("--phone", "+6281200000001"))
    assert result.exit_code == 1
    assert "already registered" in result.output
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1


@pytest.mark.parametrize(
    "option, value, says",
    [
        ("--phone", "12345", "invalid_phone"),
        ("--pin", "2468", "invalid_pin"),
        ("--pin", "abcdef", "invalid_pin"),
        ("--pin", "246810\n", "invalid_pin"),
        ("--pin", "123456", "weak_pin"),
        ("--pin", "000000", "weak_pin"),
        ("--region", "32.99", "unknown_region"),
        ("--region", "Bandung", "unknown_region"),
        ("--region", "32.04.10.2001", "wrong_region_level"),  # an admin is over a kabupaten or province
        ("--name", " ", "required"),
    ],
)
def test_user_create_refuses_bad_input(app, runner, option, value, says):
    result = create(runner, (option, value))
    assert result.exit_code == 1
    assert says in result.output
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []


def test_user_create_makes_a_hub_of_one_kecamatan_only(runner, accounts):
    hub = [*ADMIN[:4], "--role", "hub", "--name", "Hub Margaasih"]
    two = runner.invoke(args=["user", "create", *hub, "--region", "32.04.10", "--region", "32.04.05"])
    assert two.exit_code == 1 and "one_kecamatan" in two.output
    one = runner.invoke(args=["user", "create", *hub, "--region", "32.04.10"])
    assert one.exit_code == 0, one.output
    assert accounts.login("081200000001")["user"]["role"] == "hub"


def test_user_create_refuses_an_unknown_role(runner):
    result = create(runner, ("--role", "king"))
    assert result.exit_code == 2
    assert "king" in result.output


def test_user_create_needs_a_region(runner):
    result = runner.invoke(args=["user", "create", *ADMIN[:6], "--name", "No Region"])
    assert result.exit_code == 2
    assert "--region" in result.output


def test_regions_import_again_inserts_nothing(runner):
    result = runner.invoke(args=["regions", "import", "--only", "32.73"])
    assert result.exit_code == 0, result.output
    assert "1 provinces, 1 kabupaten/kota, 30 kecamatan, 151 desa/kelurahan; 0 inserted, 0 renamed" in result.output
