"""A hub's own HTTPS certificate: signed by an authority of its own, which vouches for its names only."""

import ipaddress

from cryptography import x509

from server.cli.hub import hub_cli
from server.hub.certificate import make_certificate

NAMES = ["lumbung-hub.test", "127.0.0.1"]


def load(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_the_server_certificate_names_the_hub_and_is_signed_by_its_authority(tmp_path):
    authority_path, cert_path, key_path = make_certificate(tmp_path, NAMES)
    authority, cert = load(authority_path), load(cert_path)
    cert.verify_directly_issued_by(authority)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["lumbung-hub.test"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert key_path.stat().st_mode & 0o077 == 0  # the keys are the hub's alone
    assert (tmp_path / "ca.key").stat().st_mode & 0o077 == 0


def test_the_authority_vouches_only_for_the_hubs_names(tmp_path):
    authority = load(make_certificate(tmp_path, NAMES)[0])
    constraints = authority.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    assert set(constraints.value.permitted_subtrees) == {
        x509.DNSName("lumbung-hub.test"),
        x509.IPAddress(ipaddress.ip_network("127.0.0.1/32")),
    }
    assert authority.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0


def test_a_new_certificate_for_the_same_names_keeps_the_authority_phones_installed(tmp_path):
    first = (tmp_path / "ca.crt", make_certificate(tmp_path, NAMES)[0].read_bytes())[1]
    second_cert = load(make_certificate(tmp_path, NAMES)[1])
    assert (tmp_path / "ca.crt").read_bytes() == first
    second_cert.verify_directly_issued_by(x509.load_pem_x509_certificate(first))
    make_certificate(tmp_path, ["lumbung-hub.test", "127.0.0.2"])
    assert (tmp_path / "ca.crt").read_bytes() != first  # other names: a new authority


def test_flask_hub_certificate_writes_them_in_the_instance_folder(hub_app):
    answer = hub_app.test_cli_runner().invoke(hub_cli, ["certificate", *NAMES])
    assert answer.exit_code == 0, answer.output
    folder = hub_app.config["TLS_DIR"]
    assert f"LUMBUNG_TLS_CERT={folder}/hub.crt LUMBUNG_TLS_KEY={folder}/hub.key" in answer.output
    assert f"{folder}/ca.crt" in answer.output
