# ruff: noqa
# The rule pack gates its request sources and some sinks with a pattern-regex that must match the
# file text (semgrep then skips files without it). Each case below is the first and only use of
# its source or sink in this file, in a shape where the matched code starts before the text the
# gate looks for, so a gate that began its match too late would lose the finding.
import os
import functools

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST
from flask import request as rq
from myproject import api

BASE = "/srv/files"


@functools.lru_cache(maxsize=8)
@api.router.get("/stacked/{name}")
def stacked(name: str):
    # ruleid: files-path-traversal-taint-open
    return open(os.path.join(BASE, name)).read()


@login_required
@require_POST
@functools.wraps(
    stacked,
)
def django_view(request, name):
    # ruleid: files-path-traversal-taint-open
    return open(os.path.join(BASE, name)).read()


def aliased():
    # ruleid: files-path-traversal-taint-open
    return open(os.path.join(BASE, rq.args["name"])).read()


def multi_line_slice():
    name = str(
        api.normalise(
            rq.args["name"]
        )
    )[:64]
    # ruleid: files-path-traversal-taint-open
    return open(os.path.join(BASE, name)).read()


def constant():
    # ok: files-path-traversal-taint-open
    return open(os.path.join(BASE, "index.txt")).read()
