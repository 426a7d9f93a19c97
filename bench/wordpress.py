"""Benchmark 4: what the WordPress plugin costs a page view.

- `php_verify_us`: Tokengate_Verifier::verify on one token in the PHP CLI (bench/php_verify.php),
  the local check every gated page view makes; the bare libsodium check beside it in the note.
- `gated_render_ratio`: on a real WordPress (PHP's built-in server, MariaDB) with the plugin
  connected to the service (gunicorn, PostgreSQL, anvil), a holder signed in through the plugin
  fetches a gated post and an ungated post with the same content, interleaved; the figure is the
  median wall time of the gated page over the ungated one. Every gated answer must carry the
  body, and the timed phase must make no outbound HTTP (the token is checked locally).
- `gated_render_teaser_ratio`: the same gated post for a signed-in reader without the tokens
  (the teaser and call to action), over the ungated post.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from .figures import Figure, at_most, info

if TYPE_CHECKING:
    from tests.plugin_stack import Stack

ROOT = Path(__file__).resolve().parent.parent
VERIFY_ITERATIONS = int(os.environ.get("BENCH_PHP_VERIFY_ITERATIONS", "10000"))
VIEWS = int(os.environ.get("BENCH_WP_VIEWS", "200"))  # timed fetches of each page
WARMUP = 15  # untimed fetches of each page first (opcache, MariaDB buffers, rewrite rules)
MARKER = "ZEBRABENCHBODY"  # in the body of both posts, nowhere else
# A post of a realistic size: a few paragraphs, a list, a heading (blocks, as the editor saves them).
PARAGRAPH = (
    "Token-gated writing is still writing: the reader who holds the token should get the page as "
    "fast as the reader of any other post, and the one who does not should get a teaser at once."
)
CONTENT = "\n\n".join(
    [
        f"<!-- wp:paragraph -->\n<p>{PARAGRAPH} {MARKER}</p>\n<!-- /wp:paragraph -->",
        *[f"<!-- wp:paragraph -->\n<p>{PARAGRAPH}</p>\n<!-- /wp:paragraph -->" for _ in range(5)],
        '<!-- wp:heading -->\n<h2 class="wp-block-heading">For holders</h2>\n<!-- /wp:heading -->',
        "<!-- wp:list -->\n<ul><li>One</li><li>Two</li><li>Three</li></ul>\n<!-- /wp:list -->",
        *[f"<!-- wp:paragraph -->\n<p>{PARAGRAPH}</p>\n<!-- /wp:paragraph -->" for _ in range(4)],
    ]
)


def php_verify() -> Figure:
    """Run bench/php_verify.php; its median verify time, with the libsodium floor in the note."""
    out = subprocess.run(
        ["php", str(ROOT / "bench" / "php_verify.php"), str(VERIFY_ITERATIONS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    note = (
        f"median of {result['iterations']} verifications of a {result['token_bytes']}-byte token "
        f"(p99 {result['verify_p99_us']:.1f} µs); libsodium's signature check alone {result['sodium_only_us']:.1f} µs; "
        f"a verifier's construction (JWKS parsing) {result['construct_us']:.1f} µs; "
        f"PHP {result['php']}, libsodium {result['sodium']}"
    )
    return at_most("php_verify_us", float(result["verify_us"]), "µs", 100, note=note)


def _fetch(session: requests.Session, url: str) -> tuple[float, str]:
    start = time.perf_counter()
    response = session.get(url, timeout=30)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
    return elapsed, response.text


def _prepare(stack: Stack) -> dict[str, str]:
    """A gate the holder meets, a gated and an ungated post with the same content; their URLs."""
    answer = stack.service_api(
        "POST",
        "/api/v1/gates",
        {
            "slug": "bench",
            "name": "Bench readers",
            "teaser": "Bench holders read on.",
            "requirements": [{"chain_id": 31337, "token_address": stack.token, "minimum": "100"}],
        },
    )
    if answer.status_code != 201:
        raise RuntimeError(f"creating the gate: {answer.status_code} {answer.text}")
    stack.wordpress.php("Tokengate_Client::sync();")
    wp = stack.wordpress
    wp.create_post("Bench post", CONTENT, meta={"_tokengate_gate": "bench"}, post_name="bench-gated")
    wp.create_post("Bench post", CONTENT, post_name="bench-open")
    return {"gated": f"{wp.url}/bench-gated/", "ungated": f"{wp.url}/bench-open/"}


def _measure(stack: Stack, urls: dict[str, str]) -> tuple[dict[str, list[float]], int]:
    """Fetch the pages interleaved (the order rotating each round); seconds per kind, outbound requests."""
    holder, outsider = stack.login(stack.holder), stack.login(stack.outsider)
    if holder.login_answer["gates"] != ["bench"]:  # type: ignore[attr-defined]
        raise RuntimeError(f"the holder does not meet the gate: {holder.login_answer}")  # type: ignore[attr-defined]
    kinds = {
        "gated": (holder, urls["gated"]),
        "ungated": (holder, urls["ungated"]),
        "teaser": (outsider, urls["gated"]),
    }
    order = list(kinds)
    for _ in range(WARMUP):
        for session, url in kinds.values():
            _fetch(session, url)
    outbound_before = len(stack.outbound())
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    for round_number in range(VIEWS):
        shift = round_number % len(order)
        for kind in order[shift:] + order[:shift]:
            session, url = kinds[kind]
            seconds, html = _fetch(session, url)
            timings[kind].append(seconds)
            shows_body = MARKER in html
            if shows_body != (kind != "teaser"):
                raise RuntimeError(f"{kind} view {round_number}: body {'shown' if shows_body else 'missing'}")
            if kind == "teaser" and "tokengate-cta" not in html:
                raise RuntimeError(f"teaser view {round_number}: no call to action")
    return timings, len(stack.outbound()) - outbound_before


def render() -> list[Figure]:
    """Build the stack, measure, and turn the timings into figures."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()  # tests.plugin_stack imports tests.conftest, which imports the models

    from tests.plugin_stack import plugin_stack
    from tests.wordpress import PrivateMariaDB
    from tokengate.chain.devchain import DevChain

    with PrivateMariaDB.start() as db, DevChain.start(chain_id=31337) as chain:
        chain.install_multicall()
        with plugin_stack(db, chain) as stack:
            urls = _prepare(stack)
            timings, outbound = _measure(stack, urls)
            errors = stack.wordpress.php_errors(levels=("Fatal error", "Parse error", "Warning"))
    if outbound:
        raise RuntimeError(f"{outbound} outbound HTTP requests during the timed page views")
    if errors:
        raise RuntimeError("PHP errors during the page views:\n" + "\n".join(errors[:5]))
    medians = {kind: statistics.median(seconds) for kind, seconds in timings.items()}
    gated_ms, ungated_ms, teaser_ms = (1000 * medians[kind] for kind in ("gated", "ungated", "teaser"))
    setup = (
        f"{VIEWS} views each, interleaved, after {WARMUP} warm-up views; one signed-in session, "
        "php -S (4 workers) + MariaDB; wall time per request as the client sees it"
    )
    return [
        at_most(
            "gated_render_ratio",
            medians["gated"] / medians["ungated"],
            "x",
            1.05,
            note=f"holder: gated post {gated_ms:.2f} ms ÷ same post ungated {ungated_ms:.2f} ms (medians); "
            f"every gated view carried the body; no outbound HTTP; {setup}",
        ),
        info(
            "gated_render_teaser_ratio",
            medians["teaser"] / medians["ungated"],
            "x",
            note=f"signed-in reader without the tokens: teaser {teaser_ms:.2f} ms ÷ ungated {ungated_ms:.2f} ms "
            "(medians)",
        ),
    ]


def run() -> list[Figure]:
    """The PHP verify micro-benchmark, then the page views on a real WordPress."""
    return [php_verify(), *render()]
