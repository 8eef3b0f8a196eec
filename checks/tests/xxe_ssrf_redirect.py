# ruff: noqa
# Test cases for checks/semgrep/xxe_ssrf_redirect.yaml (semgrep --test); never executed.
import urllib.request
import xml.sax
from urllib.parse import urlparse
from xml.dom import minidom

import defusedxml.ElementTree as DET
import requests
from django.http import HttpResponseRedirect
from django.shortcuts import redirect as django_redirect
from django.utils.http import url_has_allowed_host_and_scheme
from flask import Flask, abort, redirect, request, url_for
from lxml import etree

app = Flask(__name__)
ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}

# ruleid: xxe-ssrf-redirect-xxe-parser-resolves-entities
unsafe_parser = etree.XMLParser(resolve_entities=True)
# ok: xxe-ssrf-redirect-xxe-parser-resolves-entities
safe_parser = etree.XMLParser(resolve_entities=False, no_network=True)
sax_parser = xml.sax.make_parser()
# ruleid: xxe-ssrf-redirect-xxe-parser-resolves-entities
sax_parser.setFeature(xml.sax.handler.feature_external_ges, True)
# ok: xxe-ssrf-redirect-xxe-parser-resolves-entities
sax_parser.setFeature(xml.sax.handler.feature_external_ges, False)


@app.route("/import", methods=["POST"])
def import_xml():
    # ruleid: xxe-ssrf-redirect-xxe-taint-parse
    doc = etree.fromstring(request.data)
    # ok: xxe-ssrf-redirect-xxe-taint-parse
    doc = DET.fromstring(request.data)
    # ruleid: xxe-ssrf-redirect-xxe-taint-parse
    dom = minidom.parseString(request.get_data())
    # ok: xxe-ssrf-redirect-xxe-taint-parse
    dom = minidom.parse("static/defaults.xml")
    return "ok"


def django_import(request):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: xxe-ssrf-redirect-xxe-taint-parse
    doc = etree.fromstring(request.body, parser)
    return doc


@app.route("/fetch")
def fetch():
    url = request.args.get("url")
    # ruleid: xxe-ssrf-redirect-ssrf-taint-request
    r = requests.get(url, timeout=5)
    # ruleid: xxe-ssrf-redirect-ssrf-taint-request
    body = urllib.request.urlopen(url).read()
    # ok: xxe-ssrf-redirect-ssrf-taint-request
    r = requests.get(f"https://api.example.com/items/{request.args.get('id')}", timeout=5)
    return r.text


@app.route("/proxy-image")
def proxy_image():
    url = request.args.get("src", "")
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        abort(400)
    # ok: xxe-ssrf-redirect-ssrf-taint-request
    return requests.get(url, timeout=5).content


def django_webhook_test(request):
    session = requests.Session()
    target = request.POST["callback_url"]
    # ruleid: xxe-ssrf-redirect-ssrf-taint-request
    session.post(target, json={"ping": True}, timeout=5)
    # ok: xxe-ssrf-redirect-ssrf-taint-request
    session.post("https://hooks.example.com/ping", json={"target": target}, timeout=5)
    return HttpResponseRedirect("/")


@app.route("/login", methods=["POST"])
def login():
    # ruleid: xxe-ssrf-redirect-open-redirect-taint
    return redirect(request.args.get("next") or url_for("index"))


@app.route("/logout")
def logout():
    # ok: xxe-ssrf-redirect-open-redirect-taint
    return redirect(url_for("index", msg=request.args.get("msg")))


@app.route("/go")
def go():
    # ruleid: xxe-ssrf-redirect-open-redirect-taint
    return redirect(request.referrer)


@app.route("/item")
def item():
    # ok: xxe-ssrf-redirect-open-redirect-taint
    return redirect(f"/items/{request.args['id']}")


def django_login(request):
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    # ok: xxe-ssrf-redirect-open-redirect-taint
    return django_redirect(next_url)


def django_login_unsafe(request):
    # ruleid: xxe-ssrf-redirect-open-redirect-taint
    return HttpResponseRedirect(request.POST.get("next", "/"))


@app.route("/login2", methods=["POST"])
def login2():
    next_page = request.args.get("next")
    if not next_page or not next_page.startswith("/") or next_page.startswith("//"):
        next_page = url_for("index")
    # ok: xxe-ssrf-redirect-open-redirect-taint
    return redirect(next_page)
