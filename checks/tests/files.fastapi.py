# ruff: noqa
# FastAPI cases for checks/semgrep/files.yaml (semgrep --test pairs files.*.py with files.yaml).
import os
import shutil

from fastapi import FastAPI, File, UploadFile
from fastapi.responses import FileResponse
from werkzeug.utils import secure_filename

app = FastAPI()
MEDIA = "/srv/media"


@app.post("/upload")
async def upload(file: UploadFile = File(...)):
    # ruleid: files-upload-without-secure-filename, files-path-traversal-taint-open
    with open(os.path.join(MEDIA, file.filename), "wb") as out:
        shutil.copyfileobj(file.file, out)
    # ok: files-upload-without-secure-filename, files-path-traversal-taint-open
    with open(os.path.join(MEDIA, secure_filename(file.filename)), "wb") as out:
        shutil.copyfileobj(file.file, out)
    return {"ok": True}


@app.get("/media/{name}")
async def media(name: str):
    # ruleid: files-path-traversal-taint-serve-file
    return FileResponse(os.path.join(MEDIA, name))


@app.get("/media-safe/{name}")
async def media_safe(name: str):
    # ok: files-path-traversal-taint-serve-file
    return FileResponse(os.path.join(MEDIA, os.path.basename(name)))


# Route decorators in the shapes real code uses: stacked under another decorator, on a dotted
# router object, with a space after "@", and with the call spread over several lines. The rule
# pack's route-parameter sources must see every one of them.
import functools

from myproject import api

router = api.v1.router


@functools.lru_cache(maxsize=8)
@app.get("/cached/{name}")
async def cached(name: str):
    # ruleid: files-path-traversal-taint-open
    return open(os.path.join(MEDIA, name)).read()


@api.v1.router.get("/dotted/{name}")
async def dotted(name: str):
    # ruleid: files-path-traversal-taint-open
    return open(os.path.join(MEDIA, name)).read()


@ router.get("/spaced/{name}")
async def spaced(name: str):
    # ruleid: files-path-traversal-taint-open
    return open(os.path.join(MEDIA, name)).read()


@router.post(
    "/multiline/{name}",
    status_code=201,
)
async def multiline(name: str):
    # ruleid: files-path-traversal-taint-open
    return open(os.path.join(MEDIA, name)).read()


def not_a_route(name: str):
    # ok: files-path-traversal-taint-open
    return open(os.path.join(MEDIA, name)).read()
