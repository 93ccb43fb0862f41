"""Batches under fire (docs/sync-protocol.md, "Sending many items at once"): the answer of a batch lost after the
server stored it, whole or half of what it carries, and the phone sending again — nothing lost, nothing duplicated,
every item answered on its own. The same real Chromium, proxy and gunicorn as tests/chaos/test_chaos_sync.py."""
from __future__ import annotations

import random

import pytest

from tests.chaos.ledger import assert_all_arrived_once

from .ledger import server_rows
from .phone import item_specs

pytestmark = [pytest.mark.chaos, pytest.mark.browser]

BATCH = "/api/v1/items/batch"


def is_batch(request) -> bool:
    return request.method == "POST" and request.path == BATCH


def uuids_of(request) -> set[str]:
    return {item["uuid"] for item in request.json()["items"]}


def lose_answers_of(proxy, count: int) -> list:
    """The answers of the next `count` batches are lost after the server processed them."""
    lost = []

    def impose(request):
        if is_batch(request) and len(lost) < count:
            lost.append(request)
            return "drop_response"
        return None

    proxy.impose = impose
    return lost



def test_a_batch_whose_answer_is_lost_after_it_was_stored(app, make_phone, proxy, server, chaos_seed):
    rng = random.Random(chaos_seed)
    phone = make_phone()
    with proxy.calm():
        phone.sign_in("anggota")
    phone.capture(item_specs(70, rng))  # two batches: 50 and 20

    lost = lose_answers_of(proxy, 2)
    for _ in range(5):  # a run already under way when the button is pressed ends first: press until the batch went
        result = phone.send_now()
        if lost:
            break
    assert result["state"] == "offline", result
    assert len(lost) == 1 and lost[0].status == 200, proxy.summary()
    assert len(server_rows(app)) == 50  # the server has the first batch; the phone does not know it

    proxy.fault_rate = 0.2
    phone.send_until_delivered(proxy, rng, offline_rate=0.1)
    assert_all_arrived_once(app, phone, proxy, server, expected=70)
    again = [r for r in proxy.requests
             if is_batch(r) and r.number > lost[-1].number and uuids_of(lost[0]) & uuids_of(r)]
    assert again, "the items of the batch whose answer was lost were not sent again"


def test_a_batch_half_of_which_the_server_stored_before_its_answer_was_lost(app, make_phone, proxy, server,
                                                                           chaos_seed):
    rng = random.Random(chaos_seed)
    phone = make_phone()
    with proxy.calm():
        phone.sign_in("anggota")
    first_half = phone.capture(item_specs(20, rng, tag="A"))

    # The server stores the first 20, the phone never hears; meanwhile the member writes 20 more. Answers stay lost
    # until the phone has offered all 40 in one batch, so that the next one surely carries both halves.
    lost = lose_answers_of(proxy, 10**6)
    for _ in range(5):  # a run already under way when the button is pressed ends first: press until the batch went
        phone.send_now()
        if lost:
            break
    assert lost and lost[0].status == 200, proxy.summary()
    assert len(server_rows(app)) == 20
    second_half = phone.capture(item_specs(20, rng, tag="B"))
    everything = {i["uuid"] for i in first_half} | {i["uuid"] for i in second_half}
    for _ in range(5):
        phone.send_now()
        if any(uuids_of(r) == everything for r in lost):
            break
    proxy.impose = None

    # The next batch carries both halves: the stored ones are answered "same" (200), the new ones "created".
    phone.send_until_delivered()
    both = [r for r in proxy.requests if is_batch(r) and not r.fault and r.status == 200 and uuids_of(r) == everything]
    assert both, proxy.summary()
    assert_all_arrived_once(app, phone, proxy, server, expected=40)
    # Each item's own answer reached the phone: the first half shows the server's copy like the second.
    items, _ = phone.outbox()
    assert {item["state"] for item in items} == {"menunggu"}


def test_one_run_per_reconnect_and_no_second_download_of_what_was_just_sent(app, make_phone, proxy, server,
                                                                           chaos_seed):
    rng = random.Random(chaos_seed)
    phone = make_phone()
    with proxy.calm():
        phone.sign_in("anggota")
    phone.send_until_delivered()  # the runs of the first open are over
    phone.capture(item_specs(25, rng))
    before = len(proxy.requests)
    # Signal is back: the page hears 'online' and the member presses "Kirim sekarang" at the same moment. Two runs
    # are asked for and both announced; the second is answered by the first.
    ended = phone.page.evaluate("""() => {
      const n = window.__chaos.done;
      window.dispatchEvent(new Event('online'));
      document.getElementById('send-now').click();
      return n;
    }""")
    phone.wait_for_run(ended + 1)
    result = phone.page.evaluate("() => window.__chaos.last")
    assert result["state"] == "ok" and result["waiting"] == 0, result
    assert result.get("coalesced"), result
    requests = [(r.method, r.path.split("?")[0]) for r in proxy.requests[before:]]
    assert requests.count(("POST", BATCH)) == 1, requests
    assert requests.count(("GET", "/api/v1/me")) == 1, requests
    # The batch's answer was the pull: no GET of the items the phone has just sent.
    assert ("GET", "/api/v1/items") not in requests, requests
    assert_all_arrived_once(app, phone, proxy, server, expected=25)
