"""Helpers for imports, attachments, webhooks and report rendering.

Part of the deliberately insecure demo of the auditor. Never deploy this code.
"""
import subprocess
import tarfile

import jinja2
import requests
import yaml
from markupsafe import Markup

REPORT_ENV = jinja2.Environment(autoescape=False)
REPORT_TEMPLATE = "<h1>{{ title }}</h1><ul>{% for n in notes %}<li>{{ n.title }}</li>{% endfor %}</ul>"


def load_notes_yaml(text):
    return yaml.load(text)


def extract_archive(path, dest):
    with tarfile.open(path) as tar:
        tar.extractall(dest)


def export_notes(user_dir, fmt):
    return subprocess.check_output(f"tar -c{fmt}f - {user_dir}", shell=True)


def evaluate_expression(expr):
    return eval(expr)


def highlight(text):
    return Markup(f"<mark>{text}</mark>")


def render_report(title, notes):
    return REPORT_ENV.from_string(REPORT_TEMPLATE).render(title=title, notes=notes)


def fetch_avatar(url):
    return requests.get(url, verify=False, timeout=5).content


def notify_webhook(url, payload):
    try:
        requests.post(url, json=payload)
    except Exception:
        pass
