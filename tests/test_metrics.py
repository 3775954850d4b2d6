"""Metrics against hand-computed values."""

from __future__ import annotations

import math

import pytest

from jobsearch.ranking.metrics import agreement, mrr, ndcg_at_k, quadratic_weighted_kappa


def test_qwk_perfect_chance_and_hand_computed():
    assert quadratic_weighted_kappa([0, 1, 2, 3, 4], [0, 1, 2, 3, 4]) == pytest.approx(1.0)
    # truth [0, 0, 4, 4], predicted [0, 4, 0, 4]: observed weighted disagreement 2/4, expected 2/4 -> 0
    assert quadratic_weighted_kappa([0, 0, 4, 4], [0, 4, 0, 4]) == pytest.approx(0.0)
    # truth [0, 1, 2], predicted [0, 2, 2]: W = (i-j)^2/16; O: (0,0),(1,2),(2,2); sum W*O = 1/16
    # row marginals [1,1,1], column marginals [1,0,2]; E = outer/3; sum W*E = (1*0+2*4 + 1*1+2*1 + 1*4+2*0)/16/3
    expected = 1 - (1 / 16) / ((0 + 8 + 1 + 2 + 4 + 0) / 16 / 3)
    assert quadratic_weighted_kappa([0, 1, 2], [0, 2, 2]) == pytest.approx(expected)


def test_agreement_fields():
    scores = agreement([0, 1, 2, 3], [0, 2, 2, 1])
    assert scores["accuracy"] == 0.5 and scores["within_one"] == 0.75 and scores["pairs"] == 4


def test_ndcg_and_mrr_by_hand():
    grades = [3, 2, 0]
    assert ndcg_at_k([3.0, 2.0, 1.0], grades, k=10) == pytest.approx(1.0)
    dcg = (2**0 - 1) / math.log2(2) + (2**2 - 1) / math.log2(3) + (2**3 - 1) / math.log2(4)
    idcg = (2**3 - 1) / math.log2(2) + (2**2 - 1) / math.log2(3)
    assert ndcg_at_k([1.0, 2.0, 3.0], grades, k=10) == pytest.approx(dcg / idcg)
    assert mrr([1.0, 2.0, 3.0], grades) == pytest.approx(1 / 3)
    assert mrr([3.0, 2.0, 1.0], [0, 0, 1]) == 0.0
