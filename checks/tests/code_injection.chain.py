# ruff: noqa
# A sink at the end of a long method chain: the call starts six lines above .query( (rule pack gates).
import pandas as pd
from flask import Flask, request

app = Flask(__name__)


@app.get("/report")
def report():
    expr = request.args.get("filter", "")
    frame = (
        pd.read_csv("/srv/data/sales.csv")
        .dropna(subset=["region"])
        .rename(columns=str.lower)
        .assign(total=lambda d: d.price * d.qty)
        .reset_index(drop=True)
        # ruleid: code-injection-taint-eval-exec
        .query(expr)
    )
    return frame.to_json()
