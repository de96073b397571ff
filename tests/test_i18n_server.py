"""The language of a request: lang=ko|en in the URL (or a POSTed JSON body) decides, else Accept-Language; errors keep their field and caret."""

import json
import re
from dataclasses import dataclass, field

import pytest
from live_server import server_fixture

from graphlib.compute import ComputePool
from graphlib.drawing import wrapped
from graphlib.errors import ValueInputError
from graphlib.i18n import LANGUAGE_NAMES, current_language, use_language
from graphlib.notebook import backprop
from graphlib.parse import parse
from graphlib.errors import ExpressionSyntaxError


HANGUL = re.compile("[\uac00-\ud7a3]")


@dataclass(frozen=True)
class Refusal:
    """A request refused, its Korean message, and where the error points (the same in English)."""

    id: str
    method: str
    path: str
    fields: dict
    korean: str
    field: str
    position: int | None = None
    headers: dict = field(default_factory=dict)

    def send(self, client, lang=None):
        fields = self.fields if lang is None else {**self.fields, "lang": lang}
        if self.method == "GET":
            return client.get(self.path, query_string=fields, headers=self.headers)
        return client.post(self.path, json=fields, headers=self.headers)


REFUSALS = [
    Refusal("expression-cut-short", "GET", "/api/graph", {"expr": "x+"},
            "3번째 열에 숫자, 변수, 함수 또는 '('이(가) 와야 하는데, 수식의 끝이(가) 있습니다.", "expr", 2),
    Refusal("unknown-function", "GET", "/api/explain", {"expr": "2*foo(x)"},
            "3번째 열의 'foo'은(는) 알 수 없는 함수입니다. 쓸 수 있는 함수: ", "expr", 2),
    Refusal("value-not-a-number", "GET", "/api/graph", {"expr": "(x+y)*z", "x": "abc"},
            "x의 값('abc')이 숫자가 아닙니다. -2, 0.5, 1.5e-3 같은 십진수를 입력하세요.", "x"),
    Refusal("precision-too-large", "GET", "/api/graph", {"expr": "x*y", "precision": "11"},
            "precision은 소수점 아래 자릿수로, 0부터 10까지의 정수여야 합니다.", "precision"),
    Refusal("posted-expression-cut-short", "POST", "/api/graph", {"expr": "x +"},
            "4번째 열에 숫자, 변수, 함수 또는 '('이(가) 와야 하는데, 수식의 끝이(가) 있습니다.", "expr", 3),
    Refusal("posted-matrix-unclosed", "POST", "/api/explain", {"expr": "sum(W)", "W": "[[1, 2], [3, 4]"},
            "W의 값이 하나의 리스트가 아닙니다. 벡터는 [1, -2], 행렬은 [[1, 2], [3, 4]]처럼 쓰고, 모든 '['를 닫으세요.",
            "W"),
    Refusal("posted-shapes-clash", "POST", "/api/graph", {"expr": "sum(a*b)", "a": "[1, 2]", "b": "[1, 2, 3]"},
            "a*b: (2,) * (3,) — 크기 2와(과) 3이(가) 다릅니다.", "expr", 5),
    Refusal("bracket-not-closed", "GET", "/api/graph", {"expr": "(x+y"},
            "1번째 열의 '('을(를) 닫는 ')'이(가) 5번째 열에 와야 하는데, 수식의 끝이(가) 있습니다.", "expr", 4),
    Refusal("second-line", "GET", "/api/graph", {"expr": "q = x*y\nq +"},
            "2번째 줄 4번째 열에 ", "expr", 11),
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=[refusal.id for refusal in REFUSALS])
def test_lang_ko_gives_the_message_in_korean_with_the_same_field_and_caret(client, refusal):
    english = refusal.send(client)
    korean = refusal.send(client, lang="ko")
    assert english.status_code == korean.status_code == 400
    assert korean.get_json()["error"]["message"].startswith(refusal.korean)
    assert {key: korean.get_json()["error"][key] for key in ("field", "position")} == \
        {key: english.get_json()["error"][key] for key in ("field", "position")} == \
        {"field": refusal.field, "position": refusal.position}


@pytest.mark.parametrize("refusal", REFUSALS, ids=[refusal.id for refusal in REFUSALS])
def test_lang_en_and_no_lang_give_english(client, refusal):
    english = refusal.send(client).get_json()
    assert refusal.send(client, lang="en").get_json() == english
    assert not HANGUL.search(english["error"]["message"])


@pytest.mark.parametrize("accept_language, expected", [
    ("ko", "ko"),
    ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
    ("en-GB,en;q=0.9,ko;q=0.5", "en"),
    ("fr-FR,fr;q=0.9", "en"),  # neither: English
    ("", "en"),
])
def test_without_lang_accept_language_chooses_and_the_answer_varies_by_it(client, accept_language, expected):
    response = client.get("/api/graph", query_string={"expr": "x+"}, headers={"Accept-Language": accept_language})
    message = response.get_json()["error"]["message"]
    assert message.startswith("3번째 열" if expected == "ko" else "Expected a number")
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("path", ["/api/graph?expr=x*y", "/graph.svg?expr=x*y", "/?expr=x*y", "/code/staged.py?expr=x*y"])
def test_a_link_with_lang_is_the_same_for_everyone_and_does_not_vary(client, path):
    korean = client.get(f"{path}&lang=ko", headers={"Accept-Language": "en"})
    assert korean.status_code == 200
    assert "Accept-Language" not in korean.headers.get("Vary", "")
    assert korean.get_data() == client.get(f"{path}&lang=ko", headers={"Accept-Language": "ko"}).get_data()


def test_the_forms_option_labels_are_korean_with_lang_ko(client):
    korean = client.get("/?expr=x*y&lang=ko").get_data(as_text=True)
    english = client.get("/?expr=x*y&lang=en").get_data(as_text=True)
    assert ">소수 자릿수</label>" in korean and ">Decimals</label>" in english
    assert ">왼쪽 → 오른쪽</option>" in korean and ">left to right</option>" in english


def test_the_etag_and_the_answer_cache_tell_the_languages_apart(client):
    english = client.get("/api/graph?expr=x*y", headers={"Accept-Language": "en"})
    korean = client.get("/api/graph?expr=x*y", headers={"Accept-Language": "ko"})
    assert english.headers["ETag"].startswith('"en-') and korean.headers["ETag"].startswith('"ko-')
    assert korean.headers["ETag"] == client.get("/api/graph?expr=x*y&lang=ko").headers["ETag"]
    # Revalidating the English copy in Korean is no 304.
    assert client.get("/api/graph?expr=x*y", headers={"Accept-Language": "ko",
                                                      "If-None-Match": english.headers["ETag"]}).status_code == 200
    # The page's answer is kept by URL and language: the English visitor after the Korean one gets English.
    assert ">소수 자릿수</label>" in client.get("/?expr=x*z", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert ">Decimals</label>" in client.get("/?expr=x*z", headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.mark.parametrize("given, message", [
    ({"lang": "fr"}, "lang must be one of en, ko; got 'fr'."),
    ({"lang": "KO"}, "lang must be one of en, ko; got 'KO'."),
    ({"lang": ""}, "lang must be one of en, ko; got ''."),
])
def test_any_other_lang_is_a_400_naming_it(client, given, message):
    for response in (client.get("/api/graph", query_string={"expr": "x", **given}),
                     client.post("/api/graph", json={"expr": "x", **given})):
        assert response.status_code == 400
        assert response.get_json() == {"error": {"message": message, "field": "lang", "position": None}}


def test_a_language_not_spoken_is_refused_in_the_same_words_everywhere(client):
    """One check (i18n.language_named) for a link, a JSON body, a notebook's keyword and use_language."""
    message = "lang must be one of en, ko; got 'fr'."
    assert client.get("/api/graph?expr=x&lang=fr").get_json()["error"]["message"] == message
    assert client.post("/api/graph", json={"expr": "x", "lang": "fr"}).get_json()["error"]["message"] == message
    for refused in (lambda: backprop("x", lang="fr"), lambda: use_language("fr").__enter__()):
        with pytest.raises(ValueInputError) as raised:
            refused()
        assert (raised.value.message, raised.value.field) == (message, "lang")


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_language_menu_names_each_language_in_its_own_words(client, language):
    """The menu is made from i18n.LANGUAGE_NAMES: a language added there is offered on the page."""
    page = client.get(f"/?expr=x*y&lang={language}").get_data(as_text=True)
    menu = re.search(r'<nav class="languages".*?</nav>', page, re.S).group(0)
    assert re.findall(r'lang="(\w+)"[^>]*>([^<]+)<', menu) == list(LANGUAGE_NAMES.items())
    assert f'aria-current="true">{LANGUAGE_NAMES[language]}<' in menu


def test_lang_given_twice_is_a_400(client):
    response = client.get("/api/graph?expr=x&lang=ko&lang=en")
    assert response.status_code == 400
    assert response.get_json()["error"] == {"message": "lang is given 2 times; give it once.", "field": "lang",
                                            "position": None}


def test_a_first_visit_in_korean_keeps_lang_in_the_link(client):
    response = client.get("/?lang=ko")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/?lang=ko&expr=")


@pytest.mark.parametrize("request_path, korean", [
    ("/api/nowhere", "요청한 URL을 서버에서 찾을 수 없습니다."),
    ("/api/check", "요청한 URL에는 이 메서드를 쓸 수 없습니다."),  # GET on a POST route
])
def test_werkzeug_errors_come_in_korean_too(client, request_path, korean):
    response = client.get(f"{request_path}?lang=ko")
    assert response.get_json()["error"]["message"].startswith(korean)


def test_a_compute_job_runs_in_the_language_of_its_caller():
    pool = ComputePool(processes=1)
    try:
        with use_language("ko"):
            assert pool.run(current_language, limit=30) == "ko"
            with pytest.raises(ExpressionSyntaxError) as refused:
                pool.run(parse, "x +", limit=30)
        assert refused.value.message.startswith("4번째 열에 숫자, 변수, 함수 또는")
        assert pool.run(current_language, limit=30) == "en"
    finally:
        pool.close()


server = server_fixture()


@pytest.mark.parametrize("method, path, body, headers", [
    ("GET", "/api/graph?expr=x%2B&lang=ko", None, {}),
    ("GET", "/api/graph?expr=x%2B", None, {"Accept-Language": "ko-KR,ko;q=0.9"}),
    ("POST", "/api/graph", json.dumps({"expr": "x+", "lang": "ko"}), {"Content-Type": "application/json"}),
])
def test_gunicorn_answers_in_korean(server, method, path, body, headers):
    status, answer_headers, data = server.request(method, path, body=body, headers=headers)
    assert status == 400
    assert json.loads(data)["error"] == {"message": "3번째 열에 숫자, 변수, 함수 또는 '('이(가) 와야 하는데, "
                                                    "수식의 끝이(가) 있습니다.", "field": "expr", "position": 2}
    assert ("accept-language" in answer_headers.get("vary", "").lower()) == ("Accept-Language" in headers)


@pytest.mark.parametrize("text, columns, lines", [
    ("one two three", 7, ["one two", "three"]),
    ("크기 2와(과) 3이(가) 다릅니다.", 14, ["크기 2와(과)", "3이(가)", "다릅니다."]),  # a Hangul syllable takes two columns
    ("x" * 9, 4, ["xxxx", "xxxx", "x"]),
    ("", 70, []),
])
def test_an_error_drawing_wraps_by_the_room_its_characters_take(text, columns, lines):
    assert wrapped(text, columns) == lines


def test_a_korean_error_drawing_keeps_its_lines_inside_the_frame(client):
    response = client.get("/graph.svg?lang=ko&expr=sum(a*b)&a=[1,2]&b=[1,2,3]")
    assert response.status_code == 400
    lines = re.findall(r'<text x="12" y="\d+">([^<]*)</text>', response.get_data(as_text=True))
    assert len(lines) == 2 and lines[0].startswith("a*b: (2,) * (3,) — 크기 2와(과) 3이(가) 다릅니다.")
    assert all(sum(2 if HANGUL.match(char) else 1 for char in line) <= 70 for line in lines)
