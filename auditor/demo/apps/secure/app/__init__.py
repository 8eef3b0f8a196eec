"""Notes app factory and config.

Part of the secure demo of the auditor: the same notes app as the insecure
variant, written so that the auditor has nothing to report.
"""
import os

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def create_app():
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        SECRET_KEY=os.environ["SECRET_KEY"],
        DATABASE=os.path.join(app.instance_path, "notes.db"),
        UPLOAD_FOLDER=os.path.join(app.instance_path, "uploads"),
        WEBHOOK_URL=os.environ.get("WEBHOOK_URL"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_ENABLED=True,
    )
    os.makedirs(app.config["UPLOAD_FOLDER"], mode=0o700, exist_ok=True)
    csrf.init_app(app)

    from . import auth, db, views

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=5000, debug=False)
