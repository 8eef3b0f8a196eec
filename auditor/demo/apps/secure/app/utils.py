"""Helpers for imports, attachments, outbound HTTP and report export.

Part of the secure demo of the auditor: safe YAML, filtered archive
extraction, no shell, CSV export instead of shell tar and HTTP calls with timeouts.
"""
import csv
import io
import logging
import tarfile

import requests
import yaml
from flask import current_app
from werkzeug.utils import secure_filename

log = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = {".txt", ".md", ".pdf", ".png", ".tar.gz"}


def load_notes_yaml(text):
    data = yaml.safe_load(text)
    if not isinstance(data, list) or not all(isinstance(n, dict) for n in data):
        raise ValueError("expected a list of notes")
    return [{"title": str(n["title"]), "body": str(n.get("body", ""))} for n in data]


def safe_upload_name(filename):
    name = secure_filename(filename or "")
    if not name or not any(name.endswith(ext) for ext in ALLOWED_EXTENSIONS):
        raise ValueError("file type not allowed")
    return name


def extract_archive(path, dest):
    with tarfile.open(path) as tar:
        tar.extractall(dest, filter="data")


def _csv_cell(value):
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def export_notes_csv(notes):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "title", "body"])
    for note in notes:
        writer.writerow([_csv_cell(note["id"]), _csv_cell(note["title"]), _csv_cell(note["body"])])
    return buf.getvalue()


def _post(config_key, payload):
    url = current_app.config.get(config_key)
    if not url:
        return
    try:
        requests.post(url, json=payload, timeout=5).raise_for_status()
    except requests.RequestException:
        log.warning("POST to %s failed", config_key, exc_info=True)


def notify_webhook(payload):
    _post("WEBHOOK_URL", payload)


def send_reset_mail(username, token):
    _post("MAIL_API_URL", {"to": username, "template": "password-reset", "token": token})
