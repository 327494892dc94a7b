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
        return response.make_conditional(request)
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


def test_the_vary_of_the_application_is_kept_and_the_gzipped_form_has_a_weak_tag():
    response = get("/file")
    assert response.headers["Vary"] == "Cookie, Accept-Encoding"
    assert response.headers["ETag"] == 'W/"abc"'  # the same content in other bytes: a weak tag
    assert gzip.decompress(response.data).decode() == PAGE * 2


def test_the_tag_of_a_gzipped_file_sent_back_gets_a_304_not_the_file_again():
    first = get("/file")
    again = Client(Gzip(site)).get("/file", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_an_answer_with_a_strong_tag_is_compressed_once(monkeypatch):
    made: list[int] = []
    real = gzip.compress

    def counted(data: bytes, *args: object, **kwargs: object) -> bytes:
        made.append(len(data))
        return real(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("qadam.compression.gzip.compress", counted)
    app = Client(Gzip(site))
    answers = [app.get("/file", headers={"Accept-Encoding": "gzip"}).data for _ in range(3)]
    assert len(set(answers)) == 1 and made == [len((PAGE * 2).encode())]
    app.get("/", headers={"Accept-Encoding": "gzip"})
    app.get("/", headers={"Accept-Encoding": "gzip"})
    assert len(made) == 3  # a page without a tag is compressed each time: it may differ


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
