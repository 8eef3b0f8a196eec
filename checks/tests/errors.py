# ruff: noqa
# Test cases for checks/semgrep/errors.yaml (semgrep --test); never executed.
import logging
import os
import sys
import traceback

from django.http import HttpResponseServerError, JsonResponse
from flask import Flask, abort, jsonify, render_template
from werkzeug.debug import DebuggedApplication

app = Flask(__name__)
log = logging.getLogger(__name__)

# ruleid: errors-django-debug-true
DEBUG = True
# ok: errors-django-debug-true
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
if os.environ.get("LOCAL"):
    # ok: errors-django-debug-true
    DEBUG = True


class ProductionConfig:
    # ruleid: errors-django-debug-true
    DEBUG = True


class DevelopmentConfig:
    # ok: errors-django-debug-true
    DEBUG = True


@app.route("/report")
def report():
    try:
        return build_report()
    except Exception:
        # ruleid: errors-traceback-returned-to-client
        return {"error": traceback.format_exc()}, 500


@app.route("/report2")
def report2():
    try:
        return build_report()
    except Exception:
        log.exception("report failed")
        # ok: errors-traceback-returned-to-client
        return {"error": "internal error"}, 500


def django_export(request):
    try:
        data = export_all()
    except Exception as exc:
        # ruleid: errors-exception-message-returned-to-client
        return JsonResponse({"error": str(exc)}, status=500)
    try:
        data = export_all()
    except Exception as exc:
        log.exception("export failed: %s", exc)
        # ok: errors-exception-message-returned-to-client
        return JsonResponse({"error": "export failed"}, status=500)
    try:
        amount = int(request.GET["amount"])
    except ValueError as exc:
        # ok: errors-exception-message-returned-to-client
        return JsonResponse({"error": str(exc)}, status=400)
    try:
        data = export_all()
    except Exception:
        # ruleid: errors-traceback-returned-to-client
        return HttpResponseServerError("<pre>%s</pre>" % traceback.format_exc())
    return JsonResponse(data)


@app.route("/sync", methods=["POST"])
def sync():
    try:
        run_sync()
    except Exception as e:
        # ruleid: errors-exception-message-returned-to-client
        return jsonify(status="failed", detail=f"sync failed: {e}"), 500
    return jsonify(status="ok")


@app.errorhandler(500)
def internal_error(error):
    # ruleid: errors-handler-leaks-exception
    return f"<h1>Internal error</h1><p>{error}</p>", 500


@app.errorhandler(Exception)
def any_error(error):
    log.exception("unhandled", exc_info=error)
    # ok: errors-handler-leaks-exception
    return render_template("500.html"), 500


@app.errorhandler(404)
def not_found(error):
    # ok: errors-handler-leaks-exception
    return f"not found: {error}", 404


# ruleid: errors-flask-debug-enabled
app.config["DEBUG"] = True
# ok: errors-flask-debug-enabled
app.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"
# ruleid: errors-flask-debug-enabled
wsgi = DebuggedApplication(app)
# ok: errors-flask-debug-enabled
wsgi = DebuggedApplication(app, evalex=False)

if __name__ == "__main__":
    # ruleid: errors-flask-debug-enabled
    app.run(host="127.0.0.1", debug=True)
    # ok: errors-flask-debug-enabled
    app.run(host="127.0.0.1")
