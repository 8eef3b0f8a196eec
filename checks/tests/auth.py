# ruff: noqa
# Test cases for checks/semgrep/auth.yaml (semgrep --test); never executed.
import hashlib
import hmac

import jwt
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.decorators.http import require_POST
from flask import Flask, abort, g, request
from flask_login import current_user
from flask_login import login_required as flask_login_required

app = Flask(__name__)
SECRET = "from-env"


def read_claims(token, public_key):
    # ruleid: auth-jwt-signature-verification-disabled
    claims = jwt.decode(token, options={"verify_signature": False})
    # ruleid: auth-jwt-signature-verification-disabled
    claims = jwt.decode(token, public_key, verify=False)
    # ok: auth-jwt-signature-verification-disabled, auth-jwt-decode-without-algorithms
    claims = jwt.decode(token, public_key, algorithms=["RS256"], audience="api")
    # ok: auth-jwt-signature-verification-disabled
    header = jwt.get_unverified_header(token)
    # ruleid: auth-jwt-none-algorithm
    claims = jwt.decode(token, public_key, algorithms=["HS256", "none"])
    # ruleid: auth-jwt-none-algorithm
    unsigned = jwt.encode({"sub": "1"}, None, algorithm="none")
    # ok: auth-jwt-none-algorithm
    signed = jwt.encode({"sub": "1"}, SECRET, algorithm="HS256")
    # ruleid: auth-jwt-decode-without-algorithms
    claims = jwt.decode(token, public_key)
    return claims, header, unsigned, signed


def check_webhook(body, headers):
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    # ruleid: auth-timing-unsafe-comparison
    if headers.get("X-Signature") != expected:
        abort(403)
    # ok: auth-timing-unsafe-comparison
    if not hmac.compare_digest(headers.get("X-Signature", ""), expected):
        abort(403)


def check_api_key(provided_key, api_key):
    # ruleid: auth-timing-unsafe-comparison
    return provided_key == api_key


def check_token_type(token_type, token):
    # ok: auth-timing-unsafe-comparison
    if token_type == "bearer":
        return True
    # ok: auth-timing-unsafe-comparison
    return token is None


@app.route("/admin")
def admin_panel():
    # ruleid: auth-hardcoded-admin-username
    if current_user.username == "admin":
        return "welcome"
    # ruleid: auth-hardcoded-admin-username
    if g.user.email in ("root", "administrator"):
        return "welcome"
    # ok: auth-hardcoded-admin-username
    if current_user.role == "admin":
        return "welcome"
    # ok: auth-hardcoded-admin-username
    if current_user.is_admin:
        return "welcome"
    abort(403)


# ---------------------------------------------------------------- missing authentication

def delete_post(request, pk):
    # ruleid: auth-idor-django-unscoped-lookup
    post = Post.objects.get(pk=pk)
    # ruleid: auth-django-view-writes-without-login
    post.delete()
    return redirect("/")


@login_required
def delete_post_safe(request, pk):
    post = get_object_or_404(Post, pk=pk, author=request.user)
    # ok: auth-django-view-writes-without-login
    post.delete()
    return redirect("/")


@require_POST
def create_comment(request):
    # ruleid: auth-django-view-writes-without-login
    Comment.objects.create(body=request.POST["body"])
    return redirect("/")


def create_comment_checked(request):
    if not request.user.is_authenticated:
        return redirect("/login")
    # ok: auth-django-view-writes-without-login
    Comment.objects.create(body=request.POST["body"], author=request.user)
    return redirect("/")


def register(request):
    form = SignupForm(request.POST)
    # ok: auth-django-view-writes-without-login
    form.save()
    return redirect("/")


class ArchiveView(LoginRequiredMixin, View):
    def post(self, request, pk):
        doc = Document.objects.get(pk=pk, owner=request.user)
        doc.archived = True
        # ok: auth-django-view-writes-without-login
        doc.save()
        return redirect("/")


class PublicArchiveView(View):
    def post(self, request, pk):
        # ruleid: auth-idor-django-unscoped-lookup
        doc = Document.objects.get(pk=pk)
        doc.archived = True
        # ruleid: auth-django-view-writes-without-login
        doc.save()
        return redirect("/")


@app.route("/posts/<int:post_id>/delete", methods=["POST"])
def flask_delete(post_id):
    post = Post.query.get_or_404(post_id)
    db.session.delete(post)
    # ruleid: auth-flask-route-writes-without-login
    db.session.commit()
    return "deleted"


@app.route("/posts/<int:post_id>/delete2", methods=["POST"])
@flask_login_required
def flask_delete_safe(post_id):
    post = Post.query.filter_by(id=post_id, author_id=current_user.id).first_or_404()
    db.session.delete(post)
    # ok: auth-flask-route-writes-without-login
    db.session.commit()
    return "deleted"


@app.route("/posts", methods=["GET"])
def flask_list():
    # ok: auth-flask-route-writes-without-login
    db.session.commit()
    return "ok"


@app.route("/signup", methods=["POST"])
def signup():
    db.session.add(User(name=request.form["name"]))
    # ok: auth-flask-route-writes-without-login
    db.session.commit()
    return "ok"


# ------------------------------------------------------------------------------ IDOR

@login_required
def invoice_detail(request, pk):
    # ruleid: auth-idor-django-unscoped-lookup
    invoice = get_object_or_404(Invoice, pk=pk)
    return JsonResponse({"total": invoice.total})


@login_required
def invoice_detail_scoped(request, pk):
    # ok: auth-idor-django-unscoped-lookup
    invoice = get_object_or_404(Invoice, pk=pk, owner=request.user)
    return JsonResponse({"total": invoice.total})


@login_required
def invoice_detail_checked(request, pk):
    # ok: auth-idor-django-unscoped-lookup
    invoice = Invoice.objects.get(id=pk)
    if invoice.owner_id != request.user.id:
        return HttpResponse(status=403)
    return JsonResponse({"total": invoice.total})


def blog_post(request, slug):
    # ok: auth-idor-django-unscoped-lookup
    post = get_object_or_404(Post, slug=slug)
    return JsonResponse({"title": post.title})


@app.route("/notes/<int:note_id>")
@flask_login_required
def note(note_id):
    # ruleid: auth-idor-sqlalchemy-unscoped-lookup
    n = Note.query.get_or_404(note_id)
    return {"text": n.text}


@app.route("/notes2/<int:note_id>")
@flask_login_required
def note_scoped(note_id):
    # ok: auth-idor-sqlalchemy-unscoped-lookup
    n = Note.query.filter_by(id=note_id, owner_id=current_user.id).first_or_404()
    return {"text": n.text}
