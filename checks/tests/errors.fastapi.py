# ruff: noqa
# FastAPI cases for checks/semgrep/errors.yaml (semgrep --test pairs errors.*.py with errors.yaml).
import os
import traceback

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

# ruleid: errors-asgi-debug-enabled
app = FastAPI(debug=True)
# ok: errors-asgi-debug-enabled
app = FastAPI(debug=os.environ.get("APP_DEBUG") == "1")


@app.exception_handler(Exception)
async def unhandled(request: Request, exc: Exception):
    # ruleid: errors-handler-leaks-exception
    return JSONResponse(status_code=500, content={"detail": repr(exc)})


@app.exception_handler(Exception)
async def unhandled_generic(request: Request, exc: Exception):
    # ok: errors-handler-leaks-exception
    return JSONResponse(status_code=500, content={"detail": "internal error"})


@app.get("/items/{item_id}")
async def read_item(item_id: int):
    try:
        return load(item_id)
    except Exception:
        # ruleid: errors-traceback-returned-to-client
        raise HTTPException(status_code=500, detail=traceback.format_exc())
