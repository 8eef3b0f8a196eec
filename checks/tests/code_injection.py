# ruff: noqa
# Test cases for checks/semgrep/code_injection.yaml (semgrep --test); never executed.
import ast
import importlib
import json
import sys

import jinja2
from django.http import HttpResponse
from django.template import Template as DjangoTemplate
from django.template import Context
from fastapi import FastAPI
from flask import Flask, render_template, render_template_string, request
from jinja2.sandbox import SandboxedEnvironment

app = Flask(__name__)
api = FastAPI()
PLUGINS = {"csv": "app.exporters.csv", "xlsx": "app.exporters.xlsx"}
OPERATIONS = {"add": lambda a, b: a + b}


@app.route("/calc")
def calc():
    expr = request.args.get("expr")
    # ruleid: code-injection-taint-eval-exec
    result = eval(expr)
    # ok: code-injection-taint-eval-exec
    result = ast.literal_eval(expr)
    # ok: code-injection-taint-eval-exec
    result = eval("1 + 1")
    # ruleid: code-injection-taint-eval-exec
    exec(compile(request.form["code"], "<user>", "exec"))
    data = json.loads(request.data)
    # ok: code-injection-taint-eval-exec
    result = OPERATIONS[data["op"]](1, 2)
    return str(result)


@api.post("/export/{fmt}")
def export(fmt: str):
    # ruleid: code-injection-taint-dynamic-import
    module = importlib.import_module(fmt)
    # ok: code-injection-taint-dynamic-import
    module = importlib.import_module(PLUGINS.get(fmt, "app.exporters.csv"))
    # ruleid: code-injection-taint-dynamic-import
    handler = __import__("app.exporters." + fmt)
    return {"ok": True}


class Dispatcher:
    def handle(self, request):
        action = request.POST["action"]
        # ruleid: code-injection-taint-dynamic-import
        return getattr(self, action)()

    def handle_prefixed(self, request):
        action = request.POST["action"]
        # ok: code-injection-taint-dynamic-import
        return getattr(self, "do_" + action)()


def cli():
    # ruleid: code-injection-taint-eval-exec
    print(eval(input("expression: ")))
    # ruleid: code-injection-taint-eval-exec
    exec(sys.argv[1])


@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    # ruleid: code-template-injection-taint-flask
    return render_template_string("<h1>Hello " + name + "</h1>")


@app.route("/hello2")
def hello2():
    name = request.args.get("name", "world")
    # ok: code-template-injection-taint-flask
    return render_template_string("<h1>Hello {{ name }}</h1>", name=name)


@app.route("/hello3")
def hello3():
    # ok: code-template-injection-taint-flask
    return render_template("hello.html", name=request.args.get("name"))


@app.route("/preview", methods=["POST"])
def preview():
    source = request.form["template"]
    # ruleid: code-template-injection-taint-engine
    html = jinja2.Template(source).render()
    env = jinja2.Environment(autoescape=True)
    # ruleid: code-template-injection-taint-engine
    html = env.from_string(source).render()
    sandbox = SandboxedEnvironment()
    # ok: code-template-injection-taint-engine
    html = sandbox.from_string(source).render()
    # ok: code-template-injection-taint-engine
    html = env.get_template("preview.html").render(source=source)
    return html


def django_preview(request):
    # ruleid: code-template-injection-taint-engine
    tpl = DjangoTemplate(request.POST["body"])
    # ok: code-template-injection-taint-engine
    tpl = DjangoTemplate("<p>{{ body }}</p>")
    return HttpResponse(tpl.render(Context({"body": request.POST["body"]})))


def greeting(request):
    fmt = request.GET.get("fmt", "Hello {user.username}")
    # ruleid: code-format-string-injection
    text = fmt.format(user=request.user)
    # ok: code-format-string-injection
    text = "Hello {}".format(request.GET.get("name"))
    return HttpResponse(text, content_type="text/plain")
