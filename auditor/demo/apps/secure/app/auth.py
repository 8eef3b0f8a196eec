"""Login, session handling and password reset.

Part of the secure demo of the auditor: salted scrypt hashes, signed server
sessions, unguessable reset tokens and verified JWTs.
"""
import functools
import hashlib
import secrets

import jwt
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from . import db, utils

bp = Blueprint("auth", __name__)


def hash_password(password):
    return generate_password_hash(password, method="scrypt")


def make_reset_token():
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


def current_user():
    if "user" not in g:
        g.user = db.get_user(session["user_id"]) if "user_id" in session else None
    return g.user


def user_from_api_token():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    claims = jwt.decode(token, current_app.config["SECRET_KEY"], algorithms=["HS256"],
                        options={"require": ["exp", "sub"]})
    return claims["sub"]


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("auth.login"))
        return view(*args, **kwargs)
    return wrapped


def admin_required(view):
    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user()["is_admin"]:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html")
    row = db.find_user(request.form["username"])
    if row is None or not check_password_hash(row["password_hash"], request.form["password"]):
        abort(401)
    session.clear()
    session["user_id"] = row["id"]
    return redirect(url_for("notes.list_notes"))


@bp.route("/reset", methods=["POST"])
def reset():
    row = db.find_user(request.form["username"])
    if row is not None:
        token, digest = make_reset_token()
        db.store_reset_digest(row["id"], digest)
        utils.send_reset_mail(row["username"], token)
    # Same answer whether or not the user exists.
    return {"status": "sent"}
