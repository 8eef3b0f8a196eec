# ruff: noqa
# Gated sinks and sources (see files.gates.py): each case is the only one of its kind in this file
# and starts before the text its gate looks for.
import sqlite3
from sys import argv

from flask import request
from sqlalchemy import text as sql_text

conn = sqlite3.connect("app.db")


def chained(user_id):
    query = "SELECT * FROM users WHERE id = " + user_id
    return (conn
            .cursor()
            # ruleid: sql-injection-formatted-query-execute
            .execute(query))


def aliased_text(engine, name):
    # ruleid: sql-injection-taint-sqlalchemy-text, sql-injection-formatted-query-execute
    return engine.execute(sql_text("SELECT * FROM t WHERE name = '%s'" % request.args["name"]))


def from_command_line(cur):
    # ruleid: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.execute("DELETE FROM t WHERE id = " + argv[1])


def bound(cur, user_id):
    # ok: sql-injection-formatted-query-execute
    cur.execute("SELECT * FROM users WHERE id = ?", (user_id,))
