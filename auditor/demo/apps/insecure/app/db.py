"""SQLite storage for users and notes.

Part of the deliberately insecure demo of the auditor (SQL built by string
formatting). Never deploy this code.
"""
import sqlite3

from flask import current_app, g


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"])
        g.db.row_factory = sqlite3.Row
    return g.db


def close_db(_exc=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app):
    app.teardown_appcontext(close_db)


def find_user(username):
    cur = get_db().cursor()
    cur.execute(f"SELECT id, username, password, is_admin FROM users WHERE username = '{username}'")
    return cur.fetchone()


def search_notes(user_id, term):
    cur = get_db().cursor()
    cur.execute(
        "SELECT id, title, body FROM notes WHERE owner_id = ? AND title LIKE ?",
        (user_id, f"%{term}%"),
    )
    return cur.fetchall()


def add_note(user_id, title, body):
    db = get_db()
    db.execute("INSERT INTO notes (owner_id, title, body) VALUES (?, ?, ?)", (user_id, title, body))
    db.commit()


def delete_note(note_id):
    db = get_db()
    db.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    db.commit()
