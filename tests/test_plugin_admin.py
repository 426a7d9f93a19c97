"""The plugin's admin side on a real WordPress, against the real service and a real chain.

Browsers sign in through wp-login.php and use the screens as a site owner would: Settings → Token
Gate (save, connection test), the Gates screen (create, edit, delete, the service's field errors),
the token lookup route, the editor's "Token gate" box, and what editors see on the front end.
Every form is refused without its nonce, and for a user without the capability even with a valid
one. Two fresh WordPress sites check the uninstaller and installing the release zip.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from eth_account import Account

from scripts.plugin_zip import build as build_plugin_zip
from tests.wordpress import WordPress, WordPressFactory

from .plugin_stack import PLUGIN, Stack, marker_free, plugin_stack

SECRET = "ZEBRAADMINBODY"  # occurs only in the body of the gated post
EXPIRED = "The link you followed has expired."
PASSWORD = "user-password-1"
CLASSIC = """<?php
/* Plugin Name: Test: the classic editor when asked for (?tg_classic) */
add_filter( 'use_block_editor_for_post', function ( $use ) {
	return isset( $_GET['tg_classic'] ) ? false : $use;
} );
"""


# -- HTML forms ---------------------------------------------------------------------------------


class Form:
    """A form's action and the fields a browser would submit (in order; names may repeat)."""

    def __init__(self, attrs: dict[str, str]) -> None:
        self.attrs = attrs
        self.fields: list[tuple[str, str]] = []

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.fields.append((name, value))

    def remove(self, name: str) -> None:
        self.fields = [(key, value) for key, value in self.fields if key != name]

    def data(self, **changes: str) -> list[tuple[str, str]]:
        for name, value in changes.items():
            self.set(name, value)
        return list(self.fields)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._select_has_value = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(a)
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append((name, a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select, self._select_has_value = name, False
        elif tag == "option" and self._select is not None and ("selected" in a or not self._select_has_value):
            if self._select_has_value:
                self._form.remove(self._select)
            self._form.fields.append((self._select, a.get("value", "")))
            self._select_has_value = True

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            self._form.fields.append((name, "".join(parts).removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def forms(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


def form_with(page: str, field: str, value: str | None = None) -> Form:
    """The form that has `field` (with `value`, if given)."""
    for form in forms(page):
        found = form.get(field)
        if found is not None and (value is None or found == value):
            return form
    raise AssertionError(f"no form with {field}={value!r}")


# -- WordPress users and admin screens -------------------------------------------------------------


def create_user(wp: WordPress, login: str, role: str) -> int:
    code = """
    $id = wp_insert_user( array( 'user_login' => $args['login'], 'user_pass' => $args['password'],
        'user_email' => $args['login'] . '@example.com', 'role' => $args['role'] ) );
    if ( is_wp_error( $id ) ) { fwrite( STDERR, $id->get_error_message() ); exit( 1 ); }
    echo $id;
    """
    return int(wp.php(code, args={"login": login, "password": PASSWORD, "role": role}))


def wp_login(wp: WordPress, user: str, password: str) -> requests.Session:
    """A browser signed in through wp-login.php (which needs its test cookie first)."""
    browser = requests.Session()
    browser.get(f"{wp.url}/wp-login.php", timeout=30).raise_for_status()
    assert any(cookie.name == "wordpress_test_cookie" for cookie in browser.cookies)
    answer = browser.post(
        f"{wp.url}/wp-login.php",
        data={
            "log": user,
            "pwd": password,
            "wp-submit": "Log In",
            "testcookie": "1",
            "redirect_to": f"{wp.url}/wp-admin/",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[-2000:]
    assert any(cookie.name.startswith("wordpress_logged_in_") for cookie in browser.cookies)
    return browser


def nonce_for(wp: WordPress, browser: requests.Session, user_id: int, action: str) -> str:
    """A valid nonce of `user_id` in this browser's login session (as WordPress would print it)."""
    cookie = next(c.value for c in browser.cookies if c.name.startswith("wordpress_logged_in_"))
    code = """
    $_COOKIE[ LOGGED_IN_COOKIE ] = $args['cookie'];
    wp_set_current_user( $args['user'] );
    echo wp_create_nonce( $args['action'] );
    """
    return wp.php(code, args={"cookie": unquote(cookie or ""), "user": user_id, "action": action}).strip()


def admin_page(stack: Stack, browser: requests.Session, query: str) -> str:
    response = browser.get(f"{stack.wordpress.url}/wp-admin/options-general.php?{query}", timeout=30)
    assert response.status_code == 200, response.text[-2000:]
    assert "wp-login.php" not in response.url
    return response.text


def admin_post(browser: requests.Session, stack: Stack, data: Any) -> requests.Response:
    return browser.post(f"{stack.wordpress.url}/wp-admin/admin-post.php", data=data, timeout=60)


def refused(response: requests.Response) -> bool:
    """wp_die() for a missing nonce ("link ... expired") or a missing capability: 403."""
    return response.status_code == 403 and (
        EXPIRED in html.unescape(response.text) or "not allowed" in html.unescape(response.text)
    )


def raw_options(wp: WordPress) -> dict[str, Any]:
    out = wp.php(
        "echo wp_json_encode( array_map( 'get_option', array_combine( $args, $args ) ) );",
        args=["tokengate_service_url", "tokengate_site_key", "tokengate_default_teaser"],
    )
    return json.loads(out)


def service_slugs(stack: Stack) -> set[str]:
    answer = stack.service_api("GET", "/api/v1/gates")
    assert answer.status_code == 200, answer.text
    return {gate["slug"] for gate in answer.json()["gates"]}


def gate_row(page: str, slug: str) -> str:
    """The Gates list's row for `slug` (plain text)."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        if f"<code>{slug}</code>" in row:
            return html.unescape(re.sub(r"<[^>]+>", " ", row))
    raise AssertionError(f"gate {slug} is not listed")


# -- the stack ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(mariadb: Any, devchain: Any) -> Iterator[Stack]:
    with plugin_stack(mariadb, devchain) as built:
        built.create_gate("gold", "50", teaser="Gold holders read on.")
        wp = built.wordpress
        (wp.root / "wp-content" / "mu-plugins" / "classic-switch.php").write_text(CLASSIC)
        built.posts["gated"] = wp.create_post(
            "Gated for admins",
            f"<p>The body says {SECRET}.</p>",
            meta={"_tokengate_gate": "gold"},
            post_name="gated-for-admins",
        )
        built.posts["plain"] = wp.create_post("Plain post", "<p>Nothing gated yet.</p>", post_name="plain-post")
        built.users = {  # type: ignore[attr-defined]
            "subscriber": create_user(wp, "sub", "subscriber"),
            "contributor": create_user(wp, "contrib", "contributor"),
        }
        yield built


@pytest.fixture(scope="module")
def admin(stack: Stack) -> requests.Session:
    return wp_login(stack.wordpress, stack.wordpress.admin_user, stack.wordpress.admin_password)


@pytest.fixture(scope="module")
def subscriber(stack: Stack) -> requests.Session:
    return wp_login(stack.wordpress, "sub", PASSWORD)


# -- 1. Settings ------------------------------------------------------------------------------------


def test_settings_save_without_the_nonce_changes_nothing(stack, admin):
    before = raw_options(stack.wordpress)
    answer = admin_post(
        admin,
        stack,
        {
            "action": "tokengate_settings",
            "tokengate_service_url": "http://127.0.0.1:9",
            "tokengate_site_key": "tgsk_0123456789ab_" + "A" * 43,
            "tokengate_default_teaser": "Changed by a forged form",
        },
    )
    assert answer.status_code == 403
    assert EXPIRED in html.unescape(answer.text)
    forged = admin_post(
        admin, stack, {"action": "tokengate_settings", "_wpnonce": "0123456789", "tokengate_service_url": ""}
    )
    assert refused(forged)
    assert raw_options(stack.wordpress) == before


def test_a_subscriber_cannot_save_anything_even_with_a_valid_nonce(stack, subscriber):
    wp, user = stack.wordpress, stack.users["subscriber"]  # type: ignore[attr-defined]
    before, gates = raw_options(wp), service_slugs(stack)
    common = {"tokengate_service_url": "http://127.0.0.1:9", "tokengate_default_teaser": "subscriber was here"}
    attempts = [
        {"action": "tokengate_settings", **common},  # no nonce
        {"action": "tokengate_settings", "_wpnonce": "forged0000", **common},
        {"action": "tokengate_settings", "_wpnonce": nonce_for(wp, subscriber, user, "tokengate_settings"), **common},
        {"action": "tokengate_test", "_wpnonce": nonce_for(wp, subscriber, user, "tokengate_test")},
        {
            "action": "tokengate_gate_save",
            "_wpnonce": nonce_for(wp, subscriber, user, "tokengate_gate_save"),
            "gate[slug]": "subscribers",
            "gate[name]": "Subscribers",
            "gate[requirements.0.chain_id]": "31337",
            "gate[requirements.0.token_address]": stack.token,
            "gate[requirements.0.minimum]": "1",
        },
        {
            "action": "tokengate_gate_delete",
            "_wpnonce": nonce_for(wp, subscriber, user, "tokengate_gate_delete"),
            "slug": "gold",
        },
    ]
    for data in attempts:
        answer = admin_post(subscriber, stack, data)
        assert answer.status_code == 403, (data["action"], answer.status_code, answer.text[-500:])
        assert "not allowed" in html.unescape(answer.text)
    assert raw_options(wp) == before
    assert service_slugs(stack) == gates
    # The settings screens themselves are closed to subscribers.
    page = subscriber.get(f"{wp.url}/wp-admin/options-general.php?page=tokengate", timeout=30)
    assert page.status_code == 403 or "not allowed" in html.unescape(page.text)
    assert "tokengate-site-key" not in page.text


def test_a_proper_save_stores_the_url_and_the_key_encrypted_and_never_prints_the_key(stack, admin):
    wp, key = stack.wordpress, stack.api_key
    secret = key[-43:]  # tgsk_<12 hex>_<43 characters>: the part that authenticates
    # Start from something else, so the save visibly changes the stored values.
    wp.php(
        "update_option( Tokengate_Options::SERVICE_URL, 'http://127.0.0.1:9' );"
        " Tokengate_Options::set_site_key( 'tgsk_0123456789ab_' . str_repeat( 'B', 43 ) );"
    )
    page = admin_page(stack, admin, "page=tokengate")
    form = form_with(page, "action", "tokengate_settings")
    assert form.get("_wpnonce")
    assert form.get("tokengate_site_key") == ""  # the key field is never filled in
    answer = admin_post(
        admin,
        stack,
        form.data(
            tokengate_service_url=stack.service.base_url + "/",
            tokengate_site_key=key,
            tokengate_default_teaser="Hold tokens, read more.",
        ),
    )
    assert answer.status_code == 200, answer.text[-2000:]
    shown = html.unescape(answer.text)
    assert 'Connected to the service as "Gated Blog".' in shown
    assert wp.php("echo Tokengate_Options::service_url();") == stack.service.base_url
    assert wp.php("echo Tokengate_Options::site_key() === $args ? 'same' : 'different';", args=key) == "same"
    assert wp.get_option("tokengate_default_teaser") == "Hold tokens, read more."
    stored = wp.get_option("tokengate_site_key")
    assert isinstance(stored, str) and stored
    assert key not in stored and secret not in stored
    assert key.encode() not in base64.b64decode(stored) and secret.encode() not in base64.b64decode(stored)
    autoload = wp.php(
        "global $wpdb; echo $wpdb->get_var( $wpdb->prepare("
        " \"SELECT autoload FROM {$wpdb->options} WHERE option_name = %s\", 'tokengate_site_key' ) );"
    )
    assert autoload == "no"
    # Neither the page after the save nor a later visit prints the key: only its last 4 characters.
    for text in (answer.text, admin_page(stack, admin, "page=tokengate")):
        assert key not in text and secret not in text and secret not in html.unescape(text)
        assert f"Saved (…{key[-4:]}); leave empty to keep" in html.unescape(text)
    # Saving again with the key field left empty keeps the key.
    form = form_with(admin_page(stack, admin, "page=tokengate"), "action", "tokengate_settings")
    assert form.get("tokengate_service_url") == stack.service.base_url  # shown without the slash
    assert admin_post(admin, stack, form.data()).status_code == 200
    assert wp.php("echo Tokengate_Options::site_key() === $args ? 'same' : 'different';", args=key) == "same"


def test_a_key_that_is_not_a_site_key_is_refused(stack, admin):
    before = raw_options(stack.wordpress)
    form = form_with(admin_page(stack, admin, "page=tokengate"), "action", "tokengate_settings")
    answer = admin_post(admin, stack, form.data(tokengate_site_key="not-a-key", tokengate_service_url="http://x.test"))
    assert "That is not a Token Gate site key" in html.unescape(answer.text)
    assert raw_options(stack.wordpress) == before


# -- 2. Test connection ------------------------------------------------------------------------------


def test_test_connection_shows_the_site_chains_and_keys(stack, admin):
    page = admin_page(stack, admin, "page=tokengate")
    form = form_with(page, "action", "tokengate_test")
    answer = admin_post(admin, stack, form.data())
    assert answer.status_code == 200
    assert "page=tokengate" in answer.url
    text = html.unescape(re.sub(r"<[^>]+>", " ", answer.text))
    assert 'Connected to the service as "Gated Blog".' in text
    assert stack.site_id in text
    assert re.search(r"Site\s+Gated Blog", text)
    assert "Local dev chain (31337)" in text
    assert re.search(r"\b[1-9]\d* keys? published\b", text)


# -- 3. Gates screen ----------------------------------------------------------------------------------


def gate_form(page: str) -> Form:
    for form in forms(page):
        if form.attrs.get("id") == "tokengate-gate-form":
            return form
    raise AssertionError("no gate form")


def test_create_edit_and_delete_a_gate_through_the_screen(stack, admin):
    page = admin_page(stack, admin, "page=tokengate-gates")
    form = gate_form(page)
    assert form.get("_wpnonce") and form.get("editing") == ""
    answer = admin_post(
        admin,
        stack,
        form.data(
            **{
                "gate[slug]": "silver",
                "gate[name]": "Silver readers",
                "gate[requirements.0.chain_id]": "31337",
                "gate[requirements.0.token_address]": stack.token,
                "gate[requirements.0.minimum]": "100",
                "gate[teaser]": "Silver holders read on.",
            }
        ),
    )
    assert answer.status_code == 200
    assert 'Gate "Silver readers" saved.' in html.unescape(answer.text)
    assert "silver" in service_slugs(stack)
    assert "Hold 100 GOLD on Local dev chain to read this." in gate_row(answer.text, "silver")
    assert "Hold 50 GOLD on Local dev chain to read this." in gate_row(answer.text, "gold")
    assert "silver" in stack.wordpress.get_option("tokengate_gates")  # the plugin's cache knows it

    # Edit: the form comes filled in, the slug is fixed.
    page = admin_page(stack, admin, "page=tokengate-gates&edit=silver")
    form = gate_form(page)
    assert form.get("editing") == "silver"
    assert form.get("gate[slug]") == "silver"
    assert re.search(r'name="gate\[slug\]" value="silver" class="regular-text" readonly', page)
    assert form.get("gate[requirements.0.minimum]") == "100"
    assert form.get("gate[teaser]") == "Silver holders read on."
    answer = admin_post(
        admin, stack, form.data(**{"gate[requirements.0.minimum]": "120.5", "gate[name]": "Silver, edited"})
    )
    assert 'Gate "Silver, edited" saved.' in html.unescape(answer.text)
    assert "Hold 120.5 GOLD on Local dev chain to read this." in gate_row(answer.text, "silver")
    at_service = stack.service_api("GET", "/api/v1/gates/silver").json()
    assert at_service["name"] == "Silver, edited"
    assert at_service["requirements"][0]["minimum"] == "120.5"

    # Delete with the row's form.
    form = form_with(answer.text, "slug", "silver")
    assert form.get("action") == "tokengate_gate_delete"
    answer = admin_post(admin, stack, form.data())
    assert 'Gate "silver" deleted.' in html.unescape(answer.text)
    assert "silver" not in service_slugs(stack)
    assert "<code>silver</code>" not in answer.text
    assert "silver" not in stack.wordpress.get_option("tokengate_gates")


def test_too_many_decimals_shows_the_service_message_at_the_minimum_and_creates_nothing(stack, admin):
    fields = {
        "gate[slug]": "precise",
        "gate[name]": "Too precise",
        "gate[requirements.0.chain_id]": "31337",
        "gate[requirements.0.token_address]": stack.token,
        "gate[requirements.0.minimum]": "1.0000001",
    }
    before = service_slugs(stack)
    form = gate_form(admin_page(stack, admin, "page=tokengate-gates"))
    answer = admin_post(admin, stack, form.data(**fields))
    assert answer.status_code == 200
    assert service_slugs(stack) == before and "precise" not in before
    # What the service itself says about this body (it is rejected, so this creates nothing either).
    direct = stack.service_api(
        "POST",
        "/api/v1/gates",
        {
            "slug": "precise",
            "name": "Too precise",
            "teaser": "",
            "mode": "all",
            "requirements": [{"chain_id": 31337, "token_address": stack.token, "minimum": "1.0000001"}],
        },
    )
    assert direct.status_code == 400, direct.text
    error = direct.json()["error"]
    assert error["field"] == "requirements.0.minimum"
    assert "6 decimal places" in error["message"]
    found = re.search(
        r'id="tokengate-requirements-0-minimum"[^>]*/>\s*<p class="tokengate-field-error"[^>]*>(.*?)</p>',
        answer.text,
        re.S,
    )
    assert found, "the error is not next to the minimum field"
    assert html.unescape(found.group(1)) == error["message"]
    assert answer.text.count('class="tokengate-field-error"') == 1
    # The form keeps what was typed, so the owner can fix it.
    kept = gate_form(answer.text)
    assert kept.get("gate[requirements.0.minimum]") == "1.0000001"
    assert kept.get("gate[slug]") == "precise"
    assert service_slugs(stack) == before


def test_deleting_without_the_nonce_does_nothing(stack, admin):
    assert "gold" in service_slugs(stack)
    for data in (
        {"action": "tokengate_gate_delete", "slug": "gold"},
        {"action": "tokengate_gate_delete", "slug": "gold", "_wpnonce": "0123456789"},
    ):
        answer = admin_post(admin, stack, data)
        assert answer.status_code == 403
        assert EXPIRED in html.unescape(answer.text)
    assert "gold" in service_slugs(stack)
    save = {
        "action": "tokengate_gate_save",
        "gate[slug]": "nonceless",
        "gate[name]": "No nonce",
        "gate[requirements.0.chain_id]": "31337",
        "gate[requirements.0.token_address]": stack.token,
        "gate[requirements.0.minimum]": "1",
    }
    assert refused(admin_post(admin, stack, save))
    assert "nonceless" not in service_slugs(stack)


# -- 4. Token lookup ----------------------------------------------------------------------------------


def rest_nonce(page: str) -> str:
    found = re.search(r"var tokengateAdmin = (\{.*?\});", page)
    assert found, "the Gates page does not localize tokengateAdmin"
    settings = json.loads(found.group(1))
    assert settings["lookupUrl"].endswith("/wp-json/tokengate/v1/admin/token")
    return str(settings["nonce"])


def test_token_lookup_for_admins_only(stack, admin, subscriber):
    url = f"{stack.wordpress.url}/wp-json/tokengate/v1/admin/token"
    nonce = rest_nonce(admin_page(stack, admin, "page=tokengate-gates"))
    params = {"chain_id": "31337", "address": stack.token}
    found = admin.get(url, params=params, headers={"X-WP-Nonce": nonce}, timeout=30)
    assert found.status_code == 200, found.text
    assert found.json()["symbol"] == "GOLD"
    assert found.json()["decimals"] == 6

    assert requests.get(url, params=params, timeout=30).status_code in (401, 403)  # anonymous
    # Cookies without the REST nonce do not authenticate a REST request.
    assert admin.get(url, params=params, timeout=30).status_code in (401, 403)
    user = stack.users["subscriber"]  # type: ignore[attr-defined]
    theirs = nonce_for(stack.wordpress, subscriber, user, "wp_rest")
    denied = subscriber.get(url, params=params, headers={"X-WP-Nonce": theirs}, timeout=30)
    assert denied.status_code == 403, denied.text
    assert denied.json()["code"] == "rest_forbidden"

    nowhere = admin.get(
        url,
        params={"chain_id": "31337", "address": Account.create().address},
        headers={"X-WP-Nonce": nonce},
        timeout=30,
    )
    assert nowhere.status_code == 400, nowhere.text
    assert nowhere.json()["code"] == "token_not_contract"
    assert nowhere.json()["message"]
    bad = admin.get(url, params={"chain_id": "31337", "address": "0x123"}, headers={"X-WP-Nonce": nonce}, timeout=30)
    assert bad.status_code == 400 and bad.json()["code"] == "rest_invalid_param"


# -- 5. The editor's box ------------------------------------------------------------------------------


def post_meta(wp: WordPress, post_id: int) -> dict[str, Any]:
    out = wp.php(
        "$meta = array(); foreach ( Tokengate_Options::META_KEYS as $key ) {"
        " if ( metadata_exists( 'post', $args, $key ) ) { $meta[ $key ] = get_post_meta( $args, $key, true ); } }"
        " echo wp_json_encode( (object) $meta );",
        args=post_id,
    )
    return json.loads(out)


def edit_screen(stack: Stack, browser: requests.Session, post_id: int, *, classic: bool) -> str:
    extra = "&tg_classic=1" if classic else ""
    response = browser.get(f"{stack.wordpress.url}/wp-admin/post.php?post={post_id}&action=edit{extra}", timeout=30)
    assert response.status_code == 200, response.text[-2000:]
    return response.text


def test_both_editors_show_the_token_gate_box(stack, admin):
    for classic in (False, True):
        page = edit_screen(stack, admin, stack.posts["gated"], classic=classic)
        if classic:
            assert 'id="post"' in page and 'name="action" value="editpost"' in page
        else:
            assert "block-editor" in page and "edit-post" in page
        assert 'id="tokengate"' in page, f"no Token gate box in the {'classic' if classic else 'block'} editor"
        assert "Token gate" in page
        assert re.search(r'<option value="gold" selected', page)
        assert "tokengate_preview=reader" in page  # published and gated: the preview link


def test_the_box_saves_only_with_its_nonce_and_the_capability(stack, admin):
    wp, post_id = stack.wordpress, stack.posts["plain"]
    assert post_meta(wp, post_id) == {}
    page = edit_screen(stack, admin, post_id, classic=True)
    form = form_with(page, "action", "editpost")
    assert form.get("tokengate_post_nonce")
    assert form.get("post_ID") == str(post_id)
    wanted = {
        "tokengate_gate": "gold",
        "tokengate_teaser_mode": "words",
        "tokengate_teaser_words": "12",
        "tokengate_teaser_text": "Custom words",
    }

    # Without the box's nonce: the post saves (WordPress's own nonce is there), the box does not.
    without = Form(form.attrs)
    without.fields = list(form.fields)
    without.remove("tokengate_post_nonce")
    answer = admin.post(
        f"{wp.url}/wp-admin/post.php", data=without.data(post_title="Plain, saved", **wanted), timeout=60
    )
    assert answer.status_code == 200, answer.text[-2000:]
    assert wp.php("echo get_the_title( $args );", args=post_id) == "Plain, saved"  # WordPress did save the post
    assert post_meta(wp, post_id) == {}
    forged = Form(form.attrs)
    forged.fields = list(form.fields)
    admin.post(f"{wp.url}/wp-admin/post.php", data=forged.data(tokengate_post_nonce="0123456789", **wanted), timeout=60)
    assert post_meta(wp, post_id) == {}

    # A contributor cannot edit the admin's post: even with a valid nonce of their own, nothing changes.
    contributor = stack.users["contributor"]  # type: ignore[attr-defined]
    wp.php(
        """
        wp_set_current_user( $args['user'] );
        $_POST = wp_slash( array_merge( $args['fields'],
            array( 'tokengate_post_nonce' => wp_create_nonce( Tokengate_Editor::NONCE_ACTION ) ) ) );
        Tokengate_Editor::save( $args['post'], get_post( $args['post'] ) );
        do_action( 'save_post', $args['post'], get_post( $args['post'] ), true );
        """,
        args={"user": contributor, "post": post_id, "fields": wanted},
    )
    assert post_meta(wp, post_id) == {}

    # With the nonce and the capability: every field of the box is stored.
    page = edit_screen(stack, admin, post_id, classic=True)
    form = form_with(page, "action", "editpost")
    answer = admin.post(f"{wp.url}/wp-admin/post.php", data=form.data(**wanted), timeout=60)
    assert answer.status_code == 200
    assert post_meta(wp, post_id) == {
        "_tokengate_gate": "gold",
        "_tokengate_teaser_mode": "words",
        "_tokengate_teaser_words": "12",
        "_tokengate_teaser_text": "Custom words",
        "_tokengate_has_gated": "1",
    }
    # The box shows what was saved, and an unknown mode falls back to the excerpt.
    page = edit_screen(stack, admin, post_id, classic=True)
    assert re.search(r'<option value="gold" selected', page)
    assert re.search(r'value="words" checked', page)
    form = form_with(page, "action", "editpost")
    admin.post(
        f"{wp.url}/wp-admin/post.php", data=form.data(tokengate_gate="", tokengate_teaser_mode="<script>"), timeout=60
    )
    meta = post_meta(wp, post_id)
    assert "_tokengate_gate" not in meta and "_tokengate_has_gated" not in meta
    assert meta["_tokengate_teaser_mode"] == "excerpt"


# -- 6. Editors see everything ------------------------------------------------------------------------


def test_editors_see_the_body_and_can_preview_as_a_reader(stack, admin):
    url = stack.wordpress.permalink(stack.posts["gated"])
    assert marker_free(requests.get(url, timeout=30).text, SECRET)  # anonymous: the teaser
    page = admin.get(url, timeout=30)
    assert page.status_code == 200
    assert SECRET in page.text
    preview = admin.get(url, params={"tokengate_preview": "reader"}, timeout=30)
    assert marker_free(preview.text, SECRET)
    assert "Gold holders read on." in preview.text
    assert "Hold 50 GOLD on Local dev chain to read this." in preview.text
    rest = admin.get(f"{stack.wordpress.url}/wp-json/wp/v2/posts/{stack.posts['gated']}", timeout=30).json()
    assert marker_free(json.dumps(rest), SECRET)  # REST without the nonce: an anonymous reader


def test_no_php_errors_on_the_admin_screens(stack):
    assert stack.wordpress.php_errors() == []
    warnings = [
        line
        for line in stack.wordpress.read_debug_log().splitlines()
        if "/plugins/tokengate/" in line and ("PHP Warning" in line or "PHP Notice" in line or "PHP Deprecated" in line)
    ]
    assert warnings == []


# -- 7. Uninstall -------------------------------------------------------------------------------------


SET_EVERYTHING = r"""
$post = wp_insert_post( array( 'post_title' => 'Gated', 'post_content' => 'x', 'post_status' => 'publish' ) );
foreach ( Tokengate_Options::OPTIONS as $name ) {
    update_option( $name, array( 'set' => $name ) );
}
foreach ( Tokengate_Options::TRANSIENTS as $name ) {
    set_transient( $name, array( 'set' => $name ), HOUR_IN_SECONDS );
}
foreach ( Tokengate_Options::META_KEYS as $name ) {
    update_post_meta( $post, $name, 'set' );
}
set_transient( Tokengate_Options::NONCE_TRANSIENT . hash( 'sha256', 'browser' ), 'nonce', 600 );
set_transient( 'tokengate_notice_1', array( 'type' => 'success', 'message' => 'hi' ), 60 );
Tokengate_Options::set_site_key( 'tgsk_0123456789ab_' . str_repeat( 'C', 43 ) );
// Every key-like constant of Tokengate_Options must be in one of the lists uninstall.php walks.
$listed = array_merge( Tokengate_Options::OPTIONS, Tokengate_Options::TRANSIENTS, Tokengate_Options::META_KEYS,
    array( Tokengate_Options::NONCE_TRANSIENT ) );
$unlisted = array();
foreach ( ( new ReflectionClass( 'Tokengate_Options' ) )->getConstants() as $name => $value ) {
    if ( is_string( $value ) && preg_match( '/^_?tokengate_/', $value ) && ! in_array( $value, $listed, true ) ) {
        $unlisted[] = $name;
    }
}
echo wp_json_encode( array( 'post' => $post, 'unlisted' => $unlisted ) );
"""

LEFT_OVER = r"""
global $wpdb;
echo wp_json_encode( array(
    'options'  => $wpdb->get_col( "SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE '%tokengate%'" ),
    'postmeta' => $wpdb->get_col( "SELECT meta_key FROM {$wpdb->postmeta} WHERE meta_key LIKE '%tokengate%'" ),
    'usermeta' => $wpdb->get_col( "SELECT meta_key FROM {$wpdb->usermeta} WHERE meta_key LIKE '%tokengate%'" ),
) );
"""


def test_uninstall_removes_every_option_meta_and_transient(wordpress_factory: WordPressFactory) -> None:
    wp = wordpress_factory(plugins={"tokengate": PLUGIN})
    state = json.loads(wp.php(SET_EVERYTHING))
    assert state["unlisted"] == []
    before = json.loads(wp.php(LEFT_OVER))
    assert len(before["options"]) >= 5 + 2 * 2 + 2 * 2 and len(before["postmeta"]) == 6
    # As WordPress deletes a plugin: deactivated first, then uninstall.php in a request without it.
    wp.php(
        "require_once ABSPATH . 'wp-admin/includes/plugin.php'; deactivate_plugins( 'tokengate/tokengate.php' );"
        " echo is_plugin_active( 'tokengate/tokengate.php' ) ? 'active' : 'inactive';"
    )
    out = wp.php(
        "require_once ABSPATH . 'wp-admin/includes/plugin.php';"
        " if ( class_exists( 'Tokengate_Options', false ) ) { echo 'loaded'; exit( 1 ); }"
        " echo is_uninstallable_plugin( 'tokengate/tokengate.php' ) ? 'yes' : 'no';"
        " uninstall_plugin( 'tokengate/tokengate.php' );"
    )
    assert out == "yes"
    assert json.loads(wp.php(LEFT_OVER)) == {"options": [], "postmeta": [], "usermeta": []}
    assert wp.php_errors() == []


def test_uninstall_php_refuses_to_run_outside_an_uninstall(wordpress_factory: WordPressFactory) -> None:
    wp = wordpress_factory(plugins={"tokengate": PLUGIN})
    wp.set_option("tokengate_service_url", "http://127.0.0.1:1")
    answer = requests.get(f"{wp.url}/wp-content/plugins/tokengate/uninstall.php", timeout=30)
    assert answer.text.strip() == ""
    assert wp.get_option("tokengate_service_url") == "http://127.0.0.1:1"


# -- 8. The release zip -------------------------------------------------------------------------------


INSTALL_ZIP = r"""
require_once ABSPATH . 'wp-admin/includes/class-wp-upgrader.php';
require_once ABSPATH . 'wp-admin/includes/file.php';
require_once ABSPATH . 'wp-admin/includes/misc.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
class Tokengate_Test_Quiet_Skin extends WP_Upgrader_Skin {
    public $messages = array();
    public $errors = array();
    public function header() {}
    public function footer() {}
    public function feedback( $feedback, ...$args ) {
        if ( is_string( $feedback ) ) {
            $this->messages[] = $this->upgrader->strings[ $feedback ] ?? $feedback;
        }
    }
    public function error( $errors ) {
        $this->errors[] = is_wp_error( $errors ) ? $errors->get_error_message() : (string) $errors;
    }
}
wp_set_current_user( 1 );
ob_start();
$skin = new Tokengate_Test_Quiet_Skin();
$upgrader = new Plugin_Upgrader( $skin );
$result = $upgrader->install( $args['zip'] );
$printed = ob_get_clean();
echo wp_json_encode( array(
    'result'   => is_wp_error( $result ) ? $result->get_error_message() : $result,
    'plugin'   => $upgrader->plugin_info(),
    'errors'   => $skin->errors,
    'messages' => $skin->messages,
    'printed'  => $printed,
) );
"""

ACTIVATE_AND_READ = r"""
require_once ABSPATH . 'wp-admin/includes/plugin.php';
$file = 'tokengate/tokengate.php';
$activated = activate_plugin( $file );
$path = WP_PLUGIN_DIR . '/' . $file;
echo wp_json_encode( array(
    'activated' => is_wp_error( $activated ) ? $activated->get_error_message() : $activated,
    'active'    => is_plugin_active( $file ),
    'data'      => get_plugin_data( $path, false, false ),
    'license'   => get_file_data( $path, array( 'License' => 'License', 'LicenseURI' => 'License URI' ) ),
    'symlink'   => is_link( WP_PLUGIN_DIR . '/tokengate' ),
) );
"""


def test_the_zip_installs_like_an_upload_and_activates(wordpress_factory: WordPressFactory, tmp_path: Path) -> None:
    zip_path = build_plugin_zip(tmp_path / "dist" / "tokengate.zip")
    wp = wordpress_factory()
    assert not (wp.root / "wp-content" / "plugins" / "tokengate").exists()
    installed = json.loads(wp.php(INSTALL_ZIP, args={"zip": str(zip_path)}).strip().splitlines()[-1])
    assert installed["result"] is True, installed
    assert installed["errors"] == [] and installed["printed"] == ""
    assert installed["plugin"] == "tokengate/tokengate.php"
    assert any("installed successfully" in message for message in installed["messages"]), installed["messages"]
    state = json.loads(wp.php(ACTIVATE_AND_READ))
    assert state["activated"] is None and state["active"] is True, state
    assert state["symlink"] is False
    data = state["data"]
    assert data["Name"] == "Token Gate"
    assert data["Version"] == "0.1.0"
    assert data["RequiresWP"] == "6.1"
    assert data["RequiresPHP"] == "8.1"
    assert data["TextDomain"] == "tokengate"
    assert data["DomainPath"] == "/languages"
    assert state["license"] == {
        "License": "GPL-2.0-or-later",
        "LicenseURI": "https://www.gnu.org/licenses/gpl-2.0.html",
    }
    # The installed copy is the plugin's files, and it runs: its REST routes answer.
    installed_files = sorted(
        p.relative_to(wp.root / "wp-content/plugins/tokengate").as_posix()
        for p in (wp.root / "wp-content/plugins/tokengate").rglob("*")
        if p.is_file()
    )
    assert installed_files == sorted(p.relative_to(PLUGIN).as_posix() for p in PLUGIN.rglob("*") if p.is_file())
    answer = requests.get(f"{wp.url}/wp-json/tokengate/v1/session", timeout=30)
    assert answer.status_code == 200 and answer.json() == {"connected": False}
    assert requests.get(f"{wp.url}/", timeout=30).status_code == 200
    assert wp.php_errors() == []
    # Installed twice: WordPress refuses to overwrite the existing folder (as the upload screen does).
    again = json.loads(
        wp.php(INSTALL_ZIP, args={"zip": str(build_plugin_zip(tmp_path / "again.zip"))}).strip().splitlines()[-1]
    )
    assert again["result"] is not True, again
