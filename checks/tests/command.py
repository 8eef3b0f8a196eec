# ruff: noqa
# Test cases for checks/semgrep/command.yaml (semgrep --test); never executed.
import asyncio
import os
import shlex
import subprocess
import sys

import paramiko
from django.http import HttpResponse
from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()
ALLOWED_TOOLS = {"ping", "traceroute"}


@app.route("/ping")
def ping():
    host = request.args.get("host")
    # ruleid: command-injection-taint-os-shell
    os.system("ping -c 1 " + host)
    # ruleid: command-injection-taint-os-shell
    out = os.popen(f"nslookup {host}").read()
    # ok: command-injection-taint-os-shell
    os.system("ping -c 1 " + shlex.quote(host))
    # ruleid: command-injection-taint-subprocess-shell
    subprocess.run(f"ping -c 1 {host}", shell=True)
    # ruleid: command-injection-taint-subprocess-shell
    subprocess.check_output(["bash", "-c", "dig " + host])
    # ok: command-injection-taint-subprocess-shell, command-injection-taint-subprocess-program
    subprocess.run(["ping", "-c", "1", host], shell=False)
    # ok: command-injection-taint-subprocess-shell
    subprocess.run("ping -c 1 " + shlex.quote(host), shell=True)
    # ok: command-injection-taint-subprocess-shell
    subprocess.run("uptime", shell=True)
    return out


@app.post("/run")
def run_tool():
    tool = request.form["tool"]
    # ruleid: command-injection-taint-subprocess-program
    subprocess.run([tool, "--version"])
    # ruleid: command-injection-taint-subprocess-program
    subprocess.Popen(shlex.split(request.form["cmd"]))
    # ruleid: command-injection-taint-subprocess-program
    os.execvp(tool, [tool])
    argv = ["convert", "--", request.form["path"], "out.png"]
    # ok: command-injection-taint-subprocess-program
    subprocess.run(argv, check=True)
    if tool not in ALLOWED_TOOLS:
        return "bad tool", 400
    # ok: command-injection-taint-subprocess-program
    subprocess.run([tool, "example.org"])
    return "ok"


def django_view(request, name):
    client = paramiko.SSHClient()
    # ruleid: command-injection-taint-os-shell
    client.exec_command("id " + name)
    # ok: command-injection-taint-os-shell
    client.exec_command("id " + shlex.quote(name))
    count = int(request.GET.get("n", "1"))
    # ok: command-injection-taint-os-shell
    os.system("seq %d" % count)
    return HttpResponse("ok")


@api.get("/archive/{name}")
async def archive(name: str):
    # ruleid: command-injection-taint-os-shell
    proc = await asyncio.create_subprocess_shell("tar czf /tmp/a.tgz " + name)
    # ok: command-injection-taint-subprocess-program
    proc = await asyncio.create_subprocess_exec("tar", "czf", "/tmp/a.tgz", "--", name)
    return {"ok": True}


def cli():
    target = sys.argv[1]
    # ruleid: command-injection-taint-subprocess-shell
    subprocess.call("grep -r %s ." % target, shell=True)
    answer = input("file? ")
    # ruleid: command-injection-taint-os-shell
    os.system("cat " + answer)


def build(args, extra):
    # ruleid: command-injection-shell-quoting-misuse
    subprocess.run(" ".join(args), shell=True)
    cmd = " ".join(["make", extra])
    # ruleid: command-injection-shell-quoting-misuse
    os.system(cmd)
    # ruleid: command-injection-shell-quoting-misuse
    os.system(f"echo '{shlex.quote(extra)}'")
    # ok: command-injection-shell-quoting-misuse
    subprocess.run(shlex.join(args), shell=True)
    # ok: command-injection-shell-quoting-misuse
    subprocess.run(args)
    # ok: command-injection-shell-quoting-misuse
    print(" ".join(args))
