# ruff: noqa
# Test cases for checks/semgrep/sessions.yaml (semgrep --test); never executed.
import random
import secrets
import string
import uuid

from django.http import HttpResponse
from flask import Flask, make_response, request, session

app = Flask(__name__)
ALPHABET = string.ascii_letters + string.digits


def generate_reset_token():
    # ruleid: sessions-insecure-random-token
    return "".join(random.choice(ALPHABET) for _ in range(32))


def generate_reset_token_secure():
    # ok: sessions-insecure-random-token
    return secrets.token_urlsafe(32)


def new_user(email):
    # ruleid: sessions-insecure-random-token
    password = str(random.randint(100000, 999999))
    # ok: sessions-insecure-random-token
    password = secrets.token_hex(8)
    # ok: sessions-insecure-random-token
    delay = random.uniform(0.1, 0.5)
    # ruleid: sessions-insecure-random-token
    send_invite(email, token=uuid.uuid1().hex)
    # ok: sessions-insecure-random-token
    send_invite(email, token=uuid.uuid4().hex)
    return password, delay


@app.route("/remember", methods=["POST"])
def remember():
    resp = make_response("ok")
    value = str(random.getrandbits(64))
    # ruleid: sessions-insecure-random-token
    session["remember"] = value
    # ruleid: sessions-insecure-random-token, sessions-cookie-missing-samesite
    resp.set_cookie("remember_me", value, secure=True, httponly=True)
    return resp


@app.route("/prefs")
def prefs():
    resp = make_response("ok")
    # ruleid: sessions-cookie-missing-secure, sessions-cookie-missing-httponly, sessions-cookie-missing-samesite
    resp.set_cookie("session_hint", request.args.get("v", ""))
    # ruleid: sessions-cookie-missing-secure
    resp.set_cookie("auth", "x", secure=False, httponly=True, samesite="Lax")
    # ok: sessions-cookie-missing-secure, sessions-cookie-missing-httponly, sessions-cookie-missing-samesite
    resp.set_cookie("auth", "x", secure=True, httponly=True, samesite="Strict")
    # ok: sessions-cookie-missing-httponly
    resp.set_cookie("csrftoken", "x", secure=True, samesite="Lax")
    # ok: sessions-cookie-missing-secure
    resp.set_cookie("auth", "x", secure=request.is_secure, httponly=True, samesite="Lax")
    return resp


def django_view(request):
    response = HttpResponse("ok")
    # ruleid: sessions-cookie-missing-httponly
    response.set_cookie(key="sessionid2", value="v", secure=True, samesite="Lax")
    # ok: sessions-cookie-missing-httponly, sessions-cookie-missing-secure, sessions-cookie-missing-samesite
    response.set_signed_cookie("uid", "1", secure=True, httponly=True, samesite="Lax")
    return response


# ruleid: sessions-cookie-security-setting-disabled
SESSION_COOKIE_SECURE = False
# ok: sessions-cookie-security-setting-disabled
SESSION_COOKIE_SECURE = True
# ruleid: sessions-cookie-security-setting-disabled
SESSION_COOKIE_SAMESITE = None
# ok: sessions-cookie-security-setting-disabled
SESSION_COOKIE_SAMESITE = "Lax"
# ruleid: sessions-cookie-security-setting-disabled
app.config.update(SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE="Lax")
# ruleid: sessions-cookie-security-setting-disabled
app.config["REMEMBER_COOKIE_SECURE"] = False


class TestingConfig:
    # ok: sessions-cookie-security-setting-disabled
    SESSION_COOKIE_SECURE = False


@app.route("/remember2", methods=["POST"])
def remember2():
    resp = make_response("ok")
    rand = random.random()
    # ruleid: sessions-insecure-random-token
    remember_me_key = str(rand)[2:]
    # ok: sessions-insecure-random-token
    remember_me_key = secrets.token_hex(16)[:16]
    return resp
