"""An unreachable database answers 503 with Retry-After (config/views.py), not 500."""

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_a_reader_gets_the_designed_page_in_russian(database_down, client):
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "Сайт ненадолго недоступен" in html
    assert 'href="/static/css/site.css"' in html
    assert '<html lang="ru">' in html


def test_an_english_reader_gets_it_in_english(database_down, client):
    response = client.get("/en/rubrics/anything/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "The site is briefly unavailable" in html
    assert 'href="/en/"' in html


def test_a_members_script_gets_json(database_down, client):
    response = client.post(
        "/articles/1/comments/", {"body": "Мнение"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "ничего не сохранено" in response.json()["error"]


def test_a_broken_query_on_a_working_database_stays_a_500(db, client, monkeypatch):
    def broken(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM articles_article")

    monkeypatch.setattr("articles.views._card_page", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "Что-то сломалось на нашей стороне" in response.content.decode()


def test_too_many_connections_is_an_outage_too(client, monkeypatch):
    import psycopg

    class TooManyConnections(psycopg.OperationalError):
        sqlstate = "53300"

    def refuse():
        raise OperationalError("too many clients") from TooManyConnections("too many clients")

    monkeypatch.setattr(connections["default"], "ensure_connection", refuse)
    assert client.get("/").status_code == 503
