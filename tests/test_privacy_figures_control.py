"""The disclosure-control engine on the issue's own examples: primary suppression below K, then
complementary suppression until no withheld count can be recomputed from the published ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.disclosure_control import BELOW_K, NONE, Table, _rref, determined


def approvals(with_example: int, approved: int, not_approved: int, unknown: int) -> Table:
    t = Table(5)
    t.add("with_example", with_example, marginal=True)
    t.add("approved", approved)
    t.add("not_approved", not_approved)
    t.add("approval_unknown", unknown)
    t.sums("with_example", ["approved", "not_approved", "approval_unknown"])
    return t


def test_a_single_withheld_part_gets_a_partner() -> None:
    # Issue item 4: with_example 17, approved 16, unknown 0, not approved withheld gives 1.
    t = approvals(17, 16, 1, 0)
    t.suppress_primary()
    assert t.withheld == {"not_approved"} and t.exposed() == ["not_approved"]
    t.suppress_complementary()
    # "approval unknown" (0) as its partner would leave the two withheld adding up to 1:
    # exactly one person, named by the next reading. "approved" (16) brings the total to 17.
    assert t.withheld == {"not_approved", "approved"}
    assert t.exposed() == [] and "not_approved" not in t.determined()


def interval_attack(t: Table) -> dict[str, tuple[int, int]]:
    """What a reader adding up one row learns: counts are never negative, so when a row's
    unknown cells all carry the same sign each lies in [0, their known total]. Written apart
    from the table's own test: it reads only the published values and the relations."""
    bounds: dict[str, tuple[int, int]] = {}
    for relation in t.relations:
        unknown = {c: n for c, n in relation.items() if not t.shown(c)}
        if not unknown or len({n > 0 for n in unknown.values()}) > 1:
            continue
        if not any(t.value(c) for c in relation if c not in unknown):
            continue  # zeros that follow from published zeros tell nothing new
        sign = 1 if next(iter(unknown.values())) > 0 else -1
        total = -sign * sum(n * t.value(c) for c, n in relation.items() if c not in unknown)  # type: ignore[operator]
        for cell, n in unknown.items():
            low, high = bounds.get(cell, (0, 10**9))
            bounds[cell] = (low, min(high, total // abs(n)))
    return bounds


def leaks(t: Table) -> list[str]:
    """Withheld cells whose bounds tell a protected count apart: pinned to 0 where 0 must
    read like "a few" (BELOW_K), or shown to be below K while not known to be 0."""
    out = []
    for cell, (_, high) in interval_attack(t).items():
        protect = t.cells[cell].protect
        if (protect == BELOW_K and high < t.k) or (protect != NONE and 0 < high < t.k):
            out.append(cell)
    return sorted(out)


def themes(with_example: int, counts: dict[str, int]) -> Table:
    t = Table(5)
    t.add("team.with_example", with_example, marginal=True)
    kinds = ["coding", "drafting", "analysis", "research"]
    for kind in kinds:
        t.add(f"team.theme.{kind}", counts.get(kind, 0), BELOW_K)
    t.sums("team.with_example", [f"team.theme.{kind}" for kind in kinds])
    return t


def test_non_negativity_no_longer_pins_the_withheld_themes() -> None:
    """Review L1: 6 examples, all "coding" (6): the other themes were withheld (0 reads like
    "a few"), but 6 - 6 = 0 and no count is negative, so each was exactly 0; and one more
    example elsewhere would then read 7 - 6 = 1: "exactly one", attributable."""
    for counts, total in (({"coding": 6}, 6), ({"coding": 6, "drafting": 1}, 7)):
        t = themes(total, counts)
        t.suppress_primary()
        assert leaks(t)  # primary suppression alone: the attack works
        t.suppress_complementary()
        assert leaks(t) == [] and t.exposed() == []
        assert t.value("team.theme.coding") is None or t.value("team.with_example") is None


def test_a_withheld_total_of_k_or_more_is_left_alone() -> None:
    t = themes(12, {"coding": 6, "drafting": 3, "analysis": 3}).suppress()
    assert t.withheld == {"team.theme.drafting", "team.theme.analysis", "team.theme.research"}
    assert leaks(t) == []  # 12 - 6 = 6 >= K among the withheld: nothing pinned


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    counts=st.lists(st.integers(0, 12), min_size=4, max_size=4),
    approvals=st.lists(st.integers(0, 12), min_size=3, max_size=3),
)
def test_no_interval_attack_on_generated_groups(counts: list[int], approvals: list[int]) -> None:
    """A group's themes and approvals share their total (with an example): whatever the
    counts, after suppression no row bounds a protected withheld cell."""
    total = sum(counts)
    approvals = [*approvals[:2], max(0, total - sum(approvals[:2]))]
    if sum(approvals) != total:
        return
    t = themes(
        total, dict(zip(["coding", "drafting", "analysis", "research"], counts, strict=True))
    )
    for name, n in zip(("approved", "not_approved", "approval_unknown"), approvals, strict=True):
        t.add(f"team.{name}", n)
    t.sums(
        "team.with_example", [f"team.{n}" for n in ("approved", "not_approved", "approval_unknown")]
    )
    t.suppress()
    assert leaks(t) == [] and t.exposed() == []


def test_nothing_more_is_withheld_than_needed() -> None:
    t = approvals(17, 10, 7, 0).suppress()
    assert t.withheld == set()  # 0 singles nobody out and 7 >= K


def test_org_minus_shown_teams_protects_the_hidden_team() -> None:
    t = Table(5)
    for name, n in (("org", 30), ("a", 12), ("b", 15), ("small", 3)):
        t.add(name, n, marginal=name == "org")
    t.sums("org", ["a", "b", "small"])
    t.suppress()
    assert "small" in t.withheld and "a" in t.withheld and t.exposed() == []
    assert t.value("org") == 30 and t.value("b") == 15


def test_disclosure_cells_read_the_same_for_zero() -> None:
    t = Table(5)
    t.add("covert", 0, BELOW_K)
    t.add("reasons", 0)
    t.suppress()
    assert t.withheld == {"covert"}  # a 0 disclosure count is withheld; a 0 of people is not


def test_rank_test_sees_through_chains_of_relations() -> None:
    # x = y + z and y + z = 4 (published): x is determined although no relation names x alone.
    relations = [{"x": 1, "y": -1, "z": -1}, {"s": 1, "y": -1, "z": -1}]
    assert determined(relations, {"x", "y", "z"}) == {"x"}
    assert determined(relations, {"x", "y", "z", "s"}) == set()
    # Two equations in y and z fix both.
    assert determined([*relations, {"y": 1, "z": -1}], {"y", "z"}) == {"y", "z"}


def brute_force(relations: list[dict[str, int]], withheld: set[str]) -> set[str]:
    """The definition, with no blocks: one exact elimination over every relation at once."""
    restricted = [{c: n for c, n in r.items() if c in withheld} for r in relations]
    return {p for p, row in _rref(restricted).items() if len(row) == 1}


keys = st.sampled_from([f"{b}.{c}" for b in ("org", "team1", "team2", "rest") for c in "abcd"])
relation = st.dictionaries(keys, st.sampled_from([-2, -1, 1, 1, 2]), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(relations=st.lists(relation, max_size=12), withheld=st.sets(keys, min_size=1))
def test_the_block_method_agrees_with_one_exact_elimination(
    relations: list[dict[str, int]], withheld: set[str]
) -> None:
    assert determined(relations, withheld) == brute_force(relations, withheld)
