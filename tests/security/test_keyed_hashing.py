"""ID numbers, bank accounts and phone numbers are keyed with HMAC under the hash secret, never plain hashes."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from pydantic import ValidationError

from graph.store import GraphStore
from ingest.keys import account_id, hash_id_number, phone_id
from ingest.loader import Loader
from tests.ingest.builders import tiny_world
from tianji.core.settings import Settings


def _hmac(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_id_numbers_are_not_plain_sha256() -> None:
    number = "440101198001010001"
    assert hash_id_number(number) != hashlib.sha256(number.encode()).hexdigest()
    assert hash_id_number(number, secret="k" * 40) == _hmac("k" * 40, number)
    assert hash_id_number(number, secret="k" * 40) != hash_id_number(number, secret="j" * 40)
    assert hash_id_number(" 44010119800101000x ", secret="k" * 40) == _hmac("k" * 40, "44010119800101000X")


def test_accounts_and_phones_are_keyed() -> None:
    assert (
        account_id("6222 0000 0000 0001", secret="k" * 40)
        == "acct_" + _hmac("k" * 40, "6222000000000001")[:32]
    )
    assert phone_id("138-0000 0001", secret="k" * 40) == "ph_" + _hmac("k" * 40, "13800000001")[:32]
    assert account_id("6222000000000001", secret="k" * 40) != account_id("6222000000000001", secret="j" * 40)
    assert phone_id("13800000001", secret="k" * 40) != phone_id("13800000001", secret="j" * 40)


def test_production_refuses_the_default_hash_secret() -> None:
    with pytest.raises(ValidationError, match="needs TIANJI_HASH_SECRET"):
        Settings(environment="production", auth_secret="s" * 40)
    with pytest.raises(ValidationError, match="needs TIANJI_HASH_SECRET"):
        Settings(environment="production", auth_secret="s" * 40, hash_secret="short")
    assert (
        Settings(environment="production", auth_secret="s" * 40, hash_secret="h" * 40).hash_secret == "h" * 40
    )


def test_loaded_accounts_and_phones_carry_keyed_ids(
    store: GraphStore, settings: Settings, tmp_path: Path
) -> None:
    secret = "a-deployment-secret-of-forty-characters!"
    keyed = settings.model_copy(update={"hash_secret": secret})
    tiny_world(tmp_path / "world")
    run = Loader(store, keyed, progress=False).load_dir(tmp_path / "world")
    assert run.quarantined == 0
    phones = store.query("MATCH (p:Phone) RETURN p.id AS id, p.number AS number")
    assert phones and all(p["id"] == phone_id(p["number"], secret=secret) for p in phones)
    accounts = {r["id"] for r in store.query("MATCH (a:BankAccount) RETURN a.id AS id")}
    assert account_id("6222000000000001", secret=secret) in accounts
    assert account_id("6222000000000001") not in accounts  # the default secret gives other keys
    assert not any(a.removeprefix("acct_") in hashlib.sha1(b"6222000000000001").hexdigest() for a in accounts)
    paid = store.query(
        "MATCH (a:BankAccount {id: $a})-[:PAYS]->(b:BankAccount) RETURN b.id AS id",
        {"a": account_id("6222000000000001", secret=secret)},
    )
    assert paid == [{"id": account_id("6222000000000002", secret=secret)}]
