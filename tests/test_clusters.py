from hypothesis import given
from hypothesis import strategies as st

from dedup.clusters import UnionFind, clusters


def _components(n, pairs):
    adj = {i: set() for i in range(n)}
    for a, b in pairs:
        adj[a].add(b)
        adj[b].add(a)
    seen, out = set(), []
    for i in range(n):
        if i in seen:
            continue
        stack, comp = [i], []
        seen.add(i)
        while stack:
            x = stack.pop()
            comp.append(x)
            for y in adj[x] - seen:
                seen.add(y)
                stack.append(y)
        if len(comp) > 1:
            out.append(sorted(comp))
    return sorted(out)


@given(
    st.integers(min_value=1, max_value=30).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=40))
    )
)
def test_components_match_a_graph_search(case):
    n, pairs = case
    assert clusters(n, pairs) == _components(n, pairs)


def test_order_of_pairs_does_not_matter():
    pairs = [(5, 3), (3, 1), (7, 8)]
    assert clusters(10, pairs) == clusters(10, list(reversed(pairs))) == [[1, 3, 5], [7, 8]]


def test_union_reports_new_joins():
    uf = UnionFind(3)
    assert uf.union(0, 2) is True
    assert uf.union(2, 0) is False
    assert uf.find(2) == 0
