"""A hub's own HTTPS certificate: phones need a secure context (https) for the app's service
worker, its PIN lock (WebCrypto) and its photos, and a kecamatan office has no public name.

The hub makes a small certificate authority of its own, whose certificate each phone installs once,
and signs with it the certificate gunicorn serves. The authority is limited by name constraints to
the hub's own names and addresses, so that its key, kept on the hub, can vouch for nothing else.
A new server certificate for the same names is signed by the same authority, so phones keep trusting
it; other names need a new authority, which phones install again.
"""

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

AUTHORITY_DAYS = 10 * 365
SERVER_DAYS = 825  # the longest that phones accept for a certificate of an authority they installed

AUTHORITY_CERT, AUTHORITY_KEY = "ca.crt", "ca.key"
SERVER_CERT, SERVER_KEY = "hub.crt", "hub.key"


def _names(names):
    """The x509 names of host names and IP addresses."""
    general = []
    for name in names:
        try:
            general.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            general.append(x509.DNSName(name))
    return general


def _subtrees(names):
    """Name-constraint subtrees allowing exactly these names and addresses."""
    trees = []
    for name in _names(names):
        if isinstance(name, x509.IPAddress):
            trees.append(x509.IPAddress(ipaddress.ip_network(name.value)))  # the one address
        else:
            trees.append(name)
    return trees


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path, data, private=False):
    path.write_bytes(data)
    if private:
        path.chmod(0o600)


def _authority(folder, names, now):
    """The hub's authority: the one in the folder when it allows these names, else a new one."""
    cert_path, key_path = folder / AUTHORITY_CERT, folder / AUTHORITY_KEY
    if key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        allowed = cert.extensions.get_extension_for_class(x509.NameConstraints).value.permitted_subtrees
        if set(allowed) == set(_subtrees(names)):
            return cert, serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Lumbung hub {names[0]}")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=AUTHORITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.NameConstraints(permitted_subtrees=_subtrees(names), excluded_subtrees=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    _write(key_path, _key_pem(key), private=True)
    return cert, key


def make_certificate(folder, names, now=None):
    """Write the hub's authority (once) and a server certificate for these host names and IP
    addresses into the folder; answers the paths (authority, server certificate, server key)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    now = now or datetime.datetime.now(datetime.UTC)
    authority, authority_key = _authority(folder, names, now)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(authority.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority_key.public_key()), critical=False)
        .sign(authority_key, hashes.SHA256())
    )
    _write(
        folder / SERVER_CERT,
        cert.public_bytes(serialization.Encoding.PEM) + authority.public_bytes(serialization.Encoding.PEM),
    )
    _write(folder / SERVER_KEY, _key_pem(key), private=True)
    return folder / AUTHORITY_CERT, folder / SERVER_CERT, folder / SERVER_KEY
