# ruff: noqa
# Test cases for checks/semgrep/transport.yaml (semgrep --test); never executed.
import ssl

import aiohttp
import httpx
import requests
import urllib3

# ruleid: transport-tls-verification-disabled
r = requests.get("https://internal.example.com/status", verify=False, timeout=5)
# ok: transport-tls-verification-disabled
r = requests.get("https://internal.example.com/status", verify="/etc/ssl/internal-ca.pem", timeout=5)
# ok: transport-tls-verification-disabled
r = requests.get("https://internal.example.com/status", verify=True, timeout=5)
session = requests.Session()
# ruleid: transport-tls-verification-disabled
session.verify = False
# ruleid: transport-tls-verification-disabled
client = httpx.Client(verify=False)
# ok: transport-tls-verification-disabled
client = httpx.Client(verify=True)
# ruleid: transport-tls-verification-disabled
connector = aiohttp.TCPConnector(ssl=False)
# ruleid: transport-tls-verification-disabled
pool = urllib3.PoolManager(cert_reqs="CERT_NONE")
# ok: transport-tls-verification-disabled
pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED")

ctx = ssl.create_default_context()
# ruleid: transport-ssl-check-hostname-disabled
ctx.check_hostname = False
# ruleid: transport-ssl-cert-none
ctx.verify_mode = ssl.CERT_NONE
# ok: transport-ssl-cert-none
ctx.verify_mode = ssl.CERT_REQUIRED
# ok: transport-ssl-check-hostname-disabled
ctx.check_hostname = True
# ruleid: transport-ssl-cert-none
unverified = ssl._create_unverified_context()
# ok: transport-ssl-cert-none
verified = ssl.create_default_context()

# ruleid: transport-credentials-in-http-url
FEED_URL = "http://reporter:s3cr3t@feeds.example.com/export.csv"
# ruleid: transport-credentials-in-http-url
API = f"http://api.example.com/v1/items?api_key={KEY}"
# ok: transport-credentials-in-http-url
FEED_URL = "https://reporter:s3cr3t@feeds.example.com/export.csv"
# ok: transport-credentials-in-http-url
LOCAL = "http://admin:admin@localhost:15672/api/queues"
# ok: transport-credentials-in-http-url
PLAIN = "http://example.com/docs?page=2"


def fetch(user, password):
    # ruleid: transport-basic-auth-over-http
    requests.get("http://legacy.example.com/api/report", auth=(user, password), timeout=5)
    # ok: transport-basic-auth-over-http
    requests.get("https://legacy.example.com/api/report", auth=(user, password), timeout=5)
    # ok: transport-basic-auth-over-http
    requests.get("http://legacy.example.com/public", timeout=5)


def login(user, password, api_key):
    # ruleid: transport-credentials-posted-over-http
    requests.post("http://sso.example.com/api/login", json={"user": user, "password": password})
    # ruleid: transport-credentials-posted-over-http
    httpx.put("http://api.example.com/v1/keys", data={'api_key': api_key}, timeout=5)
    # ok: transport-credentials-posted-over-http
    requests.post("https://sso.example.com/api/login", json={"user": user, "password": password})
    # ok: transport-credentials-posted-over-http
    requests.post("http://localhost:8000/api/login", json={"user": user, "password": password})
    # ok: transport-credentials-posted-over-http
    requests.post("http://metrics.example.com/ingest", json={"user": user, "count": 3})
