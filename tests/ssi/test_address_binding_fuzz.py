"""Property tests for EIP-4361: any text parses or raises our error; valid messages round-trip."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ssi.address_binding import AddressProofError, SiweMessage, format_time

ADDRESS = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
alnum = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    min_size=8,
    max_size=20,
)
safe = st.text(st.sampled_from("abcXYZ019-._~:/?#[]@!$&'()*+,;= "), max_size=30)
pchars = st.text(st.sampled_from("abcXYZ019-._~!$&'()*+,;=:@"), max_size=20)


@given(st.text(max_size=400))
def test_parse_raises_only_address_proof_errors(text: str) -> None:
    try:
        SiweMessage.parse(text)
    except AddressProofError:
        pass


@given(
    domain=st.sampled_from(["example.org", "127.0.0.1:5003", "a.example:8443"]),
    statement=st.none() | safe,
    chain_id=st.integers(1, 2**63),
    nonce=alnum,
    issued=st.integers(0, 4_000_000_000),
    expires=st.none() | st.integers(0, 4_000_000_000),
    request_id=st.none() | pchars,
    resources=st.lists(
        st.sampled_from(["eip155:1:" + ADDRESS, "https://x.example/a?b=c"]), max_size=3
    ),
)
def test_valid_messages_round_trip(
    domain: str,
    statement: str | None,
    chain_id: int,
    nonce: str,
    issued: int,
    expires: int | None,
    request_id: str | None,
    resources: list[str],
) -> None:
    message = SiweMessage(
        domain=domain,
        address=ADDRESS,
        statement=statement,
        uri="https://example.org/response",
        chain_id=chain_id,
        nonce=nonce,
        issued_at=format_time(issued),
        expiration_time=None if expires is None else format_time(expires),
        request_id=request_id,
        resources=tuple(resources),
    )
    assert SiweMessage.parse(message.to_text()) == message
