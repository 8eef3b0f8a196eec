# ruff: noqa
# FastAPI cases for checks/semgrep/auth.yaml (semgrep --test pairs auth.*.py with auth.yaml).
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Security
from sqlalchemy.orm import Session

app = FastAPI()
router = APIRouter()


@app.post("/items")
def create_item(item: ItemIn, db: Session = Depends(get_db)):
    db.add(Item(**item.dict()))
    # ruleid: auth-fastapi-route-writes-without-auth
    db.commit()
    return {"ok": True}


@app.post("/items-secure")
def create_item_secure(item: ItemIn, db: Session = Depends(get_db),
                       user: User = Depends(get_current_user)):
    db.add(Item(owner_id=user.id, **item.dict()))
    # ok: auth-fastapi-route-writes-without-auth
    db.commit()
    return {"ok": True}


@router.delete("/items/{item_id}", dependencies=[Depends(verify_api_key)])
async def delete_item(item_id: int, db: Session = Depends(get_db)):
    # ok: auth-fastapi-route-writes-without-auth
    await db.delete(await db.get(Item, item_id))
    return {"ok": True}


@router.put("/items/{item_id}")
async def update_item(item_id: int, current_user: Annotated[User, Depends(get_current_user)],
                      db: Session = Depends(get_db)):
    # ruleid: auth-idor-sqlalchemy-unscoped-lookup
    item = db.get(Item, item_id)
    item.name = "x"
    # ok: auth-fastapi-route-writes-without-auth
    db.commit()
    return item


@router.get("/orders/{order_id}")
def read_order(order_id: int, db: Session = Depends(get_db),
               current_user: User = Depends(get_current_active_user)):
    # ok: auth-idor-sqlalchemy-unscoped-lookup
    order = db.query(Order).filter(Order.id == order_id, Order.owner_id == current_user.id).first()
    if order is None:
        raise HTTPException(404)
    return order
