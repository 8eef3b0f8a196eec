"""SQLite storage for users and notes.

Part of the secure demo of the auditor: every query is parameterized.
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
    return get_db().execute(
        "SELECT id, username, password_hash, is_admin FROM users WHERE username = ?", (username,)
    ).fetchone()


def get_user(user_id):
    return get_db().execute("SELECT id, username, is_admin FROM users WHERE id = ?", (user_id,)).fetchone()


def search_notes(user_id, term):
    return get_db().execute(
        "SELECT id, title, body FROM notes WHERE owner_id = ? AND title LIKE ?", (user_id, f"%{term}%")
    ).fetchall()


def all_notes():
    return get_db().execute("SELECT id, title, body FROM notes ORDER BY id").fetchall()


def add_note(user_id, title, body):
    db = get_db()
    db.execute("INSERT INTO notes (owner_id, title, body) VALUES (?, ?, ?)", (user_id, title, body))
    db.commit()


def delete_note(note_id, user_id):
    db = get_db()
    db.execute("DELETE FROM notes WHERE id = ? AND owner_id = ?", (note_id, user_id))
    db.commit()


def store_reset_digest(user_id, digest):
    db = get_db()
    db.execute(
        "INSERT INTO resets (user_id, digest, expires) VALUES (?, ?, datetime('now', '+30 minutes'))",
        (user_id, digest),
    )
    db.commit()
