"""Notes, attachments, admin page and report export.

Part of the secure demo of the auditor: every route checks the session,
output is rendered through autoescaping templates, and files are served
only from the user's own upload directory.
"""
import os

from flask import Blueprint, Response, abort, current_app, render_template, request, send_from_directory

from . import db, utils
from .auth import admin_required, current_user, login_required

bp = Blueprint("notes", __name__)


def _user_dir():
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], str(current_user()["id"]))
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.route("/notes")
@login_required
def list_notes():
    notes = db.search_notes(current_user()["id"], request.args.get("q", ""))
    return render_template("notes.html", title=f"Notes for {current_user()['username']}", notes=notes)


@bp.route("/notes", methods=["POST"])
@login_required
def create_note():
    db.add_note(current_user()["id"], request.form["title"], request.form["body"])
    return {"status": "created"}, 201


@bp.route("/notes/<int:note_id>/delete", methods=["POST"])
@login_required
def delete_note(note_id):
    db.delete_note(note_id, current_user()["id"])
    return {"status": "deleted"}


@bp.route("/notes/import", methods=["POST"])
@login_required
def import_notes():
    try:
        notes = utils.load_notes_yaml(request.files["file"].read())
    except (KeyError, ValueError):
        current_app.logger.info("rejected notes import", exc_info=True)
        return {"error": "invalid notes file"}, 400
    for note in notes:
        db.add_note(current_user()["id"], note["title"], note["body"])
    return {"status": "imported", "count": len(notes)}


@bp.route("/attachments", methods=["POST"])
@login_required
def upload_attachment():
    upload = request.files["file"]
    try:
        name = utils.safe_upload_name(upload.filename)
    except ValueError:
        abort(400)
    path = os.path.join(_user_dir(), name)
    upload.save(path)
    if name.endswith(".tar.gz"):
        utils.extract_archive(path, _user_dir())
    return {"name": name}, 201


@bp.route("/attachments/<name>")
@login_required
def download_attachment(name):
    return send_from_directory(_user_dir(), name, as_attachment=True)


@bp.route("/admin")
@admin_required
def admin():
    utils.notify_webhook({"event": "admin_view", "user": current_user()["username"]})
    return render_template("notes.html", title="Admin", notes=db.all_notes())


@bp.route("/report")
@login_required
def report():
    notes = db.search_notes(current_user()["id"], "")
    body = utils.export_notes_csv(notes)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=notes.csv"})
