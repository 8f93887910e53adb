"""How hard the synthetic world is: named profiles, each a set of knobs.

``easy`` is the world of rings built from a few templates in a quiet background (a detector should be
perfect there). ``medium`` and ``hard`` add what investigators meet in real registers: business parks
with dozens of honest tenants at one address, registration agents and brokers serving hundreds of
importers, family networks, dormant shells, gangs of 3 and of 20 tied only by a bank account or a
phone, controllers hidden two ownership layers up, overlapping gangs, gangs that split when they
drift, standby shells registered before the case, missing and late records, name noise, and drift
decoys (a legitimate new subsidiary at a gang's address, a normal change of port). Every planted
confounder is recorded in the ground truth.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Difficulty(BaseModel):
    """The knobs of one difficulty profile (shares are fractions 0-1, ranges inclusive)."""

    model_config = ConfigDict(frozen=True)

    name: str
    # honest structures that look like rings
    park_share: float = Field(0.0, ge=0, le=1, description="share of honest enterprises in business parks")
    park_tenants: tuple[int, int] = Field((20, 60), description="honest tenants of one business park")
    agent_share: float = Field(0.0, ge=0, le=1, description="share registered through a registration agent")
    agent_clients: tuple[int, int] = Field((40, 200), description="importers one agent registers and serves")
    family_share: float = Field(0.0, ge=0, le=1, description="share of honest enterprises run by families")
    dormant_share: float = Field(0.0, ge=0, le=1, description="share of dormant shelf companies (no trade)")
    # the gangs
    gang_sizes: tuple[int, int] | None = Field(None, description="shells per gang; None: the fixed templates")
    sparse_share: float = Field(0.0, ge=0, le=1, description="gangs tied only by one account or one phone")
    holding_share: float = Field(0.0, ge=0, le=1, description="gangs whose controller sits two layers up")
    gang_in_park: float = Field(0.0, ge=0, le=1, description="gangs whose address is a business park")
    overlap_share: float = Field(0.0, ge=0, le=1, description="gangs sharing a nominee with another gang")
    split_share: float = Field(0.0, ge=0, le=1, description="drifting gangs that split over two new ports")
    standby_share: float = Field(0.0, ge=0, le=1, description="drift shells registered before the case")
    dissolve_share: float = Field(0.0, ge=0, le=1, description="caught gangs that stop instead of drifting")
    second_port: float = Field(0.0, ge=0, le=1, description="a gang's share of trade at a second port")
    stray_ports: float = Field(0.0, ge=0, le=1, description="a gang's share of declarations at random ports")
    # noise in the records
    missing_links: float = Field(0.0, ge=0, le=1, description="chance a gang tie is missing from the records")
    late_records: float = Field(0.0, ge=0, le=1, description="chance a drift shell's tie is recorded late")
    name_variants: float = Field(
        0.3, ge=0, le=1, description="chance a declaration spells its consignee oddly"
    )
    extra_spellings: int = Field(0, ge=0, le=10, description="more spellings per overseas party")
    # drift decoys
    subsidiary_decoys: float = Field(0.0, ge=0, le=1, description="caught gangs near a new honest subsidiary")
    port_change_decoys: float = Field(0.0, ge=0, le=1, description="caught gangs near an honest port change")

    @property
    def varied(self) -> bool:
        """Whether gangs are drawn with varied shapes (any knob beyond the easy world's is set)."""
        return self.gang_sizes is not None


PROFILES: dict[str, Difficulty] = {
    "easy": Difficulty(name="easy"),
    "medium": Difficulty(
        name="medium",
        park_share=0.12,
        park_tenants=(12, 40),
        agent_share=0.10,
        agent_clients=(30, 120),
        family_share=0.06,
        dormant_share=0.03,
        gang_sizes=(3, 12),
        sparse_share=0.25,
        holding_share=0.15,
        gang_in_park=0.3,
        overlap_share=0.1,
        split_share=0.1,
        standby_share=0.2,
        dissolve_share=0.1,
        second_port=0.1,
        stray_ports=0.03,
        missing_links=0.05,
        late_records=0.1,
        name_variants=0.35,
        extra_spellings=1,
        subsidiary_decoys=0.3,
        port_change_decoys=0.3,
    ),
    "hard": Difficulty(
        name="hard",
        park_share=0.2,
        park_tenants=(20, 80),
        agent_share=0.2,
        agent_clients=(60, 300),
        family_share=0.12,
        dormant_share=0.06,
        gang_sizes=(3, 20),
        sparse_share=0.4,
        holding_share=0.25,
        gang_in_park=0.6,
        overlap_share=0.25,
        split_share=0.25,
        standby_share=0.4,
        dissolve_share=0.2,
        second_port=0.2,
        stray_ports=0.08,
        missing_links=0.12,
        late_records=0.3,
        name_variants=0.45,
        extra_spellings=3,
        subsidiary_decoys=0.7,
        port_change_decoys=0.7,
    ),
}
DIFFICULTIES = tuple(PROFILES)
DEFAULT_DIFFICULTY = "medium"


def profile(name: str) -> Difficulty:
    """The named profile, or a clear error naming the known ones."""
    if name not in PROFILES:
        raise ValueError(f"unknown difficulty {name!r}; known: {', '.join(PROFILES)}")
    return PROFILES[name]
