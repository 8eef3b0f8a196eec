# ruff: noqa
# A Django view under seven lines of decorators, first in its file: its request-parameter
# source begins at the first decorator, far above the "def ...(request" its gate looks for.
import os

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

BASE = "/srv/files"


@login_required
@require_http_methods(
    ["GET", "POST"],
)
@csrf_protect
@never_cache
@sensitive_post_parameters("password")
@transaction.atomic
def download(request, name):
    # ruleid: files-path-traversal-taint-open
    return open(os.path.join(BASE, name)).read()
