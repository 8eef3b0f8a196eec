# ruff: noqa
# Test cases for checks/semgrep/injection_other.yaml (semgrep --test); never executed.
import re
import xml.etree.ElementTree as ET

import ldap
import ldap3
from django.http import HttpResponse
from flask import Flask, make_response, request, session
from ldap3.utils.conv import escape_filter_chars
from lxml import etree

app = Flask(__name__)
ROLES = {"reader", "editor"}


@app.route("/ldap/lookup")
def ldap_lookup():
    username = request.args.get("user")
    conn = ldap3.Connection(ldap3.Server("ldap://directory"), auto_bind=True)
    # ruleid: injection-other-ldap-taint-filter
    conn.search("dc=example,dc=com", "(&(objectClass=person)(uid=" + username + "))")
    # ok: injection-other-ldap-taint-filter
    conn.search("dc=example,dc=com", f"(&(objectClass=person)(uid={escape_filter_chars(username)}))")
    # ok: injection-other-ldap-taint-filter
    found = re.search(username, "some text")
    return "ok"


def django_ldap(request):
    l = ldap.initialize("ldap://directory")
    # ruleid: injection-other-ldap-taint-filter
    l.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, "(mail=%s)" % request.GET["mail"])
    # ok: injection-other-ldap-taint-filter
    l.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE,
               ldap.filter.filter_format("(mail=%s)", [request.GET["mail"]]))
    return HttpResponse("ok")


@app.route("/xpath")
def xpath_lookup():
    name = request.args.get("name")
    tree = etree.parse("users.xml")
    # ruleid: injection-other-xpath-taint
    nodes = tree.xpath("//user[@name='" + name + "']/email/text()")
    # ok: injection-other-xpath-taint
    nodes = tree.xpath("//user[@name=$name]/email/text()", name=name)
    root = ET.parse("users.xml").getroot()
    # ruleid: injection-other-xpath-taint
    hit = root.find(f".//user[@name='{name}']")
    # ok: injection-other-xpath-taint
    hit = root.find(".//user")
    # ok: injection-other-xpath-taint
    pos = "some text".find(name)
    return str(nodes)


@app.route("/download-name")
def download_name():
    resp = make_response("data")
    # ruleid: injection-other-header-injection-taint
    resp.headers["Content-Disposition"] = "attachment; filename=" + request.args["name"]
    # ok: injection-other-header-injection-taint
    resp.headers["Content-Disposition"] = "attachment; filename=report.csv"
    # ok: injection-other-header-injection-taint
    resp.headers["X-Name"] = request.args["name"].replace("\r", "").replace("\n", "")
    return resp


def django_header(request):
    response = HttpResponse("ok")
    # ruleid: injection-other-header-injection-taint
    response["X-Request-Source"] = request.GET.get("source")
    # ok: injection-other-header-injection-taint
    response["X-Frame-Options"] = "DENY"
    return response


TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def django_header_validated(request):
    response = HttpResponse("ok")
    tag = request.GET.get("tag", "")
    if TOKEN_RE.fullmatch(tag):
        # ok: injection-other-header-injection-taint
        response["X-Tag"] = tag
    ref = request.GET.get("ref", "")
    if re.match(r"[a-z]+", ref):
        # ruleid: injection-other-header-injection-taint
        response["X-Ref"] = ref
    return response


@app.route("/prefs", methods=["POST"])
def set_prefs():
    # ruleid: injection-other-trust-boundary-session
    session["role"] = request.form["role"]
    # ok: injection-other-trust-boundary-session
    session["page_size"] = int(request.form["page_size"])
    role = request.form["role"]
    if role not in ROLES:
        return "bad role", 400
    # ok: injection-other-trust-boundary-session
    session["role"] = role
    return "ok"


def django_session(request):
    # ruleid: injection-other-trust-boundary-session
    request.session["user_id"] = request.GET.get("uid")
    form = ProfileForm(request.POST)
    if form.is_valid():
        # ok: injection-other-trust-boundary-session
        request.session["nickname"] = form.cleaned_data["nickname"]
    return HttpResponse("ok")


def ldap_helper_connection(request):
    conn = get_directory_connection()
    search_filter = "(&(objectClass=user)(sAMAccountName=" + request.GET["login"] + "))"
    # ruleid: injection-other-ldap-taint-filter
    conn.search("dc=corp,dc=example", search_filter)
    # ok: injection-other-ldap-taint-filter
    conn.search("dc=corp,dc=example", "(objectClass=group)")
    return HttpResponse("ok")


@app.route("/login", methods=["POST"])
def login():
    user = find_user(request.form["username"])
    if user is None or not check_password_hash(user.password_hash, request.form["password"]):
        return "denied", 401
    # ok: injection-other-trust-boundary-session
    session["user_id"] = user.id
    row = User.query.filter_by(name=request.form["username"]).first()
    # ok: injection-other-trust-boundary-session
    session["display"] = row.display_name
    return "ok"
