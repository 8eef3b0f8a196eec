# ruff: noqa
# Test cases for checks/semgrep/files.yaml (semgrep --test); never executed.
import os
import shutil
import stat
import tarfile
import uuid
import zipfile
from pathlib import Path

from django.http import FileResponse, HttpResponse
from flask import Flask, abort, request, send_file, send_from_directory
from werkzeug.utils import safe_join, secure_filename

app = Flask(__name__)
BASE_DIR = "/srv/app/files"
UPLOAD_DIR = "/srv/app/uploads"


@app.route("/download")
def download():
    name = request.args.get("name")
    # ruleid: files-path-traversal-taint-open
    with open(os.path.join(BASE_DIR, name)) as fh:
        data = fh.read()
    # ok: files-path-traversal-taint-open
    with open(os.path.join(BASE_DIR, secure_filename(name))) as fh:
        data = fh.read()
    # ok: files-path-traversal-taint-open
    with open(safe_join(BASE_DIR, name)) as fh:
        data = fh.read()
    full = os.path.realpath(os.path.join(BASE_DIR, name))
    if not full.startswith(BASE_DIR + os.sep):
        abort(400)
    # ok: files-path-traversal-taint-open
    with open(full) as fh:
        data = fh.read()
    # ruleid: files-path-traversal-taint-open
    text = Path(BASE_DIR, request.args["doc"]).read_text()
    return data + text


@app.route("/remove", methods=["POST"])
def remove():
    # ruleid: files-path-traversal-taint-open
    os.remove(UPLOAD_DIR + "/" + request.form["file"])
    # ok: files-path-traversal-taint-open
    os.remove(os.path.join(UPLOAD_DIR, os.path.basename(request.form["file"])))
    return "ok"


@app.route("/file/<path:filename>")
def serve(filename):
    # ruleid: files-path-traversal-taint-serve-file
    return send_file(os.path.join(BASE_DIR, filename))


@app.route("/file2/<path:filename>")
def serve_safe(filename):
    # ok: files-path-traversal-taint-serve-file
    return send_from_directory(BASE_DIR, filename)


def django_download(request, name):
    # ruleid: files-path-traversal-taint-serve-file, files-path-traversal-taint-open
    return FileResponse(open(os.path.join(BASE_DIR, name), "rb"))


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["file"]
    # ruleid: files-upload-without-secure-filename
    f.save(os.path.join(UPLOAD_DIR, f.filename))
    # ok: files-upload-without-secure-filename
    f.save(os.path.join(UPLOAD_DIR, secure_filename(f.filename)))
    ext = os.path.splitext(secure_filename(f.filename))[1]
    # ok: files-upload-without-secure-filename
    f.save(os.path.join(UPLOAD_DIR, uuid.uuid4().hex + ext))
    return "ok"


def django_upload(request):
    upload = request.FILES["doc"]
    # Django's UploadedFile.name is already reduced to its basename.
    # ok: files-upload-without-secure-filename, files-path-traversal-taint-open
    with open(os.path.join(UPLOAD_DIR, upload.name), "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return HttpResponse("ok")


def install_bundle(path, target):
    with tarfile.open(path) as tar:
        # ruleid: files-tarfile-extractall-unfiltered
        tar.extractall(target)
    with tarfile.open(path) as tar:
        # ok: files-tarfile-extractall-unfiltered
        tar.extractall(target, filter="data")
    # ruleid: files-tarfile-extractall-unfiltered
    shutil.unpack_archive(path, target)
    # ok: files-tarfile-extractall-unfiltered
    shutil.unpack_archive(path, target, filter="data")


def unzip(path, target):
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            dest = os.path.join(target, name)
            # ruleid: files-archive-member-path-traversal
            with open(dest, "wb") as out:
                out.write(zf.read(name))
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            dest = os.path.realpath(os.path.join(target, name))
            if os.path.commonpath([target, dest]) != target:
                raise ValueError("unsafe member")
            # ok: files-archive-member-path-traversal
            with open(dest, "wb") as out:
                out.write(zf.read(name))
    with zipfile.ZipFile(path) as zf:
        # ok: files-archive-member-path-traversal
        zf.extractall(target)


def permissions(path):
    # ruleid: files-world-writable-permissions
    os.chmod(path, 0o777)
    # ruleid: files-world-writable-permissions
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IWOTH)
    # ruleid: files-world-writable-permissions
    Path(path).chmod(0o666)
    # ok: files-world-writable-permissions
    os.chmod(path, 0o640)
    # ok: files-world-writable-permissions
    os.makedirs(path, mode=0o750, exist_ok=True)
    # ruleid: files-world-writable-permissions
    os.umask(0)
    # ok: files-world-writable-permissions
    os.umask(0o077)


@app.route("/notes/<name>")
def note(name):
    path = Path(BASE_DIR) / name
    # ruleid: files-path-traversal-taint-open
    with path.open() as fh:
        return fh.read()


@app.route("/archive", methods=["POST"])
def archive_member():
    with zipfile.ZipFile(request.files["archive"]) as zf:
        # ok: files-path-traversal-taint-open
        with zf.open("manifest.json") as fh:
            return fh.read()
