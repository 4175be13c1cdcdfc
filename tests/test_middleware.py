"""/healthz and /readyz (config/middleware.py)."""

from tests.servers import free_port


def test_healthz_answers_without_the_database(database_down, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_when_everything_answers(db, client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}  # no REDIS_URL, nothing more to ask
    assert response["Cache-Control"] == "no-store"


def test_readyz_names_the_database_when_it_is_down(database_down, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"database": "down"}


def test_readyz_reports_redis_down_but_stays_ready(db, client, settings, redis_client):
    settings.REDIS_URL = redis_client.url
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": redis_client.url}
    }
    assert client.get("/readyz").json() == {"database": "ok", "redis": "ok"}
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": dead}}
    response = client.get("/readyz")
    assert response.status_code == 200  # pages are still served, from the database
    assert response.json() == {"database": "ok", "redis": "down"}
