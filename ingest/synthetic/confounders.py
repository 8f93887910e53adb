"""Honest structures that look like rings, for the medium and hard worlds, each recorded in the ground
truth (``confounders``, ``drift_decoys``):

- business parks: dozens of honest tenants at one address (gangs rent there too);
- registration agents: an agent registers importers at its own address and phone, is their contact and
  lodges their declarations (a broker serving hundreds), and keeps batches of dormant shelf companies
  under one nominee legal representative;
- family networks: relatives in office across a family's firms, which trade with one another;
- drift decoys: a park tenant of a caught gang founds a new subsidiary at the gang's address after the
  case; another park tenant that trades with the gang moves to another port.
"""

from __future__ import annotations

from ingest.synthetic import names
from ingest.synthetic.builder import WorldBuilder
from ingest.synthetic.model import Enterprise
from ingest.synthetic.reference import PORTS, day


def _honest(b: WorldBuilder, **kwargs: str) -> Enterprise:
    registered = b.rng.randrange(0, 600) if b.rng.random() < 0.2 else -1
    ent = b.enterprise(registered=registered, **kwargs)
    rep = b.new_person()
    b.role(rep, ent, "legal_rep")
    b.role(rep, ent, "shareholder", share="1.00")
    return ent


def parks(b: WorldBuilder, count: int) -> dict[str, list[Enterprise]]:
    """Business parks of honest tenants: the parks gangs rent in, then more, ``count`` tenants in all."""
    lo, hi = b.difficulty.park_tenants
    tenants: dict[str, list[Enterprise]] = {}
    sites = list(b.parks)
    made = 0
    while made < count or sites:
        address, city = sites.pop(0) if sites else (None, b.rng.choice(PORTS)["city"])
        address = address or b.new_address(city)
        size = b.rng.randint(lo, hi)
        tenants[address] = [_honest(b, address=address, city=city) for _ in range(size)]
        made += size
        b.truth["confounders"]["parks"].append({"address": address, "tenants": size})
    return tenants


def agents(b: WorldBuilder, count: int, dormant: int) -> None:
    """Registration agents with their clients (``count`` in all) and ``dormant`` shelf companies."""
    lo, hi = b.difficulty.agent_clients
    made = shelved = 0
    while made < count or shelved < dormant:
        agent = _honest(b)
        agent.broker = True
        agent.activity = 0.0
        staff = b.new_person()
        b.role(staff, agent, "manager")
        clients = []
        for _ in range(b.rng.randint(lo, hi) if made < count else 0):
            client = _honest(b, address=agent.address, phone=agent.phone, city=agent.city)
            client.agent = agent.uscc
            b.role(staff, client, "contact")
            clients.append(client.uscc)
        made += len(clients)
        shelf = []
        nominee = b.new_person()
        for _ in range(b.rng.randint(3, 8) if shelved < dormant else 0):
            shell = b.enterprise(
                registered=b.rng.randrange(0, 600), address=agent.address, phone=agent.phone, city=agent.city
            )
            shell.activity, shell.dormant = 0.0, True
            b.role(nominee, shell, "legal_rep")
            b.role(nominee, shell, "shareholder", share="1.00")
            shelf.append(shell.uscc)
        shelved += len(shelf)
        b.truth["confounders"]["agents"].append({"agent": agent.uscc, "clients": clients})
        if shelf:
            b.truth["confounders"]["dormant"].append(shelf)


def families(b: WorldBuilder, count: int) -> None:
    """Family networks (``count`` firms in all): relatives in office across their firms, which trade."""
    made = 0
    while made < count:
        surname = b.rng.choice(names.SURNAMES)
        relatives = [
            b.new_person(surname + "".join(b.rng.choice(names.GIVEN) for _ in range(2)))
            for _ in range(b.rng.randint(2, 4))
        ]
        home = b.new_address(b.rng.choice(PORTS)["city"])
        for person in relatives:
            b.persons[person]["address"] = home
        firms = []
        for k in range(b.rng.randint(2, 5)):
            ent = b.enterprise(registered=-1)
            b.role(relatives[k % len(relatives)], ent, "legal_rep")
            for person in b.rng.sample(relatives, k=min(2, len(relatives))):
                b.role(person, ent, "shareholder", share="0.50")
            firms.append(ent)
        for older, newer in zip(firms, firms[1:], strict=False):  # supply runs one way: no closed loop
            b.transactions.append(
                [
                    older.uscc,
                    newer.uscc,
                    round(b.rng.uniform(1e4, 5e5), 2),
                    b.rng.randint(1, 12),
                    day(30),
                    day(600),
                ]
            )
        made += len(firms)
        b.truth["confounders"]["families"].append([f.uscc for f in firms])


def decoys(b: WorldBuilder, tenants: dict[str, list[Enterprise]]) -> None:
    """Honest changes near caught gangs: a new subsidiary at the gang's park, a park tenant's port change."""
    d, rng = b.difficulty, b.rng
    for gang in b.truth["gangs"]:
        opened = b.opened.get(gang["id"])
        mates = tenants.get(gang["addresses"][0], [])
        if opened is None or len(mates) < 2:
            continue
        parent, mover = rng.sample(mates, 2)
        if rng.random() < d.subsidiary_decoys:
            sub = b.enterprise(
                registered=opened + rng.randrange(10, 90), address=parent.address, city=parent.city
            )
            if rng.random() < 0.5:
                sub.home_port = rng.choice([p["code"] for p in PORTS if p["code"] not in gang["ports"]])
            rep = next(r[0] for r in b.roles if r[1] == parent.uscc and r[2] == "legal_rep")
            b.role(rep, sub, "legal_rep")
            b.ownership.append([parent.uscc, sub.uscc, 0.8, sub.registered_on])
            b.truth["drift_decoys"].append(
                {"gang": gang["id"], "kind": "new_subsidiary", "enterprise": sub.uscc, "parent": parent.uscc}
            )
        if rng.random() < d.port_change_decoys:
            port = rng.choice(
                [p["code"] for p in PORTS if p["code"] not in gang["ports"] + [mover.home_port]]
            )
            mover.moves = (opened + rng.randrange(20, 120), port)
            member = rng.choice(gang["enterprises"])
            b.transactions.append(
                [mover.uscc, member, round(rng.uniform(1e4, 2e5), 2), rng.randint(1, 6), day(100), day(500)]
            )
            b.truth["drift_decoys"].append(
                {"gang": gang["id"], "kind": "port_change", "enterprise": mover.uscc, "port": port}
            )
