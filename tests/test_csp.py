"""The Content-Security-Policy in a real Chromium: no page of the site or the admin breaks it."""

import pytest
from django.test import Client

# Every violation the page reports, from before its first script runs.
LISTEN = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


def log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def violations(page, url) -> list[str]:
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.cspViolations")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_policy(live_server, page, make_article, make_user):
    article = make_article(title="Статья под политикой", tags=["безопасность"])
    page.add_init_script(LISTEN)
    site = live_server.url
    for url in ["/", article.get_absolute_url(), "/trending/"]:
        assert violations(page, site + url) == [], url
    assert page.locator('script[type="application/ld+json"]').count() == 0  # the last page

    page.goto(site + article.get_absolute_url())
    assert page.locator('script[type="application/ld+json"]').count() == 1  # data, not a script
    log_in(page, live_server, make_user(display_name="Участник"))
    assert violations(page, site + article.get_absolute_url()) == []
    page.get_by_role("button", name="Отправить").first.wait_for()  # the member's comment form

    admin = make_user(username="root", is_staff=True, is_superuser=True)
    log_in(page, live_server, admin)
    for url in ["/admin/", "/admin/articles/article/", "/admin/articles/article/add/"]:
        assert violations(page, site + url) == [], url
    # the admin's own scripts still run: the slug is filled in from the title as one types
    page.locator("#id_title").press_sequentially("Cold calls")  # keys Playwright presses, keyup
    assert page.input_value("#id_slug") == "cold-calls"


def test_pages_from_the_page_cache_carry_the_policy_too(client, settings, make_article):
    settings.PAGE_CACHE_SECONDS = 60
    make_article()
    client.get("/")
    hit = client.get("/")
    assert hit["X-Page-Cache"] == "hit"
    assert "script-src 'self'" in hit["Content-Security-Policy"]


def test_the_policy_written_once_is_django_csps_and_changes_go_its_way(rf, settings):
    """config.middleware.CSPMiddleware keeps the header it built; what would make it differ
    (another policy, a view's own changes, a nonce) takes django-csp's way."""
    from csp.exceptions import CSPNonceError
    from csp.utils import build_policy
    from django.http import HttpResponse

    from config.middleware import CSPMiddleware

    def answer(request, **attributes):
        response = HttpResponse("ok")
        for name, value in attributes.items():
            setattr(response, name, value)
        return response

    def header(request=None, **attributes):
        request = request or rf.get("/")
        middleware = CSPMiddleware(lambda r: answer(r, **attributes))
        return middleware(request)["Content-Security-Policy"]

    assert header() == header() == build_policy()
    assert "data:" in header(_csp_update={"img-src": ["data:"]})
    assert "data:" not in header()
    nonce = CSPMiddleware(lambda r: answer(r, nonce=str(r.csp_nonce)))(rf.get("/"))
    assert nonce["Content-Security-Policy"] == build_policy(nonce=nonce.nonce)
    written = rf.get("/")
    CSPMiddleware(answer)(written)
    with pytest.raises(CSPNonceError):
        str(written.csp_nonce)  # too late to add one
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert header() == "default-src 'none'"
