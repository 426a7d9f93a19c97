"""The WordPress plugin on a real WordPress, against the real service and a real chain.

A gated post carrying a unique marker is fetched through every output WordPress has — the page,
excerpts, REST (posts, `_fields`, `_embed`, `context=embed`, search), feeds (RSS2, Atom, RDF),
site search, oEmbed — by a reader with no cookie, a forged token, an expired token, a token for
another site, and a holder's token: the marker appears only for the holder.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .plugin_stack import Stack, marker_free, plugin_stack

WHOLE = "ZEBRAWHOLE"  # occurs only in the body of the gated post
PART = "ZEBRAPART"  # occurs only inside the [tokengate] part of a public post
PUBLIC = "ZEBRAPUBLIC"


@pytest.fixture(scope="module")
def stack(mariadb: Any, devchain: Any) -> Iterator[Stack]:
    with plugin_stack(mariadb, devchain) as built:
        built.create_gate("gold", "100", teaser="Gold holders read on.")
        wp = built.wordpress
        built.posts["whole"] = wp.create_post(
            "Gated whole",
            f"<p>The secret is {WHOLE} and more.</p>",
            meta={"_tokengate_gate": "gold"},
            post_name="whole",
        )
        built.posts["part"] = wp.create_post(
            "Partly gated",
            f'<p>Everyone reads this.</p>[tokengate gate="gold"]<p>Only holders read {PART}.</p>[/tokengate]',
            post_name="part",
        )
        built.posts["public"] = wp.create_post("Public post", f"<p>{PUBLIC} for all.</p>", post_name="public")
        yield built


def outputs(stack: Stack) -> dict[str, str]:
    """Every URL that can print the gated post or its body."""
    wp, whole = stack.wordpress.url, stack.posts["whole"]
    return {
        "page": f"{wp}/whole/",
        "part page": f"{wp}/part/",
        "home": f"{wp}/",
        "rss2": f"{wp}/feed/",
        "atom": f"{wp}/feed/atom/",
        "rdf": f"{wp}/feed/rdf/",
        "comments feed": f"{wp}/whole/feed/",
        "rest posts": f"{wp}/wp-json/wp/v2/posts",
        "rest post": f"{wp}/wp-json/wp/v2/posts/{whole}",
        "rest part": f"{wp}/wp-json/wp/v2/posts/{stack.posts['part']}",
        "rest _fields": f"{wp}/wp-json/wp/v2/posts/{whole}?_fields=content,excerpt",
        "rest _embed": f"{wp}/wp-json/wp/v2/posts?_embed=1",
        "rest context=embed": f"{wp}/wp-json/wp/v2/posts/{whole}?context=embed",
        "rest search": f"{wp}/wp-json/wp/v2/search?search={WHOLE}&_embed=1",
        "rest search part": f"{wp}/wp-json/wp/v2/search?search={PART}",
        "oembed": f"{wp}/wp-json/oembed/1.0/embed?url={wp}/whole/",
        "embed page": f"{wp}/whole/embed/",
    }


def fetch(
    url: str, cookies: dict[str, str] | None = None, session: requests.Session | None = None
) -> requests.Response:
    getter = session or requests
    response = getter.get(url, cookies=cookies, timeout=30)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:300]}"
    return response


def replace_cookie(browser: requests.Session, name: str, value: str) -> None:
    """Change a cookie the site set, keeping its domain and path (requests would add a second one)."""
    for cookie in list(browser.cookies):
        if cookie.name == name:
            browser.cookies.set(name, value, domain=cookie.domain, path=cookie.path)
            return
    raise AssertionError(f"no cookie {name}")


def reader_cookies(stack: Stack, kind: str) -> dict[str, str]:
    holder = stack.holder.address
    if kind == "none":
        return {}
    if kind == "forged":
        good = stack.issue_token(site_id=stack.site_id, address=holder, gates=["gold"])
        head, body, signature = good.split(".")
        return {"tokengate_at": f"{head}.{body}.{signature[::-1]}"}
    if kind == "expired":
        return {
            "tokengate_at": stack.issue_token(site_id=stack.site_id, address=holder, gates=["gold"], seconds_ago=3600)
        }
    if kind == "other site":
        other = stack.django(
            "from tokengate.services.sites import site_create; "
            "site, key = site_create(name='Other', domains=['other.example']); print(site.public_id)"
        ).splitlines()[-1]
        return {"tokengate_at": stack.issue_token(site_id=other, address=holder, gates=["gold"])}
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["none", "forged", "expired", "other site"])
def test_no_output_leaks_the_gated_body(stack, kind):
    cookies = reader_cookies(stack, kind)
    for name, url in outputs(stack).items():
        body = fetch(url, cookies).text
        assert marker_free(body, WHOLE, PART), f"{name} leaks the gated body to a reader with {kind} token"
    # Site search echoes the words searched for, so look for the posts instead of the words.
    for word, slug in ((WHOLE, "whole"), (PART, "part")):
        results = fetch(f"{stack.wordpress.url}/?s={word}", cookies).text
        assert f"{stack.wordpress.url}/{slug}/" not in results, f"searching a hidden word finds /{slug}/ ({kind})"
    found = fetch(f"{stack.wordpress.url}/?s=Everyone", cookies).text
    assert f"{stack.wordpress.url}/part/" in found  # the public words of the same post still match
    page = fetch(f"{stack.wordpress.url}/whole/", cookies)
    assert "Gold holders read on." in page.text  # the gate's teaser
    assert "Hold 100 GOLD on Local dev chain to read this." in page.text
    assert PUBLIC in fetch(f"{stack.wordpress.url}/public/", cookies).text
    assert "Everyone reads this." in fetch(f"{stack.wordpress.url}/part/", cookies).text


def test_a_holder_reads_everything_but_search_still_does_not_match_hidden_words(stack):
    browser = stack.login(stack.holder)
    assert browser.login_answer["gates"] == ["gold"]
    assert "tokengate_at" in browser.cookies and "tokengate_rt" in browser.cookies
    wp = stack.wordpress.url
    assert WHOLE in fetch(f"{wp}/whole/", session=browser).text
    assert PART in fetch(f"{wp}/part/", session=browser).text
    rest = fetch(f"{wp}/wp-json/wp/v2/posts/{stack.posts['whole']}", session=browser).json()
    assert WHOLE in rest["content"]["rendered"]
    assert WHOLE in fetch(f"{wp}/feed/", session=browser).text
    # Site search never matches words of a gated body, so no one can probe it by guessing.
    assert f"{wp}/whole/" not in fetch(f"{wp}/?s={WHOLE}", session=browser).text
    found = fetch(f"{wp}/wp-json/wp/v2/search?search={WHOLE}", session=browser).json()
    assert stack.posts["whole"] not in [item["id"] for item in found]


def test_a_non_holder_signs_in_and_still_sees_the_teaser(stack):
    browser = stack.login(stack.outsider)
    answer = browser.login_answer
    assert answer["gates"] == []
    assert answer["holdings"][0]["amount"] == "0"
    assert "access_token" not in answer and "refresh_token" not in answer  # tokens stay in HttpOnly cookies
    page = fetch(f"{stack.wordpress.url}/whole/", session=browser).text
    assert marker_free(page, WHOLE)
    assert "does not hold enough tokens" in page


def test_gated_responses_are_private_and_uncacheable(stack):
    for url in (f"{stack.wordpress.url}/whole/", f"{stack.wordpress.url}/wp-json/wp/v2/posts/{stack.posts['whole']}"):
        response = fetch(url)
        assert "no-store" in response.headers["Cache-Control"]
        assert "private" in response.headers["Cache-Control"]
        assert "Cookie" in response.headers["Vary"]
    assert "no-store" not in fetch(f"{stack.wordpress.url}/public/").headers.get("Cache-Control", "")


def test_a_page_view_with_a_valid_token_makes_no_outbound_request(stack):
    browser = stack.login(stack.holder)
    fetch(f"{stack.wordpress.url}/whole/", session=browser)  # the JWKS is cached by now
    before = len(stack.outbound())
    for _ in range(3):
        assert WHOLE in fetch(f"{stack.wordpress.url}/whole/", session=browser).text
    assert stack.outbound()[before:] == []


def test_an_expired_token_is_refreshed_once_on_the_server(stack):
    browser = stack.login(stack.holder)
    replace_cookie(
        browser,
        "tokengate_at",
        stack.issue_token(site_id=stack.site_id, address=stack.holder.address, gates=["gold"], seconds_ago=3600),
    )
    before = len(stack.outbound())
    response = fetch(f"{stack.wordpress.url}/whole/", session=browser)
    assert WHOLE in response.text
    calls = stack.outbound()[before:]
    assert calls == [f"{stack.service.base_url}/api/v1/sessions/refresh"]
    assert "tokengate_at=" in response.headers["Set-Cookie"]
    assert "httponly" in response.headers["Set-Cookie"].lower()


def test_a_token_behind_the_gate_set_version_is_refreshed(stack):
    browser = stack.login(stack.holder)
    stack.wordpress.php(
        "$info = Tokengate_Options::site_info(); $info['gate_set_version'] += 1;"
        " update_option( Tokengate_Options::SITE_INFO, $info );"
    )
    try:
        before = len(stack.outbound())
        fetch(f"{stack.wordpress.url}/whole/", session=browser)
        assert f"{stack.service.base_url}/api/v1/sessions/refresh" in stack.outbound()[before:]
    finally:
        stack.wordpress.php("Tokengate_Client::sync();")


def test_service_down_shows_the_teaser_and_a_message(stack):
    browser = stack.login(stack.holder)
    replace_cookie(browser, "tokengate_at", "")  # only the refresh token is left
    stack.wordpress.php("update_option( Tokengate_Options::SERVICE_URL, 'http://127.0.0.1:9' );")
    try:
        page = fetch(f"{stack.wordpress.url}/whole/", session=browser).text
        assert marker_free(page, WHOLE)
        assert "unavailable right now" in page
    finally:
        stack.wordpress.php("update_option( Tokengate_Options::SERVICE_URL, $args );", args=stack.service.base_url)


def test_the_nonce_is_bound_to_the_browser_that_asked(stack):
    from .conftest import build_message, sign

    asker = requests.Session()
    nonce = asker.post(f"{stack.wordpress.url}/wp-json/tokengate/v1/nonce", timeout=30).json()["nonce"]
    message = build_message(
        address=stack.holder.address, nonce=nonce, domain=stack.domain, uri=f"{stack.wordpress.url}/", chain_id=31337
    )
    other_browser = requests.post(
        f"{stack.wordpress.url}/wp-json/tokengate/v1/session",
        json={"message": message, "signature": sign(stack.holder, message)},
        timeout=30,
    )
    assert other_browser.status_code == 400
    assert other_browser.json()["code"] == "nonce_unknown"


def test_logout_ends_the_session(stack):
    browser = stack.login(stack.holder)
    assert fetch(f"{stack.wordpress.url}/wp-json/tokengate/v1/session", session=browser).json()["connected"]
    assert browser.delete(f"{stack.wordpress.url}/wp-json/tokengate/v1/session", timeout=30).status_code == 200
    assert not fetch(f"{stack.wordpress.url}/wp-json/tokengate/v1/session", session=browser).json()["connected"]
    assert marker_free(fetch(f"{stack.wordpress.url}/whole/", session=browser).text, WHOLE)
