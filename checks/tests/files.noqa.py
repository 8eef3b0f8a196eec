# ruff: noqa
# A signature split by Black with a comment after the parenthesis: def f(  # noqa / request, ...
import os

from django.contrib.auth.decorators import login_required

BASE = "/srv/files"


@login_required
def download_attachment(  # noqa: C901
    request, project_slug, attachment_name, as_attachment=False
):
    # ruleid: files-path-traversal-taint-open
    return open(os.path.join(BASE, project_slug, attachment_name)).read()
