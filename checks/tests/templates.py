# ruff: noqa
# Test cases for checks/semgrep/templates.yaml (semgrep --test); never executed.
import jinja2
from flask import Flask

app = Flask(__name__)
# ruleid: xss-template-autoescape-disabled-in-code
app.jinja_env.autoescape = False
# ok: xss-template-autoescape-disabled-in-code
app.jinja_env.autoescape = True

# ruleid: xss-template-autoescape-disabled-in-code
env = jinja2.Environment(loader=jinja2.FileSystemLoader("templates"), autoescape=False)
# ok: xss-template-autoescape-disabled-in-code
env = jinja2.Environment(loader=jinja2.FileSystemLoader("templates"),
                         autoescape=jinja2.select_autoescape(["html", "xml"]))

TEMPLATES = [
    # ruleid: xss-template-autoescape-disabled-in-code
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "OPTIONS": {"autoescape": False, "context_processors": []},
    },
    # ok: xss-template-autoescape-disabled-in-code
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "OPTIONS": {"environment": "app.jinja2.environment"},
    },
]
