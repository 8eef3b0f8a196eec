"""Real TLS and HTTP servers on 127.0.0.1 with certificates made on the spot.

Servers use the system OpenSSL through the ssl module; legacy settings (TLS
1.0, NULL suites, 1024-bit keys, SHA-1 signatures) need security level 0,
which each weak server sets for itself only.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

_SHA256_RSA = bytes.fromhex("06092a864886f70d01010b")
_SHA1_RSA = bytes.fromhex("06092a864886f70d010105")
NOW = dt.datetime.now(dt.UTC)
GOOD_HEADERS = (
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload"),
    ("Content-Security-Policy", "default-src 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Set-Cookie", "session=s3cr3t-value; Secure; HttpOnly; SameSite=Lax; Path=/"),
    ("Server", "nginx"),
)
MODERN_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _pem(path: Path, *parts: bytes) -> Path:
    path.write_bytes(b"".join(parts))
    return path


@dataclass(frozen=True)
class Issued:
    chain: Path
    """Leaf then issuer, PEM: what the server sends."""
    key: Path
    cert: Path


class Pki:
    """A test CA and the certificates it (or nobody) signs."""

    def __init__(self, root: Path, name: str = "Auditor Test CA") -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=30))
            .not_valid_after(NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
            )
            .sign(self.key, hashes.SHA256())
        )
        self.bundle = _pem(root / f"{name.replace(' ', '-')}.pem", self._pem(self.cert))

    @staticmethod
    def _pem(cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    def issue(
        self,
        name: str,
        *,
        sans: Sequence[str] = ("127.0.0.1",),
        key: str = "rsa2048",
        sha1: bool = False,
        not_before: dt.timedelta = dt.timedelta(days=-1),
        not_after: dt.timedelta = dt.timedelta(days=365),
        self_signed: bool = False,
    ) -> Issued:
        if key == "ec256":
            leaf_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = ec.generate_private_key(
                ec.SECP256R1()
            )
        else:
            leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=int(key[3:]))
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        alt: list[x509.GeneralName] = []
        for s in sans:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(s)))
            except ValueError:
                alt.append(x509.DNSName(s))
        signer = leaf_key if self_signed else self.key
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if self_signed else self.cert.subject)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW + not_before)
            .not_valid_after(NOW + not_after)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        cert = builder.sign(signer, hashes.SHA256())
        leaf_pem = self._pem(cert)
        if sha1:
            leaf_pem = self._sha1(cert)
        key_pem = leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        issuer = b"" if self_signed else self._pem(self.cert)
        return Issued(
            chain=_pem(self.root / f"{name}-chain.pem", leaf_pem, issuer),
            key=_pem(self.root / f"{name}-key.pem", key_pem),
            cert=_pem(self.root / f"{name}.pem", leaf_pem),
        )

    def _sha1(self, cert: x509.Certificate) -> bytes:
        """Re-sign with SHA-1, which cryptography's builder refuses to do."""
        tbs = cert.tbs_certificate_bytes
        assert tbs.count(_SHA256_RSA) == 1
        tbs = tbs.replace(_SHA256_RSA, _SHA1_RSA)
        sig = self.key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - the weak signature under test
        alg = _der(0x30, _SHA1_RSA + b"\x05\x00")
        der = _der(0x30, tbs + alg + _der(0x03, b"\x00" + sig))
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def http_response(headers: Sequence[tuple[str, str]], status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    lines += ["Content-Length: 2", "Connection: close", "", "ok"]
    return "\r\n".join(lines).encode("ascii")


class _Server:
    """Accepts on 127.0.0.1 in a thread; one short-lived thread per connection."""

    scheme = "http"

    def __init__(self, response: bytes = b"") -> None:
        self.response = response
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port: int = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/"

    def __enter__(self) -> _Server:
        self._thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
        for s in self._held:
            s.close()

    def _accept(self) -> None:
        self.sock.settimeout(0.05)  # poll, since close() does not wake a blocked accept()
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            with self.wrap(conn) as s:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                s.sendall(self.response)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def wrap(self, conn: socket.socket) -> socket.socket:
        return conn


class HttpServer(_Server):
    pass


class SilentServer(_Server):
    """Completes the TCP handshake and then never says a word."""

    def _serve(self, conn: socket.socket) -> None:
        self._held.append(conn)


class TlsServer(_Server):
    scheme = "https"

    def __init__(
        self,
        issued: Issued,
        response: bytes,
        *,
        legacy_versions: bool = False,
        ciphers: str = MODERN_CIPHERS,
        seclevel0: bool = False,
    ) -> None:
        super().__init__(response)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = (
                ssl.TLSVersion.TLSv1 if legacy_versions else ssl.TLSVersion.TLSv1_2
            )
        ctx.set_ciphers(ciphers + (":@SECLEVEL=0" if seclevel0 or legacy_versions else ""))
        ctx.load_cert_chain(issued.chain, issued.key)
        self.ctx = ctx

    def wrap(self, conn: socket.socket) -> socket.socket:
        return self.ctx.wrap_socket(conn, server_side=True)


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


class OpensslServer:
    """``openssl s_server`` stapling an OCSP response: the ssl module cannot staple."""

    def __init__(self, issued: Issued, ca_bundle: Path, ocsp_der: Path) -> None:
        self.port = closed_port()
        self.url = f"https://127.0.0.1:{self.port}/"
        exe = shutil.which("openssl")
        if exe is None:
            raise RuntimeError("the openssl command is needed (Debian package: openssl)")
        self.cmd = [
            exe, "s_server", "-quiet", "-www", "-accept", f"127.0.0.1:{self.port}",
            "-cert", str(issued.cert), "-key", str(issued.key), "-cert_chain", str(ca_bundle),
            "-status_file", str(ocsp_der),
        ]  # fmt: skip

    def __enter__(self) -> OpensslServer:
        self.proc = subprocess.Popen(
            self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.02)
        self.proc.kill()
        raise RuntimeError(f"openssl s_server did not start: {self.proc.communicate()[1]!r}")

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()


def ocsp_response(pki: Pki, issued: Issued, status: ocsp.OCSPCertStatus) -> Path:
    leaf = x509.load_pem_x509_certificate(issued.cert.read_bytes())
    revoked = (NOW, None) if status is ocsp.OCSPCertStatus.REVOKED else (None, None)
    resp = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            leaf, pki.cert, hashes.SHA256(), status, NOW, NOW + dt.timedelta(days=7), *revoked
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, pki.cert)
        .sign(pki.key, hashes.SHA256())
    )
    path = pki.root / f"ocsp-{status.name}.der"
    path.write_bytes(resp.public_bytes(serialization.Encoding.DER))
    return path
