# ruff: noqa
# A DRF view under a fourteen-line @extend_schema, first def(request in its file: the source starts at the decorator.
import os

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

BASE = "/srv/files"


class DownloadView(APIView):
    @extend_schema(
        summary="Download a file",
        description="Returns the raw bytes of a stored file.",
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH),
        ],
        responses={
            200: OpenApiResponse(description="file content"),
            404: OpenApiResponse(description="no such file"),
        },
        tags=["files"],
        operation_id="files_download",
        auth=["sessionAuth"],
        deprecated=False,
    )
    def get(self, request, name):
        # ruleid: files-path-traversal-taint-open
        return open(os.path.join(BASE, name)).read()
