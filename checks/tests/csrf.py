# ruff: noqa
# Test cases for checks/semgrep/csrf.yaml (semgrep --test); never executed.
import hashlib
import hmac

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from flask import Flask, request
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from rest_framework.authentication import SessionAuthentication

app = Flask(__name__)
csrf = CSRFProtect(app)
WEBHOOK_SECRET = b"from-env"


# ruleid: csrf-django-csrf-exempt
@csrf_exempt
def update_profile(request):
    request.user.profile.bio = request.POST["bio"]
    request.user.profile.save()
    return JsonResponse({"ok": True})


# ok: csrf-django-csrf-exempt
@csrf_exempt
def payment_webhook(request):
    expected = hmac.new(WEBHOOK_SECRET, request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Signature", "")):
        return HttpResponse(status=403)
    return HttpResponse("ok")


# ok: csrf-django-csrf-exempt
@csrf_exempt
@require_GET
def health(request):
    return HttpResponse("ok")


# ruleid: csrf-django-csrf-exempt
@method_decorator(csrf_exempt, name="dispatch")
class TransferView(View):
    def post(self, request):
        return JsonResponse({"ok": True})


urlpatterns = [
    # ruleid: csrf-django-csrf-exempt
    path("transfer/", csrf_exempt(TransferView.as_view())),
    # ok: csrf-django-csrf-exempt
    path("transfer2/", TransferView.as_view()),
]


# ruleid: csrf-flask-wtf-exempt
@csrf.exempt
@app.route("/api/comment", methods=["POST"])
def api_comment():
    return {"ok": True}


# ok: csrf-flask-wtf-exempt
@csrf.exempt
@app.route("/api/hook", methods=["POST"])
def api_hook():
    if not hmac.compare_digest(request.headers.get("X-Hub-Signature", ""), "x"):
        return "", 403
    return {"ok": True}


# ok: csrf-flask-wtf-exempt
@cache.exempt
@app.route("/cached", methods=["POST"])
def cached():
    return {"ok": True}


# ruleid: csrf-protection-disabled-setting
WTF_CSRF_ENABLED = False
# ok: csrf-protection-disabled-setting
WTF_CSRF_ENABLED = True
# ruleid: csrf-protection-disabled-setting
app.config["WTF_CSRF_ENABLED"] = False


class TestConfig:
    # ok: csrf-protection-disabled-setting
    WTF_CSRF_ENABLED = False


class QuickForm(FlaskForm):
    class Meta:
        # ruleid: csrf-protection-disabled-setting
        csrf = False


class SafeForm(FlaskForm):
    class Meta:
        # ok: csrf-protection-disabled-setting
        csrf = True


class CsrfExemptSessionAuthentication(SessionAuthentication):
    # ruleid: csrf-drf-enforce-csrf-disabled
    def enforce_csrf(self, request):
        return


class AuditedSessionAuthentication(SessionAuthentication):
    # ok: csrf-drf-enforce-csrf-disabled
    def enforce_csrf(self, request):
        log_attempt(request)
        return super().enforce_csrf(request)
