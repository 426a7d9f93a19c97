"""The real-WordPress harness (tests/wordpress.py) works: pages, permalinks, REST, feed, search, plugins."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.wordpress import HarnessError, PrivateMariaDB, WordPress, WordPressFactory

# Also loaded by tests/conftest.py once it lists the plugin; pytest registers a plugin only once.

TEST_PLUGINS = Path(__file__).resolve().parent / "wp-test-plugins"
TITLE = "Harness Test Site"
WORD = "quokkaberry"  # occurs in the post's body only


@pytest.fixture(scope="module")
def wp(wordpress_module_factory: WordPressFactory) -> WordPress:
    return wordpress_module_factory(plugins={"hello": TEST_PLUGINS / "hello"}, title=TITLE)


@pytest.fixture(scope="module")
def post_id(wp: WordPress) -> int:
    return wp.create_post(
        "A Harness Post",
        f"<!-- wp:paragraph --><p>The {WORD} is a rare fruit.</p><!-- /wp:paragraph -->",
        meta={"harness_key": "harness value"},
    )


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def test_home_page_has_the_site_title(wp: WordPress, http: requests.Session) -> None:
    response = http.get(wp.url + "/", timeout=30)
    assert response.status_code == 200
    assert f"<title>{TITLE}" in response.text
    assert wp.get_option("home") == wp.url
    assert wp.get_option("siteurl") == wp.url
    assert wp.get_option("template") == "twentytwentythree"
    # Static files come straight from the copy, with their MIME type.
    style = http.get(f"{wp.url}/wp-content/themes/twentytwentythree/style.css", timeout=30)
    assert style.status_code == 200
    assert style.headers["Content-Type"].startswith("text/css")
    assert "Theme Name: Twenty Twenty-Three" in style.text


def test_post_at_its_pretty_permalink(wp: WordPress, post_id: int, http: requests.Session) -> None:
    assert wp.permalink(post_id) == f"{wp.url}/a-harness-post/"
    response = http.get(f"{wp.url}/a-harness-post/", allow_redirects=False, timeout=30)
    assert response.status_code == 200
    assert "A Harness Post" in response.text
    assert f"The {WORD} is a rare fruit." in response.text
    assert http.get(f"{wp.url}/no-such-post/", timeout=30).status_code == 404
    assert wp.php("echo get_post_meta( $args, 'harness_key', true );", args=post_id) == "harness value"


def test_rest_api_lists_the_post(wp: WordPress, post_id: int, http: requests.Session) -> None:
    response = http.get(f"{wp.url}/wp-json/wp/v2/posts", timeout=30)
    assert response.status_code == 200
    posts = {post["id"]: post for post in response.json()}
    assert post_id in posts
    assert posts[post_id]["link"] == f"{wp.url}/a-harness-post/"
    assert WORD in posts[post_id]["content"]["rendered"]


def test_feed_contains_the_post(wp: WordPress, post_id: int, http: requests.Session) -> None:
    response = http.get(f"{wp.url}/feed/", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/rss+xml")
    assert f"<link>{wp.url}/a-harness-post/</link>" in response.text
    assert WORD in response.text


def test_site_search_finds_the_post(wp: WordPress, post_id: int, http: requests.Session) -> None:
    found = http.get(wp.url + "/", params={"s": WORD}, timeout=30)
    assert found.status_code == 200
    assert f"{wp.url}/a-harness-post/" in found.text
    missed = http.get(wp.url + "/", params={"s": "nosuchwordanywhere"}, timeout=30)
    assert f"{wp.url}/a-harness-post/" not in missed.text
    rest = http.get(f"{wp.url}/wp-json/wp/v2/search", params={"search": WORD}, timeout=30).json()
    assert [hit["id"] for hit in rest] == [post_id]


def test_test_plugin_is_active_and_works(wp: WordPress, http: requests.Session) -> None:
    assert "hello/hello.php" in wp.get_option("active_plugins")
    assert wp.get_option("harness_hello_activated") == "yes"  # its activation hook ran
    greeting = http.get(f"{wp.url}/wp-json/harness-hello/v1/greet", params={"name": "Ada"}, timeout=30)
    assert greeting.status_code == 200
    assert greeting.json()["greeting"] == "Hello, Ada!"
    # Symlinked into wp-content/plugins, the plugin still gets URLs under its folder name.
    assert greeting.json()["plugin_url"] == f"{wp.url}/wp-content/plugins/hello/hello.php"
    wp.create_post("Shortcode Post", '[hello name="Grace & Co"]')
    page = http.get(f"{wp.url}/shortcode-post/", timeout=30)
    assert '<span class="harness-hello">Hello, Grace &amp; Co!</span>' in page.text


def test_options_round_trip(wp: WordPress) -> None:
    value = {"url": "http://127.0.0.1:8000", "quote": 'it\'s "quoted" \\ ünïcode', "n": 3, "on": True}
    wp.set_option("harness_structured", value)
    assert wp.get_option("harness_structured") == value
    wp.set_option("harness_plain", "a 'string'")
    assert wp.php("echo get_option( 'harness_plain' );") == "a 'string'"
    assert wp.get_option("harness_missing") is False


def test_offline_but_local_http_allowed(wp: WordPress) -> None:
    code = """
    $out = array();
    foreach ( $args as $url ) {
        $r = wp_remote_get( $url, array( 'timeout' => 5 ) );
        $out[] = is_wp_error( $r ) ? $r->get_error_message() : wp_remote_retrieve_response_code( $r );
    }
    echo wp_json_encode( $out );
    """
    external, local = json.loads(wp.php(code, args=["https://wordpress.org/", wp.url + "/wp-json/"]))
    assert external == "User has blocked requests through HTTP."
    assert local == 200
    # The same from inside a request: with several workers the server can answer itself.
    loopback = requests.get(f"{wp.url}/wp-json/harness-hello/v1/loopback", timeout=30)
    assert loopback.status_code == 200, loopback.text
    assert loopback.json()["greeting"] == "Hello, Loop!"


def test_mail_is_logged_not_sent(wp: WordPress) -> None:
    assert wp.php("echo wp_mail( 'reader@example.com', 'Hi', 'Body text' ) ? 'sent' : 'failed';") == "sent"
    mails = [json.loads(line) for line in wp.mail_log.read_text().splitlines()]
    assert {"to": "reader@example.com", "subject": "Hi", "message": "Body text", "headers": ""} in mails


def test_a_plain_wordpress_and_php_failures(wordpress_factory: WordPressFactory, mariadb: PrivateMariaDB) -> None:
    plain = wordpress_factory(title="Plain Site")
    assert plain.get_option("active_plugins") == []
    assert plain.database in mariadb.query("SHOW DATABASES").split()
    assert "<title>Plain Site" in requests.get(plain.url + "/", timeout=30).text
    with pytest.raises(HarnessError, match="Uncaught RuntimeException: boom"):
        plain.php("throw new RuntimeException( 'boom' );")
    with pytest.raises(HarnessError, match="status 3"):
        plain.php("exit( 3 );")
    with pytest.raises(HarnessError, match="Parse error"):
        plain.php("this is not php")
    plain.stop()
    assert not plain.running
    assert not plain.root.exists()
    assert plain.database not in mariadb.query("SHOW DATABASES").split()


def test_no_php_fatal_errors(wp: WordPress, http: requests.Session) -> None:
    # Last in the module: everything above ran on `wp`; its logs must show no fatal error.
    assert http.get(f"{wp.url}/wp-admin/", timeout=30).status_code == 200  # the login page, via redirect
    assert wp.php_errors() == [], wp.read_debug_log()[-5000:]
