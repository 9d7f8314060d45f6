"""Data access for products, carts and orders.

The async API uses the ``databases`` library on top of asyncpg; the nightly
reporting job (:class:`ReportingQueries`) uses a plain psycopg connection.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any, Optional

import psycopg
from databases import Database
from psycopg.rows import namedtuple_row

DATABASE_URL = os.environ.get("SHOPFRONT_DATABASE_URL", "postgresql://shop@localhost/shop")

database = Database(DATABASE_URL)


class ProductRepository:
    """Async queries used by the FastAPI request handlers."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def find_product(self, product_id: int) -> Optional[dict[str, Any]]:
        row = await self.db.fetch_one(
            "SELECT id, name, price, stock FROM products WHERE id = :id",
            values={"id": product_id},
        )
        if row is None:
            return None
        return dict(row)

    async def price_of(self, product_id: int) -> Decimal:
        query = "SELECT price FROM products WHERE id = :id"
        row = await self.db.fetch_one(query=query, values={"id": product_id})
        return row["price"]

    async def count_in_stock(self) -> int:
        query = "SELECT COUNT(*) FROM products WHERE stock > 0"
        return (await self.db.fetch_one(query))[0]

    async def add_cart_item(self, cart_id: int, product_id: int, quantity: int) -> Decimal:
        """Insert or bump a cart line and return the new cart total."""
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO cart_items (cart_id, product_id, quantity) "
                "VALUES (:cart, :product, :qty) "
                "ON CONFLICT (cart_id, product_id) "
                "DO UPDATE SET quantity = cart_items.quantity + :qty",
                values={"cart": cart_id, "product": product_id, "qty": quantity},
            )
            total = await self.db.fetch_one(
                "SELECT SUM(p.price * ci.quantity) AS total FROM cart_items ci "
                "JOIN products p ON p.id = ci.product_id WHERE ci.cart_id = :cart",
                values={"cart": cart_id},
            )
        return total["total"]

    async def customer_summary(self, customer_id: int) -> dict[str, Any]:
        return dict(
            await self.db.fetch_one(
                "SELECT id, email, created_at FROM customers WHERE id = :id",
                values={"id": customer_id},
            )
        )

    async def order_status(self, order_id: int) -> str:
        row = await self.db.fetch_one(
            "SELECT status FROM orders WHERE id = :id", values={"id": order_id}
        )
        return row["status"] if row is not None else "unknown"

    async def featured_products(self) -> list[dict[str, Any]]:
        rows = await self.db.fetch_all(
            "SELECT id, name, price FROM products WHERE featured ORDER BY name"
        )
        return [dict(row) for row in rows]


async def get_repository() -> ProductRepository:
    """FastAPI dependency returning a repository bound to the shared database."""
    return ProductRepository(database)


class ReportingQueries:
    """Synchronous psycopg queries for the nightly sales report."""

    def __init__(self, dsn: str = DATABASE_URL) -> None:
        self.conn = psycopg.connect(dsn)

    def best_seller_name(self, day: str) -> str:
        with self.conn.cursor(row_factory=namedtuple_row) as cur:
            cur.execute(
                "SELECT p.name FROM order_lines ol JOIN products p ON p.id = ol.product_id "
                "JOIN orders o ON o.id = ol.order_id WHERE o.created_at::date = %s "
                "GROUP BY p.name ORDER BY SUM(ol.quantity) DESC LIMIT 1",
                (day,),
            )
            return cur.fetchone().name

    def revenue_for(self, day: str) -> tuple[Decimal, int]:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT SUM(total), COUNT(*) FROM orders WHERE created_at::date = %s",
                (day,),
            )
            revenue, orders = cur.fetchone()
        return revenue or Decimal(0), orders

    def refunds_for(self, day: str) -> int:
        with self.conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM refunds WHERE created_at::date = %s", (day,))
            count = (cur.fetchone() or (0,))[0]
        return count

    def largest_order(self, day: str) -> dict[str, Any]:
        with self.conn.cursor(row_factory=namedtuple_row) as cur:
            cur.execute(
                "SELECT id, total FROM orders WHERE created_at::date = %s "
                "ORDER BY total DESC LIMIT 1",
                (day,),
            )
            row = cur.fetchone()
        if not row:
            return {}
        return {"order_id": row.id, "total": row.total}

    def daily_lines(self, day: str) -> list[tuple[str, int]]:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT p.name, SUM(ol.quantity) FROM order_lines ol "
                "JOIN products p ON p.id = ol.product_id "
                "JOIN orders o ON o.id = ol.order_id "
                "WHERE o.created_at::date = %s GROUP BY p.name",
                (day,),
            )
            return [(name, qty) for name, qty in cur.fetchall()]
