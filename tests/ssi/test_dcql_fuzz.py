"""Property tests for DCQL: strict parsing never crashes; path selection is sound."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ssi.dcql import DcqlQuery, InvalidDcqlQuery, PathError, select
from ssi.errors import MalformedInput

scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["a", "b", "id"])
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)
    ),
    max_leaves=15,
)
query_like = st.fixed_dictionaries(
    {
        "credentials": st.lists(
            st.dictionaries(
                st.sampled_from(
                    [
                        "id",
                        "format",
                        "meta",
                        "claims",
                        "claim_sets",
                        "multiple",
                        "require_cryptographic_holder_binding",
                        "trusted_authorities",
                    ]
                ),
                json_values,
            ),
            max_size=3,
        )
    },
    optional={"credential_sets": json_values},
)
paths = st.lists(
    st.none() | st.integers(0, 3) | st.sampled_from(["a", "b", "c"]), min_size=1, max_size=4
)


@given(query_like)
def test_dcql_from_dict_raises_only_invalid_query(data: dict[str, Any]) -> None:
    try:
        query = DcqlQuery.from_dict(data)
    except InvalidDcqlQuery:
        return
    except MalformedInput as exc:  # pragma: no cover - would be a bug
        raise AssertionError(f"not an InvalidDcqlQuery: {exc!r}") from exc
    assert DcqlQuery.from_dict(query.to_dict()) == query


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), json_values, max_size=3), paths)
def test_select_returns_concrete_paths_that_lead_to_the_values(
    document: dict[str, Any], path: list[Any]
) -> None:
    """§7.1.1: every selected element is found again by following its concrete path."""
    try:
        selected = select(document, tuple(path))
    except PathError:
        return
    assert selected
    for concrete, value in selected:
        assert len(concrete) == len(path)
        node: Any = document
        for step in concrete:
            node = node[step]
        assert node == value
