"""The disclosure-control engine on the issue's own examples: primary suppression below K, then
complementary suppression until no withheld count can be recomputed from the published ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.disclosure_control import BELOW_K, Table, _rref, determined


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
    assert t.withheld == {"not_approved", "approval_unknown"}  # the cheapest partner
    assert t.exposed() == [] and "not_approved" not in t.determined()


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
