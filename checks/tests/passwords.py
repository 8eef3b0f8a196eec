# ruff: noqa
# Test cases for checks/semgrep/passwords.yaml (semgrep --test); never executed.
import hashlib
import hmac
import os

import argon2
import bcrypt
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password
from flask import Flask, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)


def register(username, password):
    salt = os.urandom(16)
    # ruleid: passwords-fast-hash-on-password
    digest = hashlib.sha256(salt + password.encode()).hexdigest()
    # ruleid: passwords-fast-hash-on-password
    legacy = hashlib.md5(password.encode("utf-8")).hexdigest()
    h = hashlib.sha1()
    # ruleid: passwords-fast-hash-on-password
    h.update(password.encode())
    # ok: passwords-fast-hash-on-password
    stored = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    # ok: passwords-fast-hash-on-password
    stored = argon2.PasswordHasher().hash(password)
    # ok: passwords-fast-hash-on-password
    etag = hashlib.sha256(username.encode()).hexdigest()
    return digest, legacy, stored, etag


@app.route("/login", methods=["POST"])
def login():
    form_pw = request.form["password"]
    # ruleid: passwords-fast-hash-on-password
    candidate = hashlib.sha512(form_pw.encode()).hexdigest()
    user = User.query.filter_by(name=request.form["username"]).first()
    # ruleid: passwords-plaintext-comparison
    if user.password == form_pw:
        return "welcome"
    # ok: passwords-plaintext-comparison
    if check_password_hash(user.password_hash, form_pw):
        return "welcome"
    # ok: passwords-plaintext-comparison
    if user.password is None or user.password == "":
        return "no password set"
    return "denied", 401


def change_password(row, new_password, confirm_password):
    # ok: passwords-plaintext-comparison
    if new_password != confirm_password:
        raise ValueError("passwords differ")
    # ruleid: passwords-plaintext-comparison
    if row["password"] != new_password:
        raise ValueError("mismatch")


@app.route("/signup", methods=["POST"])
def signup():
    user = User(username=request.form["username"])
    # ruleid: passwords-plaintext-storage
    user.password = request.form["password"]
    # ok: passwords-plaintext-storage
    user.password = generate_password_hash(request.form["password"])
    # ruleid: passwords-plaintext-storage
    db.session.add(Account(name=request.form["username"], password=request.form["password"]))
    # ok: passwords-plaintext-storage
    db.session.add(Account(name=request.form["username"],
                           password=bcrypt.hashpw(request.form["password"].encode(), bcrypt.gensalt())))
    return "created"


def django_signup(request):
    # ruleid: passwords-plaintext-storage
    User.objects.create(username=request.POST["username"], password=request.POST["password"])
    # ok: passwords-plaintext-storage
    User.objects.create_user(username=request.POST["username"], password=request.POST["password"])
    # ok: passwords-plaintext-storage
    User.objects.create(username=request.POST["username"],
                        password=make_password(request.POST["password"]))


# ruleid: passwords-django-weak-hasher
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# ok: passwords-django-weak-hasher
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

# ruleid: passwords-bcrypt-low-rounds
weak_salt = bcrypt.gensalt(rounds=8)
# ruleid: passwords-bcrypt-low-rounds
weak_salt = bcrypt.gensalt(10)
# ok: passwords-bcrypt-low-rounds
strong_salt = bcrypt.gensalt(rounds=13)
# ok: passwords-bcrypt-low-rounds
default_salt = bcrypt.gensalt()
# ruleid: passwords-bcrypt-low-rounds
BCRYPT_LOG_ROUNDS = 4

# ruleid: passwords-argon2-weak-parameters
cheap_hasher = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# ruleid: passwords-argon2-weak-parameters
short_salt = argon2.PasswordHasher(salt_len=8)
# ok: passwords-argon2-weak-parameters
hasher = argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)
# ok: passwords-argon2-weak-parameters
default_hasher = argon2.PasswordHasher()


def derive(pw, salt):
    # ruleid: passwords-pbkdf2-low-iterations
    weak = hashlib.pbkdf2_hmac("sha256", pw, salt, 10000)
    # ok: passwords-pbkdf2-low-iterations
    strong = hashlib.pbkdf2_hmac("sha256", pw, salt, 600000)
    # ruleid: passwords-pbkdf2-low-iterations
    legacy = generate_password_hash(pw, method="sha256")
    # ruleid: passwords-pbkdf2-low-iterations
    legacy = generate_password_hash(pw, method="pbkdf2:sha256:1000")
    # ok: passwords-pbkdf2-low-iterations
    modern = generate_password_hash(pw, method="scrypt")
    return weak, strong, legacy, modern


class FastPBKDF2(PBKDF2PasswordHasher):
    # ruleid: passwords-pbkdf2-low-iterations
    iterations = 1000
