# Lost update across an await (read-modify-write): two withdrawals of 30 from a balance of
# 100; each reads the balance, writes an audit record (~0.2 ms on a worker thread), then
# writes balance - 30. The second starts 1 ms after the first. If the first is resumed late,
# the second reads the balance before the first has written it: one withdrawal is lost.
# Twin: the read, the audit and the write under one asyncio.Lock.
import asyncio

from zoo import after, io, run_tasks, tracer


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = asyncio.Lock()

    async def withdraw(self, amount):
        with tracer.start_as_current_span("read_balance") as span:
            balance = self.balance
            span.set_attribute("account.balance", balance)
        with tracer.start_as_current_span("audit"):
            await io()
        with tracer.start_as_current_span("write_balance"):
            self.balance = balance - amount

    async def withdraw_locked(self, amount):
        async with self.lock:
            await self.withdraw(amount)


def test_racy_withdrawals_are_all_counted():
    account = Account(100)
    run_tasks(("clerk-1", account.withdraw(30)), ("clerk-2", after(0.001, account.withdraw(30))))
    assert account.balance == 40


def test_locked_withdrawals_are_all_counted():
    account = Account(100)
    run_tasks(("clerk-1", account.withdraw_locked(30)), ("clerk-2", after(0.001, account.withdraw_locked(30))))
    assert account.balance == 40
