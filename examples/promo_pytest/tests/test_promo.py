# The article's Step 3 test, for the racy and the atomic service: two users apply a
# single-use code at nearly the same moment (asyncio.gather, each request arriving within
# 2 ms); exactly one may succeed. Run it many times with `testscope run -n 200 -- python -m
# pytest examples/promo_pytest`: the racy test is flaky, the atomic one passes.
import asyncio
import random

from src.promo import PromoService, RacyPromoService


async def request(service, user):
    await asyncio.sleep(random.uniform(0, 0.002))  # when the user's click arrives
    return await service.apply_promo_code(user, "SUMMER20")


def apply_twice(service):
    async def both():
        return await asyncio.gather(request(service, "u1"), request(service, "u2"))

    return asyncio.run(both())


def test_racy_apply_allows_exactly_one_use(db):
    results = apply_twice(RacyPromoService(db))
    assert sum(1 for r in results if r) == 1
    assert db.uses("SUMMER20") == 1


def test_atomic_apply_allows_exactly_one_use(db):
    results = apply_twice(PromoService(db))
    assert sum(1 for r in results if r) == 1
    assert db.uses("SUMMER20") == 1
