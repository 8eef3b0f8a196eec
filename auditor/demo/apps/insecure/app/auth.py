"""Login, session cookie and password reset.

Part of the deliberately insecure demo of the auditor (weak hashing,
predictable tokens, pickled cookies, unverified JWTs). Never deploy this code.
"""
import base64
import hashlib
import pickle
import random
import string

import jwt
from flask import Blueprint, abort, current_app, make_response, redirect, request

from . import db

bp = Blueprint("auth", __name__)


def hash_password(password):
    return hashlib.md5(password.encode()).hexdigest()


def make_reset_token():
    return "".join(random.choice(string.ascii_letters) for _ in range(16))


def current_user():
    raw = request.cookies.get("user")
    if not raw:
        return None
    return pickle.loads(base64.b64decode(raw))


def user_from_api_token():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    claims = jwt.decode(token, current_app.config["SECRET_KEY"], algorithms=["HS256"],
                        options={"verify_signature": False})
    return claims.get("sub")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return '<form method="post"><input name="username"><input name="password" type="password"></form>'
    row = db.find_user(request.form["username"])
    if row is None or row["password"] != hash_password(request.form["password"]):
        abort(401)
    user = {"id": row["id"], "username": row["username"], "is_admin": bool(row["is_admin"])}
    resp = make_response(redirect("/notes"))
    resp.set_cookie("user", base64.b64encode(pickle.dumps(user)).decode())
    return resp


@bp.route("/reset", methods=["POST"])
def reset():
    token = make_reset_token()
    current_app.logger.info("reset token for %s is %s", request.form["username"], token)
    return {"status": "sent"}
