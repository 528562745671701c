import pytest

from src.db import PromoDB


@pytest.fixture
def db(tmp_path):
    db = PromoDB(tmp_path / "promo.sqlite3")
    db.add_promo("SUMMER20", max_uses=1)
    return db
