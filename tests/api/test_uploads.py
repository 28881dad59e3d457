import pytest

from taxmatch.api.uploads import boundary


@pytest.mark.parametrize(
    ("header", "found"),
    [
        (b"multipart/form-data; boundary=XyZ", b"XyZ"),
        (b'Multipart/Form-Data; charset=utf-8; boundary="a b=c"', b"a b=c"),
        (b"multipart/form-data", None),
        (b"application/json", None),
        (b"text/plain; boundary=XyZ", None),
    ],
)
def test_the_boundary_is_read_only_from_multipart_types(header: bytes, found: bytes | None) -> None:
    assert boundary(header) == found
