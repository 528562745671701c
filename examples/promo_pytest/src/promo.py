# The seed article's promo service (Step 1), with its racy twin. Spans through the
# OpenTelemetry API, the prometheus_client counter and the JSON log events are exactly
# the article's; testscope's pytest plugin captures them per test.
import asyncio
import json
import logging

from opentelemetry import trace
from prometheus_client import Counter

tracer = trace.get_tracer(__name__)

promo_uses = Counter(
    "promo_uses_total",
    "Promo code usage attempts",
    ["promo_code", "status"],
)

logger = logging.getLogger("promo")


def log_event(event, **kwargs):
    logger.info(json.dumps({"event": event, **kwargs}))


class PromoService:
    """The article's service: check and use under one asyncio.Lock (atomic)."""

    def __init__(self, db):
        self.db = db
        self._lock = asyncio.Lock()

    async def apply_promo_code(self, user_id, promo_code):
        with tracer.start_as_current_span("apply_promo") as span:
            span.set_attribute("promo.code", promo_code)
            span.set_attribute("user.id", user_id)
            async with self._lock:
                return await _check_and_use(self.db, span, user_id, promo_code)


class RacyPromoService:
    """The same without the lock: two requests can both read uses_count=0 and both use it."""

    def __init__(self, db):
        self.db = db

    async def apply_promo_code(self, user_id, promo_code):
        with tracer.start_as_current_span("apply_promo") as span:
            span.set_attribute("promo.code", promo_code)
            span.set_attribute("user.id", user_id)
            return await _check_and_use(self.db, span, user_id, promo_code)


async def _check_and_use(db, span, user_id, promo_code):
    promo = await db.get_promo(promo_code)
    span.set_attribute("promo.uses", promo["uses_count"])
    span.set_attribute("promo.max", promo["max_uses"])
    log_event("promo_check", code=promo_code, user=user_id, uses=promo["uses_count"], max=promo["max_uses"])
    if promo["uses_count"] < promo["max_uses"]:
        await db.increment_promo_uses(promo_code)
        promo_uses.labels(promo_code=promo_code, status="ok").inc()
        log_event("promo_applied", code=promo_code, user=user_id)
        return True
    promo_uses.labels(promo_code=promo_code, status="limit").inc()
    span.set_status(trace.StatusCode.ERROR, "limit")
    log_event("promo_limit", code=promo_code, user=user_id)
    return False
