# ruff: noqa
# Test cases for checks/semgrep/xss.yaml (semgrep --test); never executed.
import html

import bleach
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from flask import Flask, Response, jsonify, make_response, render_template, request
from markupsafe import Markup

app = Flask(__name__)


@app.route("/greet")
def greet():
    name = request.args.get("name", "")
    # ruleid: xss-taint-flask-response
    return "<h1>Hello " + name + "</h1>"


@app.route("/greet-fstring")
def greet_fstring():
    name = request.args.get("name", "")
    # ruleid: xss-taint-flask-response
    return f"<h1>Hello {name}</h1>", 200


@app.route("/greet-escaped")
def greet_escaped():
    name = request.args.get("name", "")
    # ok: xss-taint-flask-response
    return f"<h1>Hello {html.escape(name)}</h1>"


@app.route("/greet-template")
def greet_template():
    # ok: xss-taint-flask-response
    return render_template("greet.html", name=request.args.get("name"))


@app.route("/api/echo", methods=["POST"])
def echo():
    data = request.get_json()
    # ok: xss-taint-flask-response
    return jsonify(message=data["message"])


@app.route("/api/echo2", methods=["POST"])
def echo2():
    data = request.get_json()
    # ok: xss-taint-flask-response
    return {"message": data["message"]}, 201


@app.route("/search")
def search():
    q = request.args.get("q", "")
    # ruleid: xss-taint-flask-response
    resp = make_response("<p>No results for " + q + "</p>")
    # ruleid: xss-taint-flask-response
    return make_response(f"<p>{q}</p>")


@app.route("/search2")
def search2():
    q = request.args.get("q", "")
    # ok: xss-taint-flask-response
    resp = make_response(jsonify(q=q))
    # ok: xss-taint-flask-response
    plain = Response("No results for " + q, mimetype="text/plain")
    return resp


def django_hello(request):
    name = request.GET.get("name", "")
    if not name:
        # ruleid: xss-taint-django-httpresponse
        return HttpResponseBadRequest("missing name: " + request.GET.get("raw", ""))
    # ruleid: xss-taint-django-httpresponse
    return HttpResponse("<p>Hello %s</p>" % name)


def django_hello_safe(request):
    name = request.GET.get("name", "")
    # ok: xss-taint-django-httpresponse
    HttpResponse("<p>Hello %s</p>" % escape(name))
    # ok: xss-taint-django-httpresponse
    HttpResponse(name, content_type="text/plain")
    # ok: xss-taint-django-httpresponse
    return render(request, "hello.html", {"name": name})


def django_write(request):
    response = HttpResponse()
    # ruleid: xss-taint-django-httpresponse
    response.write(request.POST["comment"])
    return response


def django_profile(request, username):
    # ruleid: xss-taint-mark-safe, xss-preformatted-safe-html
    bio = mark_safe("<div>" + request.POST["bio"] + "</div>")
    # ok: xss-taint-mark-safe
    bio = mark_safe(bleach.clean(request.POST["bio"]))
    # ok: xss-taint-mark-safe
    link = format_html("<a href='/u/{}'>{}</a>", username, username)
    # ruleid: xss-taint-mark-safe
    title = Markup(request.GET["title"])
    # ok: xss-taint-mark-safe
    title = Markup("<b>{}</b>").format(request.GET["title"])
    return JsonResponse({"bio": bio, "link": link, "title": title})


def render_badge(user):
    # ruleid: xss-preformatted-safe-html
    badge = format_html(f"<span class='badge'>{user.nickname}</span>")
    # ruleid: xss-preformatted-safe-html
    note = mark_safe("<em>%s</em>" % user.note)
    # ok: xss-preformatted-safe-html
    badge = format_html("<span class='badge'>{}</span>", user.nickname)
    # ok: xss-preformatted-safe-html
    note = mark_safe("<em>%s</em>" % escape(user.note))
    return badge, note


# FastAPI lives in its own module in real projects; the Flask-return sink is limited to modules
# that import flask and not fastapi, so only HTMLResponse is exercised here.
from fastapi.responses import HTMLResponse


def fastapi_style(name: str):
    # ruleid: xss-taint-fastapi-htmlresponse
    return HTMLResponse(content=f"<h1>{request.args['q']}</h1>")


def fastapi_style_safe():
    # ok: xss-taint-fastapi-htmlresponse
    return HTMLResponse(content=f"<h1>{html.escape(request.args['q'])}</h1>")
