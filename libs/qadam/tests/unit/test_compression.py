"""qadam.compression.Gzip: text for a client that takes gzip is sent gzipped, everything else as it was."""

from __future__ import annotations

import gzip

import pytest
from qadam.compression import Gzip, accepts_gzip
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

PAGE = "<!doctype html><title>Davomat</title>" + "<p>Qatnashdi · Keldi</p>" * 200


@Request.application
def site(request: Request) -> Response:
    if request.path == "/small":
        return Response("<p>ok</p>", mimetype="text/html")
    if request.path == "/picture":
        return Response(b"\x89PNG" + bytes(4000), mimetype="image/png")
    if request.path == "/encoded":
        return Response(gzip.compress(PAGE.encode()), mimetype="text/html", headers={"Content-Encoding": "gzip"})
    if request.path == "/file":
        response = Response(PAGE * 2, mimetype="text/css", headers={"Vary": "Cookie"})
        response.set_etag("abc")
        return response
    return Response(PAGE, mimetype="text/html")


def get(path: str, encoding: str | None = "gzip, deflate, br", method: str = "GET") -> Response:
    headers = {"Accept-Encoding": encoding} if encoding is not None else {}
    return Client(Gzip(site)).open(path, method=method, headers=headers)


def test_a_page_is_gzipped_for_a_client_that_takes_it_and_says_so():
    response = get("/")
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.data) < len(PAGE) / 5
    assert gzip.decompress(response.data).decode() == PAGE


def test_a_client_that_takes_no_gzip_gets_the_page_as_it_is_and_the_vary_header():
    for encoding in (None, "identity", "gzip;q=0, br"):
        response = get("/", encoding)
        assert "Content-Encoding" not in response.headers, encoding
        assert response.get_data(as_text=True) == PAGE
        assert response.headers["Vary"] == "Accept-Encoding"


def test_the_vary_of_the_application_is_kept_and_a_strong_tag_changes_with_the_encoding():
    response = get("/file")
    assert response.headers["Vary"] == "Cookie, Accept-Encoding"
    assert response.headers["ETag"] == '"abc-gzip"'
    assert gzip.decompress(response.data).decode() == PAGE * 2


@pytest.mark.parametrize("path", ["/small", "/picture", "/encoded"])
def test_small_answers_pictures_and_answers_already_encoded_are_left_alone(path):
    plain = Client(site).get(path)
    response = get(path)
    assert response.data == plain.data
    assert response.headers.get("Content-Encoding") == plain.headers.get("Content-Encoding")


def test_an_answer_to_head_is_left_alone():
    response = get("/", method="HEAD")
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Length"] == str(len(PAGE.encode()))


def test_what_accept_encoding_says():
    assert accepts_gzip("gzip") and accepts_gzip("br, GZIP;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip("") and not accepts_gzip("gzip;q=0") and not accepts_gzip("*;q=0")
    assert not accepts_gzip("gzip;q=x, identity")
