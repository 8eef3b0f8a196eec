# ruff: noqa
# Test cases for checks/semgrep/sql.yaml (semgrep --test); never executed.
import sqlite3
import sys

import pandas as pd
import sqlalchemy
from django.db import connection
from django.db.models.expressions import RawSQL
from django.http import HttpResponse
from fastapi import Depends, FastAPI
from flask import Flask, request
from sqlalchemy import text

app = Flask(__name__)
api = FastAPI()
SORTABLE = {"name", "created"}
TABLE = "users"


@app.route("/users")
def flask_users():
    name = request.args.get("name")
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    # ruleid: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    query = "SELECT * FROM users WHERE name = '%s'" % name
    # ruleid: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.execute(query)
    # ruleid: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.executemany("DELETE FROM users WHERE name = '" + name + "'", [])
    # ok: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    # ok: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.execute("SELECT * FROM users WHERE name = :name", {"name": name})
    return "ok"


@app.route("/items/<item_id>")
def flask_item(item_id):
    cur = sqlite3.connect("app.db").cursor()
    # ruleid: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.execute("SELECT * FROM items WHERE id = {}".format(item_id))
    # ok: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.execute("SELECT * FROM items WHERE id = %d" % int(item_id))
    order = request.args.get("order", "name")
    if order not in SORTABLE:
        order = "name"
    # ok: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.execute("SELECT * FROM items ORDER BY " + order)
    return "ok"


def helper_with_constant_table(cur):
    # ok: sql-injection-formatted-query-execute
    cur.execute(f"SELECT count(*) FROM {TABLE}")
    kind = "archived"
    # ok: sql-injection-formatted-query-execute
    cur.execute(f"SELECT count(*) FROM docs WHERE state = '{kind}'")
    ids = [1, 2, 3]
    placeholders = ",".join("?" * len(ids))
    # ok: sql-injection-formatted-query-execute
    cur.execute("SELECT * FROM t WHERE id IN (%s)" % placeholders, ids)


def helper_with_variable(cur, column, value):
    # ruleid: sql-injection-formatted-query-execute
    cur.execute(f"SELECT {column} FROM accounts WHERE owner = {value}")
    sql = "UPDATE accounts SET balance = 0 WHERE owner = '" + value + "'"
    # ruleid: sql-injection-formatted-query-execute
    cur.execute(sql)
    # ok: sql-injection-formatted-query-execute
    cur.execute("UPDATE accounts SET balance = 0 WHERE owner = %s", (value,))


def django_view(request, username):
    with connection.cursor() as cursor:
        # ruleid: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
        cursor.execute("SELECT * FROM auth_user WHERE username = '%s'" % username)
        # ok: sql-injection-taint-db-api-execute
        cursor.execute("SELECT * FROM auth_user WHERE username = %s", [username])
    return HttpResponse("ok")


def django_raw(request):
    q = request.GET["q"]
    # ruleid: sql-injection-taint-django-raw, sql-injection-formatted-query-execute
    people = Person.objects.raw(f"SELECT * FROM people WHERE last_name = '{q}'")
    # ok: sql-injection-taint-django-raw
    people = Person.objects.raw("SELECT * FROM people WHERE last_name = %s", [q])
    # ruleid: sql-injection-taint-django-raw
    qs = Person.objects.extra(where=["last_name = '%s'" % q])
    # ok: sql-injection-taint-django-raw
    qs = Person.objects.extra(where=["last_name = %s"], params=[q])
    # ruleid: sql-injection-taint-django-raw, sql-injection-formatted-query-execute
    qs = Person.objects.annotate(v=RawSQL("SELECT val FROM t WHERE k = " + q, ()))
    # ok: sql-injection-taint-django-raw
    qs = Person.objects.annotate(v=RawSQL("SELECT val FROM t WHERE k = %s", (q,)))
    return HttpResponse(str(len(list(people))))


@api.get("/search")
def fastapi_search(term: str, limit: int = 10, db=Depends(get_db)):
    # ruleid: sql-injection-taint-sqlalchemy-text, sql-injection-formatted-query-execute
    rows = db.execute(text(f"SELECT * FROM products WHERE title LIKE '%{term}%'"))
    # ok: sql-injection-taint-sqlalchemy-text, sql-injection-taint-db-api-execute
    rows = db.execute(text("SELECT * FROM products WHERE title LIKE :t"), {"t": f"%{term}%"})
    # ok: sql-injection-taint-db-api-execute
    rows = db.execute(text("SELECT * FROM products LIMIT :n").bindparams(n=limit))
    # ruleid: sql-injection-taint-sqlalchemy-text
    rows = db.query(Product).filter(f"title = '{term}'").all()
    # ok: sql-injection-taint-sqlalchemy-text
    rows = db.query(Product).filter(Product.title == term).all()
    stmt = sqlalchemy.select(Product).where(Product.title.ilike(f"%{term}%"))
    # ok: sql-injection-taint-db-api-execute
    rows = db.execute(stmt).scalars().all()
    return rows


def report():
    engine = sqlalchemy.create_engine("sqlite://")
    region = sys.argv[1]
    # ruleid: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    frame = pd.read_sql("SELECT * FROM sales WHERE region = '" + region + "'", engine)
    # ok: sql-injection-taint-db-api-execute
    frame = pd.read_sql("SELECT * FROM sales WHERE region = %(r)s", engine, params={"r": region})
    return frame


@app.route("/truncated")
def truncated():
    term = request.args.get("term", "")[:50]
    cur = sqlite3.connect("app.db").cursor()
    # ruleid: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.execute("SELECT * FROM docs WHERE title = '" + term + "'")
    # ok: sql-injection-taint-db-api-execute, sql-injection-formatted-query-execute
    cur.execute("SELECT * FROM docs WHERE title = ?", (term,))
    return "ok"
