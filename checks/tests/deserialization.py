# ruff: noqa
# Test cases for checks/semgrep/deserialization.yaml (semgrep --test); never executed.
import base64
import json
import pickle
import socket

import jsonpickle
import numpy as np
import yaml
from django.http import JsonResponse
from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()


@app.route("/profile")
def profile():
    raw = request.cookies.get("profile")
    # ruleid: deserialization-taint-pickle
    prefs = pickle.loads(base64.b64decode(raw))
    # ok: deserialization-taint-pickle
    prefs = json.loads(base64.b64decode(raw))
    # ok: deserialization-taint-pickle
    with open("defaults.pkl", "rb") as fh:
        defaults = pickle.load(fh)
    return prefs


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["model"]
    # ruleid: deserialization-taint-pickle
    arr = np.load(f, allow_pickle=True)
    # ok: deserialization-taint-pickle
    arr = np.load(f)
    return "ok"


def django_import(request):
    # ruleid: deserialization-taint-unsafe-yaml
    cfg = yaml.load(request.body)
    # ruleid: deserialization-taint-unsafe-yaml, deserialization-yaml-unsafe-loader
    cfg = yaml.load(request.body, Loader=yaml.Loader)
    # ok: deserialization-taint-unsafe-yaml
    cfg = yaml.load(request.body, Loader=yaml.SafeLoader)
    # ok: deserialization-taint-unsafe-yaml
    cfg = yaml.safe_load(request.body)
    return JsonResponse(cfg)


@api.post("/config")
def fastapi_config(document: str):
    # ruleid: deserialization-taint-unsafe-yaml, deserialization-yaml-unsafe-loader
    return yaml.unsafe_load(document)


def worker(sock: socket.socket):
    payload = sock.recv(4096)
    # ruleid: deserialization-taint-pickle
    job = pickle.loads(payload)
    return job


def load_settings(path):
    with open(path) as fh:
        # ruleid: deserialization-yaml-unsafe-loader
        settings = yaml.load(fh, Loader=yaml.FullLoader)
    with open(path) as fh:
        # ok: deserialization-yaml-unsafe-loader
        settings = yaml.load(fh, Loader=yaml.CSafeLoader)
    return settings


def restore(blob):
    # ruleid: deserialization-jsonpickle-decode
    obj = jsonpickle.decode(blob)
    # ok: deserialization-jsonpickle-decode
    obj = jsonpickle.encode(blob)
    # ok: deserialization-jsonpickle-decode
    obj = json.loads(blob)
    return obj
