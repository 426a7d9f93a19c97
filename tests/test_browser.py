"""The reader's flow in a real browser: Chromium (headless, offline) with a test wallet, on a real
WordPress with the plugin, against the real service and anvil.

The wallet (tests/browser_wallet.js) is an EIP-1193 provider injected before the page's scripts;
it announces itself by EIP-6963 (and, when asked, as window.ethereum). Its personal_sign is
answered here, in Python, by eth_account with the test key, so the signature is real and the
service verifies it as any other. Every request that is not to 127.0.0.1 is aborted and
recorded: the pages must need nothing external.

One stack (anvil + service + WordPress) and one browser serve the whole module; each test has its
own browser context (cookies) and wallet. Screenshots of each state go to
var/test-artifacts/browser/ (or $TOKENGATE_TEST_ARTIFACTS); the path is printed at the end.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from bench.server import manage

from .conftest import require
from .plugin_stack import Stack, marker_free, plugin_stack

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("TOKENGATE_CHROMIUM", "/usr/bin/chromium"))
WALLET_JS = (Path(__file__).parent / "browser_wallet.js").read_text()
ARTIFACTS = Path(os.environ.get("TOKENGATE_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts" / "browser"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

WHOLE = "ZEBRAWHOLE"  # only in the body of the wholly gated post
PART = "ZEBRAPART"  # only inside the [tokengate] part of the partly gated post
PUBLIC = "ZEBRAPUBLIC"
GATE = "gold"
TEASER = "Gold holders read on."
CHAIN_ID = 31337
TIMEOUT_MS = 20_000

try:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, expect, sync_playwright
except ImportError:  # pragma: no cover - requirements-dev.txt pins it
    sync_playwright = None  # type: ignore[assignment]


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    require(
        sync_playwright is not None,
        "Python Playwright",
        "`.venv/bin/pip install -r requirements-dev.txt` (no browsers)",
    )
    require(CHROMIUM.is_file(), f"Chromium at {CHROMIUM}", "`sudo scripts/install_debian_deps.sh` (apt chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        yield launch(playwright)
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(f"\nbrowser screenshots: {ARTIFACTS}")


def launch(playwright: Playwright) -> Browser:
    # launch() gives every browser a fresh, temporary user-data-dir of its own (Playwright refuses
    # --user-data-dir in args); nothing of a desktop profile is read.
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)


@pytest.fixture(scope="module")
def stack(mariadb: Any, devchain: Any) -> Iterator[Stack]:
    with plugin_stack(mariadb, devchain) as built:
        built.create_gate(GATE, "100", teaser=TEASER)
        wp = built.wordpress
        built.posts["whole"] = wp.create_post(
            "Members only", f"<p>The secret is {WHOLE} and more.</p>", meta={"_tokengate_gate": GATE}, post_name="whole"
        )
        built.posts["part"] = wp.create_post(
            "Partly gated",
            f'<p>Everyone reads this.</p>[tokengate gate="{GATE}"]<p>Only holders read {PART}.</p>[/tokengate]',
            post_name="part",
        )
        built.posts["public"] = wp.create_post("Public post", f"<p>{PUBLIC} for all.</p>", post_name="public")
        yield built


@dataclass
class Reader:
    """One browser context (its own cookies) with its wallet, and what happened in it."""

    context: BrowserContext
    page: Page
    base: str
    account: LocalAccount | None
    loads: list[str] = field(default_factory=list)
    signed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def open(self, slug: str, wait_until: str = "load") -> None:
        self.page.goto(f"{self.base}/{slug}/", wait_until=wait_until)  # type: ignore[arg-type]

    @property
    def status(self) -> Any:
        return self.page.locator(".tokengate-status").first

    def connect(self, *, reloads: bool) -> None:
        button = self.page.locator(".tokengate-connect").first
        if reloads:
            with self.page.expect_navigation(wait_until="load", timeout=TIMEOUT_MS):
                button.click()
        else:
            button.click()

    def shot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))  # the viewport: title, teaser and box
        return path

    def cookie(self, name: str) -> str | None:
        return next((c["value"] for c in self.context.cookies() if c["name"] == name), None)

    def text(self) -> str:
        return self.page.content()


@pytest.fixture
def reader(browser: Browser, stack: Stack) -> Iterator[Callable[..., Reader]]:
    opened: list[Reader] = []

    def open_reader(
        account: LocalAccount | None,
        *,
        wallet: bool = True,
        chain_id: int = CHAIN_ID,
        reject: bool | str = False,
        eip6963: bool = True,
        legacy: bool = False,
    ) -> Reader:
        context = browser.new_context(viewport={"width": 960, "height": 620}, base_url=stack.wordpress.url)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        one = Reader(context=context, page=page, base=stack.wordpress.url, account=account)

        def route(route: Route) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                one.blocked.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page.on("load", lambda p: one.loads.append(p.url))
        if wallet:
            assert account is not None

            def sign(hex_message: str, address: str) -> str:
                assert address.lower() == account.address.lower(), address
                text = bytes.fromhex(hex_message.removeprefix("0x")).decode("utf-8")
                one.signed.append(text)
                signature = account.sign_message(encode_defunct(text=text)).signature.hex()
                return "0x" + signature.removeprefix("0x")

            context.expose_function("tokengateTestSign", sign)
            config = {
                "address": account.address,
                "chainId": chain_id,
                "reject": reject,
                "eip6963": eip6963,
                "legacy": legacy,
            }
            context.add_init_script(f"const TOKENGATE_TEST_WALLET = {json.dumps(config)};\n{WALLET_JS}")
        opened.append(one)
        return one

    yield open_reader
    for one in opened:
        one.context.close()
        assert one.blocked == [], f"the page asked for something outside 127.0.0.1: {one.blocked}"


def fresh_holder(stack: Stack, amount: int = 150) -> LocalAccount:
    holder = Account.create()
    stack.chain.mint(stack.token, holder.address, amount * 10**6)
    return holder


def assert_gated(one: Reader) -> None:
    page = one.page
    expect(page.locator(".tokengate-teaser")).to_contain_text(TEASER)
    expect(page.locator(".tokengate-cta .tokengate-connect")).to_be_visible()
    assert marker_free(one.text(), WHOLE)


def test_a_non_holder_sees_the_teaser_then_held_versus_needed(reader, stack):
    one = reader(stack.outsider)
    one.open("whole")
    assert_gated(one)
    expect(one.page.locator(".tokengate-requirement")).to_contain_text("Hold 100 GOLD")
    one.shot("01-teaser")

    one.connect(reloads=False)
    expect(one.status).to_contain_text("does not hold enough tokens")
    expect(one.status).to_contain_text("You hold 0 GOLD; you need 100 GOLD.")
    expect(one.status).to_have_attribute("data-kind", "error")
    short = stack.outsider.address[:6]
    expect(one.page.locator(".tokengate-connected")).to_contain_text(f"Connected as {short}")
    expect(one.page.locator(".tokengate-disconnect")).to_be_visible()
    one.shot("02-not-enough-tokens")
    assert one.loads == [f"{stack.wordpress.url}/whole/"]  # no reload: the gate was not passed
    assert marker_free(one.text(), WHOLE)

    # The message the wallet signed is the EIP-4361 one for this site.
    [message] = one.signed
    assert message.startswith(
        f"{stack.domain} wants you to sign in with your Ethereum account:\n{stack.outsider.address}\n"
    )
    assert f"\nURI: {stack.wordpress.url}/whole/\n" in message
    assert f"\nChain ID: {CHAIN_ID}\n" in message


def test_a_holder_signs_in_and_reads_on(reader, stack):
    one = reader(stack.holder)
    one.open("whole")
    assert_gated(one)
    one.connect(reloads=True)
    expect(one.page.locator(".entry-content, .wp-block-post-content").first).to_contain_text(WHOLE)
    assert one.page.locator(".tokengate-cta").count() == 0
    assert len(one.loads) == 2  # the page, and the one reload after signing in
    assert one.cookie("tokengate_at") and one.cookie("tokengate_rt")
    one.shot("03-holder-reads")

    one.open("part")  # the shortcode-gated part, in the same browser: no new signature
    expect(one.page.get_by_text(f"Only holders read {PART}.")).to_be_visible()
    expect(one.page.get_by_text("Everyone reads this.")).to_be_visible()
    assert one.page.locator(".tokengate-cta").count() == 0
    one.shot("04-holder-reads-part")

    one.open("public")
    expect(one.page.get_by_text(f"{PUBLIC} for all.")).to_be_visible()
    assert one.page.locator(".tokengate-cta").count() == 0
    assert len(one.signed) == 1


def test_the_part_is_gated_and_the_public_post_is_not_for_anonymous_readers(reader, stack):
    one = reader(None, wallet=False)
    one.open("part")
    expect(one.page.get_by_text("Everyone reads this.")).to_be_visible()
    expect(one.page.locator(".tokengate-part .tokengate-connect")).to_be_visible()
    assert marker_free(one.text(), PART)
    one.shot("05-part-teaser")
    one.open("public")
    expect(one.page.get_by_text(f"{PUBLIC} for all.")).to_be_visible()
    assert one.page.locator(".tokengate-cta").count() == 0


@pytest.mark.parametrize("who", ["holder", "outsider"])
def test_disconnect_brings_back_the_teaser(reader, stack, who):
    account = fresh_holder(stack) if who == "holder" else stack.outsider
    one = reader(account)
    one.open("whole")
    one.connect(reloads=who == "holder")
    if who == "holder":  # reading: the session line under the post offers the way out
        expect(one.page.locator(".tokengate-session")).to_contain_text(f"Connected as {account.address[:6]}")
        assert WHOLE in one.text()
    expect(one.page.locator(".tokengate-disconnect")).to_be_visible()
    assert one.cookie("tokengate_rt")
    with one.page.expect_navigation(wait_until="networkidle"):  # idle: the session check has answered
        one.page.locator(".tokengate-disconnect").click()
    assert_gated(one)
    assert one.page.locator(".tokengate-connected").count() == 0
    assert one.page.locator(".tokengate-held").count() == 0
    assert not one.cookie("tokengate_at") and not one.cookie("tokengate_rt")
    one.shot(f"06-disconnected-{who}")


def test_after_a_sale_the_next_refresh_gates_the_post_again(reader, stack):
    holder = fresh_holder(stack)
    one = reader(holder)
    one.open("whole")
    one.connect(reloads=True)
    expect(one.page.get_by_text(WHOLE)).to_be_visible()

    stack.chain.transfer(stack.token, holder.address, Account.create().address, 150 * 10**6)
    manage(stack.env, "tokengate_refresh", "--no-progress")
    # Force the refresh now rather than in TOKENGATE_ACCESS_TTL: an access token that expired.
    expired = stack.issue_token(site_id=stack.site_id, address=holder.address, gates=[GATE], seconds_ago=3600)
    refresh_token = one.cookie("tokengate_rt")
    one.context.add_cookies([{"name": "tokengate_at", "value": expired, "url": f"{stack.wordpress.url}/"}])
    assert one.cookie("tokengate_at") == expired

    one.page.reload()
    assert_gated(one)
    # Still signed in (no logout): the refresh cookie was exchanged for a new pair without the gate.
    expect(one.page.locator(".tokengate-held")).to_contain_text("does not hold enough tokens")
    expect(one.page.locator(".tokengate-connected")).to_contain_text(f"Connected as {holder.address[:6]}")
    assert one.cookie("tokengate_at") not in (None, "", expired)
    assert one.cookie("tokengate_rt") not in (None, "", refresh_token)
    assert len(one.signed) == 1  # no new signature was asked for
    one.shot("07-gated-again-after-sale")


@pytest.mark.parametrize("declined", ["personal_sign", "eth_requestAccounts"])
def test_a_declined_request_says_so_without_reloading(reader, stack, declined):
    one = reader(stack.holder, reject=declined)
    one.open("whole")
    for _ in range(2):  # and a second try does the same
        one.connect(reloads=False)
        expect(one.status).to_contain_text("You declined the request in your wallet.")
        expect(one.page.locator(".tokengate-connect")).to_be_enabled()
    one.page.wait_for_timeout(500)  # a reload loop would have started by now
    assert one.loads == [f"{stack.wordpress.url}/whole/"]
    calls = one.page.evaluate("window.__tokengateWalletCalls")
    assert calls.count(declined) == 2
    assert one.signed == []
    assert one.cookie("tokengate_at") is None
    assert_gated(one)
    one.shot(f"08-declined-{declined}")


def test_without_a_wallet_the_reader_is_told_how_to_get_one(reader, stack):
    one = reader(None, wallet=False)
    one.open("whole")
    one.connect(reloads=False)
    expect(one.status).to_contain_text("No Ethereum wallet was found in this browser.")
    link = one.status.locator("a")
    expect(link).to_have_text("Get a wallet")
    expect(link).to_have_attribute("href", "https://metamask.io/download/")
    assert one.loads == [f"{stack.wordpress.url}/whole/"]
    one.shot("09-no-wallet")


def test_a_wallet_on_another_chain_is_offered_a_switch_then_signs_in(reader, stack):
    # window.ethereum only (no EIP-6963 announcement): the fallback path.
    one = reader(stack.holder, chain_id=1, eip6963=False, legacy=True)
    one.open("whole")
    one.connect(reloads=False)
    expect(one.status).to_contain_text("Your wallet is on a network this site does not use.")
    switch = one.page.locator(".tokengate-switch")
    expect(switch).to_have_text("Switch network")
    assert one.signed == []
    one.shot("10-wrong-network")

    with one.page.expect_navigation(timeout=TIMEOUT_MS):
        switch.click()
    expect(one.page.get_by_text(WHOLE)).to_be_visible()
    [message] = one.signed
    assert f"\nChain ID: {CHAIN_ID}\n" in message
    assert len(one.loads) == 2
