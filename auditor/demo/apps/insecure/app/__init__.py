"""Notes app factory and config.

Part of the deliberately insecure demo of the auditor: every flaw in this
package is intentional so that the auditor has something to find.
Never deploy this code.
"""
import os

from flask import Flask

SECRET_KEY = "dev-not-a-real-secret"
UPLOAD_FOLDER = "/tmp/notes-uploads"


def create_app():
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=SECRET_KEY,
        DATABASE=os.environ.get("DATABASE", "notes.db"),
        UPLOAD_FOLDER=UPLOAD_FOLDER,
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_HTTPONLY=False,
        WTF_CSRF_ENABLED=False,
        DEBUG=True,
    )
    os.makedirs(UPLOAD_FOLDER, exist_ok=True)
    # Let the web server and the backup job share the folder.
    os.chmod(UPLOAD_FOLDER, 0o777)

    from . import auth, db, views

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    return app


if __name__ == "__main__":
    create_app().run(host="0.0.0.0", port=5000, debug=True)
