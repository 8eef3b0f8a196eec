"""Notes, attachments, admin page and report export.

Part of the deliberately insecure demo of the auditor (missing auth checks,
template injection, path traversal, leaked tracebacks). Never deploy this code.
"""
import os
import traceback

from flask import Blueprint, current_app, render_template_string, request, send_file

from . import db, utils
from .auth import current_user

bp = Blueprint("notes", __name__)


@bp.route("/notes")
def list_notes():
    user = current_user()
    notes = db.search_notes(user["id"], request.args.get("q", ""))
    greeting = "<h2>Notes for " + request.args.get("name", user["username"]) + "</h2>"
    items = "".join(f"<li>{utils.highlight(n['title'])}</li>" for n in notes)
    return render_template_string(greeting + "<ul>" + items + "</ul>")


@bp.route("/notes", methods=["POST"])
def create_note():
    user = current_user()
    db.add_note(user["id"], request.form["title"], request.form["body"])
    return {"status": "created"}


@bp.route("/notes/<note_id>/delete", methods=["GET", "POST"])
def delete_note(note_id):
    db.delete_note(note_id)
    return {"status": "deleted"}


@bp.route("/notes/import", methods=["POST"])
def import_notes():
    try:
        user = current_user()
        for note in utils.load_notes_yaml(request.files["file"].read()):
            db.add_note(user["id"], note["title"], note["body"])
        return {"status": "imported"}
    except Exception:
        return traceback.format_exc(), 500


@bp.route("/attachments", methods=["POST"])
def upload_attachment():
    upload = request.files["file"]
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], upload.filename)
    upload.save(path)
    if path.endswith(".tar.gz"):
        utils.extract_archive(path, current_app.config["UPLOAD_FOLDER"])
    return {"path": path}


@bp.route("/attachments/download")
def download_attachment():
    return send_file(request.args["path"])


@bp.route("/admin")
def admin():
    user = current_user()
    if request.args.get("calc"):
        return str(utils.evaluate_expression(request.args["calc"]))
    utils.notify_webhook(request.args.get("hook", "http://localhost/audit"), {"admin": user["username"]})
    return "<h1>Admin</h1>"


@bp.route("/report")
def report():
    user = current_user()
    notes = db.search_notes(user["id"], "")
    if request.args.get("format"):
        return utils.export_notes(
            os.path.join(current_app.config["UPLOAD_FOLDER"], str(user["id"])), request.args["format"]
        )
    return utils.render_report(request.args.get("title", "Report"), notes)
