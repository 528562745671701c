# A promo-code table in a real SQLite database; each query runs on a worker thread
# (asyncio.to_thread), as a connection pool would, with an OpenTelemetry span around it.
import asyncio
import sqlite3

from opentelemetry import trace

tracer = trace.get_tracer(__name__)


class PromoDB:
    def __init__(self, path):
        self.path = path
        with sqlite3.connect(self.path) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS promo (code TEXT PRIMARY KEY, uses_count INTEGER, max_uses INTEGER)")

    def add_promo(self, code, max_uses):
        with sqlite3.connect(self.path) as conn:
            conn.execute("INSERT OR REPLACE INTO promo VALUES (?, 0, ?)", (code, max_uses))

    def _get(self, code):
        with sqlite3.connect(self.path) as conn:
            uses, max_uses = conn.execute("SELECT uses_count, max_uses FROM promo WHERE code = ?", (code,)).fetchone()
        return {"uses_count": uses, "max_uses": max_uses}

    def _increment(self, code):
        with sqlite3.connect(self.path) as conn:
            conn.execute("UPDATE promo SET uses_count = uses_count + 1 WHERE code = ?", (code,))

    async def get_promo(self, code):
        with tracer.start_as_current_span("db.get_promo") as span:
            span.set_attribute("db.system", "sqlite")
            span.set_attribute("db.operation", "SELECT")
            return await asyncio.to_thread(self._get, code)

    async def increment_promo_uses(self, code):
        with tracer.start_as_current_span("db.increment_promo_uses") as span:
            span.set_attribute("db.system", "sqlite")
            span.set_attribute("db.operation", "UPDATE")
            await asyncio.to_thread(self._increment, code)

    def uses(self, code):
        return self._get(code)["uses_count"]
