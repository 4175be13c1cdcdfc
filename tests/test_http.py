"""The views' shared helpers (config/http.py): members only, refusals as a 4xx, a page of a list."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from config.http import (
    RateLimited,
    answers_refusals,
    members_only,
    page_or_404,
    refusals_show,
)
from discussions.forms import CommentForm

JSON = {"HTTP_ACCEPT": "application/json"}


@members_only(back=lambda request, pk: f"/things/{pk}/#here")
def thing(request, pk):
    return HttpResponse(f"thing {pk}")


@members_only()
def own_page(request):
    return HttpResponse("own")


def _request(path="/things/5/", user=None, **headers):
    request = RequestFactory().post(path, **headers)
    request.user = user or AnonymousUser()
    return request


def test_a_reader_goes_to_log_in_and_comes_back_where_the_view_says():
    response = thing(_request(), pk=5)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fthings%2F5%2F%23here"


def test_a_reader_comes_back_to_the_page_itself_by_default():
    request = RequestFactory().get("/mine/?page=2")
    request.user = AnonymousUser()
    assert own_page(request)["Location"] == "/accounts/login/?next=%2Fmine%2F%3Fpage%3D2"


@pytest.mark.parametrize("header", [JSON, {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}])
def test_a_script_gets_401_json_with_the_login_url(header):
    response = thing(_request(**header), pk=5)
    assert response.status_code == 401
    assert (
        json.loads(response.content)["login_url"] == "/accounts/login/?next=%2Fthings%2F5%2F%23here"
    )
    assert json.loads(response.content)["error"]


def test_a_member_gets_the_view(make_user):
    assert thing(_request(user=make_user()), pk=5).content == b"thing 5"


class Duplicate(ValidationError):
    back_url = "/things/1/"

    def __init__(self):
        super().__init__("Уже есть.", code="duplicate")
        self.extra_json = {"thing_url": "/things/1/"}


REFUSALS = [
    (PermissionDenied("Нельзя."), 403, "Нельзя."),
    (ValidationError("Пусто.", code="empty"), 400, "Пусто."),
    (Duplicate(), 409, "Уже есть."),
    (Http404("Нет такого."), 404, "Нет такого."),
    (RateLimited(7), 429, "Слишком часто"),
]


def _refusing(error):
    @answers_refusals
    def view(request):
        with refusals_show(back_url="/back/", extra="сохранённый текст") as context:
            context["later"] = "добавлено в блоке"
            raise error

    return view


@pytest.mark.parametrize(("error", "status", "text"), REFUSALS)
def test_a_refusal_is_a_4xx_json_for_the_script(db, error, status, text):
    response = _refusing(error)(_request(**JSON))
    assert response.status_code == status
    assert text in json.loads(response.content)["error"]
    if isinstance(error, Duplicate):
        assert json.loads(response.content)["thing_url"] == "/things/1/"
    if isinstance(error, RateLimited):
        assert response["Retry-After"] == "7"


@pytest.mark.parametrize(("error", "status", "text"), REFUSALS)
def test_a_refusal_is_a_4xx_page_for_a_reader(db, error, status, text):
    response = _refusing(error)(_request())
    assert response.status_code == status
    html = response.content.decode()
    assert text in html
    assert ('href="/things/1/"' if isinstance(error, Duplicate) else 'href="/back/"') in html


def test_a_refusal_shows_the_template_with_the_context(make_article):
    article = make_article(title="Статья для формы")

    @answers_refusals
    def view(request):
        form = CommentForm({"body": "Текст, который жалко терять"})
        template = "discussions/comment_form_page.html"
        with refusals_show(back_url="/back/", template=template, form=form) as page:
            page["article"] = article  # added once the block knows it
            raise PermissionDenied("Нельзя.")

    html = view(_request()).content.decode()
    assert "Статья для формы" in html and "Текст, который жалко терять</textarea>" in html


def test_errors_outside_the_blocks_are_left_to_django():
    @answers_refusals
    def view(request):
        raise PermissionDenied("Нельзя.")

    with pytest.raises(PermissionDenied):
        view(_request())


@pytest.mark.parametrize(("query", "number"), [("", 1), ("?page=2", 2)])
def test_page_or_404_gives_the_asked_page(query, number):
    request = RequestFactory().get(f"/list/{query}")
    assert page_or_404(request, Paginator(range(25), 10)).number == number


@pytest.mark.parametrize("page", ["4", "0", "abc", "-1", "9" * 30])
def test_page_or_404_refuses_a_page_that_does_not_exist(page):
    request = RequestFactory().get("/list/", {"page": page})
    with pytest.raises(Http404):
        page_or_404(request, Paginator(range(25), 10))
