"""The cache keys module: every key named there, scoped to the release."""

import re
from pathlib import Path

from config import cache_keys

from .test_settings import manage

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "articles", "discussions", "telegram", "config")


def sources(suffix: str):
    for app in (*APPS, "templates"):
        for path in (ROOT / app).rglob(f"*{suffix}"):
            if "tests" not in path.parts and "migrations" not in path.parts:
                yield path


def test_every_template_fragment_is_listed_with_its_lifetime():
    used = {}
    for path in sources(".html"):
        for seconds, name in re.findall(r"{% cache (\d+) (\w+)", path.read_text()):
            used[name] = int(seconds)
    assert used == {name: f.seconds for name, f in cache_keys.FRAGMENTS.items()}


def test_no_key_is_spelled_outside_the_keys_module():
    literal_key = re.compile(r"cache\.\w+\(\s*f?[\"']")
    old_prefixes = re.compile(
        r"[\"'](page|list-count|card|thread-version|thread-html|feeds|view-target|"
        r"comment-posted|view|rate):"
    )
    for path in sources(".py"):
        if path.name == "cache_keys.py":
            continue
        text = path.read_text()
        assert not literal_key.search(text), path
        assert not old_prefixes.search(text), path


def test_keys_carry_the_release_so_no_release_reads_another_ones_objects(settings):
    from django.core.cache import cache

    settings.RELEASE = "old"
    cache.set("card:ru:1:0:0:0", "<article>old markup</article>")
    cache.set(cache_keys.content_generation(), "generation-1", None)
    settings.RELEASE = "new"
    assert cache.get("card:ru:1:0:0:0") is None
    # tokens and counters are shared: both releases of a rolling deploy see the same takedowns
    assert cache.get(cache_keys.content_generation()) == "generation-1"
    assert cache_keys.make_key("page:x", "blog", 1) == "blog:new:1:page:x"


def test_the_release_comes_from_the_environment_else_from_the_code(tmp_path, monkeypatch):
    monkeypatch.delenv("RELEASE", raising=False)
    code = "from django.conf import settings; print(settings.RELEASE)"
    assert manage("shell", "-c", code, DEBUG="1", RELEASE="2025.3").stdout.split()[-1] == "2025.3"
    assert manage("shell", "-c", code, DEBUG="1").stdout.split()[-1] == (
        cache_keys.code_fingerprint(ROOT)
    )
    # The same code anywhere is the same release (every node agrees); a change is a new one.
    for name in ("a", "b"):
        (tmp_path / name / "articles").mkdir(parents=True)
        (tmp_path / name / "articles" / "views.py").write_text("x = 1\n")
    assert cache_keys.code_fingerprint(tmp_path / "a") == cache_keys.code_fingerprint(
        tmp_path / "b"
    )
    (tmp_path / "b" / "articles" / "views.py").write_text("x = 2\n")
    assert cache_keys.code_fingerprint(tmp_path / "a") != cache_keys.code_fingerprint(
        tmp_path / "b"
    )
