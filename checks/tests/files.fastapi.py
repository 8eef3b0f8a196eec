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
