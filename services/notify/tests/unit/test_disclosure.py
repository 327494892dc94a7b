"""Which counts of alerts are hidden (domain/disclosure.py), counted by hand: the regions' rows and months and the
nation's months as a network whose hidden edges must each lie on a cycle of hidden edges, and the districts inside
their region with its row as a fixed margin."""

from __future__ import annotations

from notify.domain.disclosure import NATION, AlertCell, Network, district_cells, hidden_figures


def test_a_small_row_alone_would_be_its_region_less_its_other_rows_so_the_cheapest_cycle_is_hidden_with_it():
    """Region A: 3 critical and 20 high alerts, all in January; its month is then 23, shown, and the 3 would be 23 - 20.
    The cheapest cycle through the 3 closes over A's high row (20), not over A's January and the nation's (23 each)."""
    network = Network()
    network.add("A critical", (NATION, "A"), 3)
    network.add("A high", (NATION, "A"), 20)
    network.add("A January", ("A", "January"), 23)
    network.add("nation January", ("January", NATION), 23)
    assert network.protect(5) == {"A critical", "A high"}


def test_a_small_month_hides_the_nation_s_month_or_another_region_s_whichever_hides_fewer_alerts():
    """A and B, one row each (12 and 6 alerts); A's January has 2 of A's, its February 10; B's 6 are of January.
    A's January alone would be A's row less its February; the cheapest cycle that closes through it is hidden."""
    network = Network()
    network.add("A row", (NATION, "A"), 12)
    network.add("B row", (NATION, "B"), 6)
    network.add("A January", ("A", "Jan"), 2)
    network.add("A February", ("A", "Feb"), 10)
    network.add("B January", ("B", "Jan"), 6)
    network.add("nation January", ("Jan", NATION), 8)
    network.add("nation February", ("Feb", NATION), 10)
    # through A January (A - Jan): back from Jan to A by the nation's January and A's row (8 + 12 = 20), by B's
    # January and B's row then A's row (6 + 6 + 12), or by the nation's January and February and A's February
    # (8 + 10 + 10 = 28): the first is the cheapest
    assert network.protect(5) == {"A January", "nation January", "A row"}


def test_nothing_small_nothing_hidden():
    network = Network()
    network.add("A row", (NATION, "A"), 7)
    network.add("A January", ("A", "Jan"), 7)
    network.add("nation January", ("Jan", NATION), 7)
    assert network.protect(5) == set()


def test_districts_under_a_shown_row_hide_none_or_two_and_under_a_hidden_row_at_least_one():
    assert district_cells({"Markaz": 3, "Sharq": 9, "Gʻarb": 6}, 5, margin_hidden=False) == {"Markaz", "Gʻarb"}
    assert district_cells({"Markaz": 3, "Sharq": 2, "Gʻarb": 6}, 5, margin_hidden=False) == {"Markaz", "Sharq"}
    assert district_cells({"Markaz": 7, "Sharq": 9}, 5, margin_hidden=False) == set()
    assert district_cells({"Markaz": 7, "Sharq": 9}, 5, margin_hidden=True) == {"Markaz"}
    assert district_cells({"Markaz": 3}, 5, margin_hidden=True) == {"Markaz"}


def test_a_figure_over_two_quarters_is_hidden_where_either_quarter_hides_it():
    cells = [AlertCell("Q1", "A", "Markaz", "high", "2025-01", 9), AlertCell("Q1", "A", "Sharq", "high", "2025-01", 8),
             AlertCell("Q2", "A", "Markaz", "high", "2025-04", 2), AlertCell("Q2", "A", "Sharq", "high", "2025-04", 9),
             AlertCell("Q2", "A", "Sharq", "critical", "2025-04", 9)]
    hidden = hidden_figures(cells, 5)
    # Q2: A's high row (11) shown; Markaz's 2 hidden, and Sharq's 9 beside it (else 11 - 9); nothing of the top
    assert hidden.rows == frozenset() and hidden.region_months == frozenset() and hidden.nation_months == frozenset()
    assert hidden.districts == {("A", "Markaz", "high"), ("A", "Sharq", "high")}
