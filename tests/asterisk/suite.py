#!/usr/bin/python3
"""The real-Asterisk suite (issue 14): aicc against Asterisk 22 with SIP phones.

  suite.py --aicc BIN --fake-speech BIN [--shared DIR] [-k NAME ...] [--list]

One Asterisk (the prebuilt 22.10.1 of ../shared/asterisk, configured with
exactly what `aicc asterisk-config` renders), one `aicc run`, sipp phones: a
customer per call (plays Korean speech) and three agents (REGISTER, then
answer and play their own speech, or ring without answering). Scenarios run
in order and share the set-up; each reports PASS/FAIL with its evidence.
Exit 0 when all pass, 1 otherwise, 77 (ctest SKIP_RETURN_CODE) when the
Asterisk bundle is absent (a user's clone without ../shared).
"""
import argparse
import os
import signal
import sys
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import AGENTS, AGENT_UTTERANCES, CUSTOMER_UTTERANCES, check, log, wait_until  # noqa: E402

SKIP = 77


# ---------------------------------------------------------------------------
# Checks shared by every scenario.

def wait_end(h, call_id, timeout=30):
    return wait_until(lambda: any(e["type"] == "metadata_end" for e in h.call_events(call_id)),
                      timeout)


def check_call(h, number, agent=None, agents=None, end_reason="hangup", talk=True,
               metadata_ends=1, late_agent=False):
    """The events, CALL_STARTED and Asterisk state of one finished call.

    agent: the agent metadata_start must name (or agents: one of them;
    neither: null). talk: both speakers spoke (customer and agent turns).
    late_agent: the agent answered after the customer started talking (the
    analysis starts when the agent is on the line), so the customer spoke
    for an unknown part of the analysed time: at least one customer turn."""
    call_id = h.call_id_of(number)
    check(wait_end(h, call_id), f"{number}: no metadata_end within 30 s\n{h.aicc_log_text()}")
    time.sleep(0.5)  # anything sent after the end would show up here
    events = sorted(h.call_events(call_id), key=lambda e: e.get("seq", -1))
    seqs = [e.get("seq") for e in events]
    check(seqs == list(range(len(events))), f"{number}: seq not contiguous from 0: {seqs}")
    starts = [e for e in events if e["type"] == "metadata_start"]
    check(len(starts) == 1 and events[0]["type"] == "metadata_start",
          f"{number}: want one metadata_start first, got {[e['type'] for e in events]}")
    start = starts[0]
    check(start["customer_number"] == number,
          f"{number}: metadata_start customer_number {start['customer_number']!r}")
    check(start.get("channel_id"), f"{number}: metadata_start without channel_id")
    if agent is not None:
        check(start.get("agent_id") == agent,
              f"{number}: metadata_start agent_id {start.get('agent_id')!r}, want {agent}")
    elif agents is not None:
        check(start.get("agent_id") in agents,
              f"{number}: metadata_start agent_id {start.get('agent_id')!r}, want one of {agents}")
    else:
        check(start.get("agent_id") is None,
              f"{number}: metadata_start agent_id {start.get('agent_id')!r}, want null")
    ends = [e for e in events if e["type"] == "metadata_end"]
    check(len(ends) == metadata_ends,
          f"{number}: {len(ends)} metadata_end events, want {metadata_ends}: "
          f"{[e.get('end_reason') for e in ends]}")
    check(events[-1]["type"] == "metadata_end", f"{number}: events after metadata_end: {seqs}")
    check(ends[-1]["end_reason"] == end_reason,
          f"{number}: end_reason {ends[-1]['end_reason']!r}, want {end_reason!r}")
    turns = [e for e in events if e["type"] == "turn_complete"]
    # The agent on each turn and at the end: the one metadata_start named
    # (routing = ari), or the one the dialplan's Dial() reached, learned
    # after metadata_start (routing = dialplan).
    final_agent = start.get("agent_id") or agent
    if final_agent is not None:
        check(ends[-1].get("agent_id") == final_agent,
              f"{number}: metadata_end agent_id {ends[-1].get('agent_id')!r}, want {final_agent}")
        wrong = [t.get("agent_id") for t in turns if t.get("agent_id") not in (final_agent, None)]
        check(not wrong, f"{number}: turns name agents {wrong}, want {final_agent}")
    by = {"customer": [t for t in turns if t["speaker"] == "customer"],
          "agent": [t for t in turns if t["speaker"] == "agent"]}
    check(set(t["speaker"] for t in turns) <= {"customer", "agent"}, f"{number}: bad speaker")
    if talk:
        # The customer says two sentences, the agent one: each speaker's
        # turns come from its own port (customer 12345 / spy in, agent
        # 12346 / spy out); a swapped or echoed stream changes the counts.
        want_customer = len(by["customer"]) >= 1 if late_agent else \
            len(by["customer"]) == len(CUSTOMER_UTTERANCES)
        check(want_customer and len(by["agent"]) == len(AGENT_UTTERANCES),
              f"{number}: turns customer={len(by['customer'])} agent={len(by['agent'])}, want "
              f"{len(CUSTOMER_UTTERANCES)}/{len(AGENT_UTTERANCES)}: "
              + "; ".join(f"{t['speaker']} {t['start_time']}-{t['end_time']} {t['transcript']!r}"
                          for t in turns))
        for t in turns:
            check(t["transcript"].startswith("문장 ") and t["stt_final"],
                  f"{number}: turn without the recognizer's final text: {t}")
    else:
        check(not turns, f"{number}: turns in a call nobody talked in: {turns}")
    notices = [n for n in h.notices.notices if n.get("callId") == call_id]
    check(len(notices) == 1 and notices[0].get("type") == "CALL_STARTED" and
          notices[0].get("customer_number") == number,
          f"{number}: CALL_STARTED notices {notices}")
    left = wait_until(lambda: not h.aicc_leftovers(), 10) or h.aicc_leftovers()
    check(left is True or not left, f"{number}: aicc's objects left in Asterisk: {left}")
    h.validate(events, number)
    return call_id, events


def expect_sipp_ok(h, p, what):
    rc = h.wait_call(p)
    check(rc == 0, f"{what}: sipp exit {rc}: {h.read_log(f'customer-{p.number}.err', 1500)}")


def agent_messages(h, agent):
    """Every SIP message the agent's phone (all its sipp runs) sent or got."""
    names = sorted(f for f in os.listdir(h.work) if f.startswith(agent + "-") and
                   f.endswith(".msg"))
    return "".join(h.read_log(f, 10**8) for f in names)


def agent_saw(h, agent, needle):
    return needle in agent_messages(h, agent)


def reregister_all(h):
    h.register_agents(AGENTS)


# ---------------------------------------------------------------------------
# Scenarios, in priority order.

def one_call(h):
    p = h.call("01070010001")
    expect_sipp_ok(h, p, "customer")
    check_call(h, "01070010001", agents=AGENTS)


def three_concurrent_calls(h):
    numbers = [f"0107002000{i}" for i in range(1, 4)]
    calls = [h.call(n, hold_ms=11000) for n in numbers]
    for p in calls:
        expect_sipp_ok(h, p, f"customer {p.number}")
    used = []
    for n in numbers:
        _, events = check_call(h, n, agents=AGENTS)
        used.append(events[0]["agent_id"])
    check(sorted(used) == AGENTS, f"three calls, agents {used}: want each agent once")


def preferred_agent_no_answer(h):
    # pref2.test prefers agent02, whom the number makes ring unanswered
    # until aicc's ring timeout (6 s); the next agent answers.
    number = harness.noanswer_number(3, ["agent02"])
    # The customer keeps talking (long/) so it still speaks once the agent is on.
    p = h.call(number, host="pref2.test", hold_ms=17000, audio="long")
    expect_sipp_ok(h, p, "customer")
    check(agent_saw(h, "agent02", f"sip:{number}@"), "agent02 (preferred) was never rung")
    check_call(h, number, agents=["agent01", "agent03"], late_agent=True)


def unregistered_agent_skipped(h):
    h.register_agents(["agent03"], expires=0)
    try:
        number = "0107004001"
        p = h.call(number, host="pref3.test")
        expect_sipp_ok(h, p, "customer")
        check(not agent_saw(h, "agent03", f"sip:{number}@"),
              "agent03 (unregistered) was rung")
        check_call(h, number, agents=["agent01", "agent02"])
    finally:
        h.register_agents(["agent03"])


def nobody_free_hold_then_unavailable(h):
    h.register_agents(AGENTS, expires=0)
    try:
        number = "0107005001"
        # What the caller RECEIVES while nobody is free (hold music), captured
        # on lo: RTP to the customer phone's media port.
        cap = os.path.join(h.work, "hold.pcap")
        media = harness.customer_media_port(h.customer_calls + 1)
        dump = h.spawn(["tcpdump", "-i", "lo", "-n", "-U", "-s", "400", "-w", cap,
                        f"udp and dst port {media}"], "tcpdump.log")
        time.sleep(1.0)
        t0 = time.monotonic()
        p = h.call(number, wait_bye=True)
        check(p.media_port == media, "media port bookkeeping")
        rc = h.wait_call(p, timeout=60)
        waited = time.monotonic() - t0
        time.sleep(0.5)
        h.end(dump, signal.SIGINT)
        check(rc == 0, f"customer was not hung up by Asterisk (sipp {rc}): "
              + h.read_log(f"customer-{number}.err", 1500))
        packets = [pl[12:] for port, pl in harness.read_pcap_udp_payloads(cap)
                   if port == media and len(pl) > 12]
        loud = [x for x in packets if harness.rms_ulaw(x) > 300]
        check(len(loud) >= 50,
              f"hold audio: {len(packets)} RTP packets reached the caller, {len(loud)} not "
              f"silent (want >= 50: 1 s of music on hold)\nAsterisk: "
              + "\n".join(line for line in h.ast_log(20000).splitlines()
                          if "moh" in line.lower() or "music" in line.lower())[-1500:])
        check(6 <= waited <= 30, f"hung up after {waited:.1f} s; ari.agent_wait_sec is 8")
        check_call(h, number, agent=None, end_reason="agent_unavailable", talk=False)
    finally:
        reregister_all(h)


def caller_hangs_up_while_agent_rings(h):
    number = harness.noanswer_number(6, AGENTS)  # nobody answers
    p = h.call(number, hold_ms=3000)
    expect_sipp_ok(h, p, "customer")
    check_call(h, number, agent=None, talk=False)
    rung = [a for a in AGENTS if agent_saw(h, a, f"sip:{number}@")]
    check(len(rung) == 1, f"agents rung: {rung}")
    ok = wait_until(lambda: "CANCEL sip:" in agent_messages(h, rung[0]).split(
        f"sip:{number}@", 1)[-1], 10)
    check(ok, f"{rung[0]} was never CANCELled")
    busy = wait_until(lambda: all(not h.ari("GET", f"/endpoints/PJSIP/{a}")[1].get("channel_ids")
                                  for a in AGENTS), 10)
    check(busy, "an agent still has a channel")


def dialplan_routing(h):
    h.stop_aicc()
    h.start_aicc({"ari.routing": "dialplan"})
    try:
        # The dialplan rings every agent; only agent01 answers.
        number = harness.noanswer_number(7, ["agent02", "agent03"])
        p = h.call(number, hold_ms=11000)
        expect_sipp_ok(h, p, "customer")
        call_id, events = check_call(h, number, agents=["agent01", None])
        # metadata_start may go before the Dial is answered; the end names
        # the agent who answered, and so does the agent's turn.
        end = [e for e in events if e["type"] == "metadata_end"][-1]
        check(end.get("agent_id") == "agent01", f"metadata_end agent_id {end.get('agent_id')!r}")
        agent_turns = [e for e in events if e["type"] == "turn_complete"
                       and e["speaker"] == "agent"]
        check(all(t.get("agent_id") == "agent01" for t in agent_turns),
              f"agent turns name {[t.get('agent_id') for t in agent_turns]}, want agent01")
    finally:
        h.stop_aicc()
        h.start_aicc()


def wait_turns_after(h, call_id, seq, timeout=25):
    """Turns of the call after `seq`, once both speakers have one (or the timeout)."""
    def turns():
        return [e for e in h.call_events(call_id)
                if e["type"] == "turn_complete" and e["seq"] > seq]
    wait_until(lambda: {t["speaker"] for t in turns()} == {"customer", "agent"}, timeout)
    return turns()


def start_long_call(h, number, before):
    """A 40 s call with long speech on both sides, once it has two turns.

    The agents' audio is long until the caller restores it (finally)."""
    h.set_agent_audio("long")
    p = h.call(number, audio="long", hold_ms=40000)
    call_id = h.call_id_of(number, timeout=20)
    check(wait_until(lambda: len([e for e in h.call_events(call_id)
                                  if e["type"] == "turn_complete"]) >= 2, 20),
          f"no turns before {before}")
    return p, call_id


def check_continued(h, p, number, call_id, last, what):
    """After the restart: turns of both speakers after `last`, then one clean end."""
    after = wait_turns_after(h, call_id, last)
    check(after, f"no turns of the {what} call after the restart (last seq {last})\n"
          + h.aicc_log_text())
    check({t["speaker"] for t in after} == {"customer", "agent"},
          f"after the restart only {[t['speaker'] for t in after]}")
    expect_sipp_ok(h, p, "customer")
    check_call_restarted(h, number, call_id)


def sigkill_mid_call_then_restart(h):
    try:
        number = "0107008001"
        p, call_id = start_long_call(h, number, "the kill")
        h.stop_aicc(signal.SIGKILL)
        last = max(e["seq"] for e in h.call_events(call_id))
        h.start_aicc()
        check_continued(h, p, number, call_id, last, "re-adopted")
    finally:
        h.set_agent_audio("short")


def check_call_restarted(h, number, call_id, metadata_ends=1):
    check(wait_end(h, call_id), f"{number}: no metadata_end")
    time.sleep(0.5)
    events = sorted(h.call_events(call_id), key=lambda e: e["seq"])
    seqs = [e["seq"] for e in events]
    check(seqs == list(range(len(events))), f"{number}: seq not contiguous from 0: {seqs}")
    types = [e["type"] for e in events]
    check(types.count("metadata_start") == 1, f"{number}: {types.count('metadata_start')} "
          "metadata_start (a re-adopted call keeps its first)")
    ends = [e.get("end_reason") for e in events if e["type"] == "metadata_end"]
    check(len(ends) == metadata_ends and ends[-1] == "hangup" and types[-1] == "metadata_end",
          f"{number}: metadata_end reasons {ends}, want {metadata_ends} ending with hangup")
    left = wait_until(lambda: not h.aicc_leftovers(), 10) or h.aicc_leftovers()
    check(left is True or not left, f"{number}: aicc's objects left in Asterisk: {left}")
    h.validate(events, number)


def sigterm_keep_calls_then_restart(h):
    try:
        number = "0107009001"
        p, call_id = start_long_call(h, number, "SIGTERM")
        h.stop_aicc(signal.SIGTERM)
        check(h.aicc.returncode == 0, f"aicc exit {h.aicc.returncode} on SIGTERM")
        # docs/events.md: every call has exactly one metadata_end; a call kept
        # at shutdown has none until it really ends (under the next aicc).
        time.sleep(1.0)
        ends = [e for e in h.call_events(call_id) if e["type"] == "metadata_end"]
        check(not ends, f"keep_calls: metadata_end {[e['end_reason'] for e in ends]} at "
              "SIGTERM for a call that goes on")
        check(p.poll() is None, "keep_calls: the customer was hung up at aicc's SIGTERM")
        # Analysis helpers go; the main bridge, the customer and the agent stay.
        helpers = [x for x in h.aicc_leftovers()
                   if any(r in x for r in ("-snoop-", "-media-", "-bridge-"))]
        check(not helpers, f"analysis helpers left after SIGTERM: {helpers}")
        check(any("-main" in x for x in h.aicc_leftovers()),
              f"keep_calls: no main bridge after SIGTERM: {h.aicc_leftovers()}")
        last = max(e["seq"] for e in h.call_events(call_id))
        h.start_aicc()
        check_continued(h, p, number, call_id, last, "kept")
    finally:
        h.set_agent_audio("short")


def restart_asterisk(h):
    h.stop_asterisk()
    check(wait_until(lambda: "ari: connected" not in h.readyz(), 15),
          f"aicc still says connected with Asterisk down: {h.readyz()}")
    h.start_asterisk()
    # Asterisk kept its astdb: the re-registered contacts come back NonQual and
    # the endpoints read "offline" until the next qualify (up to 60 s), yet
    # they ring; aicc tries such agents when no online one is free. So the
    # call goes in at once, without waiting for "online".
    h.register_agents(AGENTS, want=None)
    log("after re-registering: " + ", ".join(f"{a} {h.endpoint_state(a)}" for a in AGENTS))
    check(wait_until(lambda: "ari: connected" in h.readyz(), 40, 0.5),
          f"aicc did not reconnect to the restarted Asterisk: {h.readyz()}\n"
          + h.aicc_log_text(3000))


def asterisk_restart_idle(h):
    restart_asterisk(h)
    number = "0107010001"
    p = h.call(number)
    expect_sipp_ok(h, p, "customer")
    check_call(h, number, agents=AGENTS)


def asterisk_restart_mid_call(h):
    number = "0107011001"
    p = h.call(number, hold_ms=30000)
    call_id = h.call_id_of(number, timeout=20)
    check(wait_until(lambda: any(e["type"] == "turn_complete" for e in h.call_events(call_id)),
                     20), "no turns before the restart")
    restart_asterisk(h)
    h.wait_call(p, timeout=40)  # the phone is told BYE or times out: not checked
    check(wait_end(h, call_id), f"{number}: no metadata_end after Asterisk went away\n"
          + h.aicc_log_text(3000))
    events = sorted(h.call_events(call_id), key=lambda e: e["seq"])
    seqs = [e["seq"] for e in events]
    check(seqs == list(range(len(events))), f"seq not contiguous: {seqs}")
    ends = [e for e in events if e["type"] == "metadata_end"]
    check(len(ends) == 1 and events[-1] is ends[0], f"metadata_end events: {len(ends)}")
    check(ends[0]["end_reason"] == "hangup", f"end_reason {ends[0]['end_reason']}")
    h.validate(events, number)
    number2 = "0107011002"
    p2 = h.call(number2)
    expect_sipp_ok(h, p2, "customer after the restart")
    check_call(h, number2, agents=AGENTS)


def thirty_calls_ten_at_a_time(h):
    """Issue 14's bar: 30 calls, 10 at a time, every call with both speakers
    analysed and nothing of aicc's left in Asterisk (needs 10 agents)."""
    check(len(AGENTS) >= 10, f"needs AICC_AST_AGENTS=10, have {len(AGENTS)} agents")
    for batch in range(3):
        numbers = [f"01080{batch:02d}{i:04d}" for i in range(10)]
        calls = [h.call(n, hold_ms=11000) for n in numbers]
        for p in calls:
            expect_sipp_ok(h, p, f"customer {p.number}")
        # late_agent: ten agents answer at once on two cores, so the
        # customer's first sentence may fall before the agent answered (aicc
        # analyses from the agent's answer on); every call still needs both
        # speakers' turns.
        used = [check_call(h, n, agents=AGENTS, late_agent=True)[1][0]["agent_id"]
                for n in numbers]
        check(len(set(used)) == 10, f"batch {batch}: agents {used}: want ten different")
        log(f"batch {batch + 1}/3: 10 calls, both speakers analysed in each")


SCENARIOS = [
    one_call,
    three_concurrent_calls,
    preferred_agent_no_answer,
    unregistered_agent_skipped,
    nobody_free_hold_then_unavailable,
    caller_hangs_up_while_agent_rings,
    dialplan_routing,
    sigkill_mid_call_then_restart,
    sigterm_keep_calls_then_restart,
    asterisk_restart_idle,
    asterisk_restart_mid_call,
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    source = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--aicc", required=True)
    ap.add_argument("--fake-speech", required=True)
    ap.add_argument("--shared", default=os.path.join(source, "..", "shared", "asterisk"))
    ap.add_argument("-k", action="append", default=[], help="run scenarios whose name has this")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    everything = SCENARIOS + [thirty_calls_ten_at_a_time]
    chosen = [s for s in (everything if args.k else SCENARIOS)
              if not args.k or any(k in s.__name__ for k in args.k)]
    if args.list:
        print("\n".join(s.__name__ for s in chosen))
        return 0
    dist = os.path.join(args.shared, "dist")
    if not os.path.isdir(dist) or not any(f.endswith(".tar.xz") for f in os.listdir(dist)):
        print(f"SKIP: no Asterisk bundle in {os.path.normpath(dist)}: real-Asterisk suite "
              "skipped")
        return SKIP
    if os.geteuid() != 0:
        print("SKIP: the real-Asterisk suite runs as root (asterisk-run.sh, tcpdump)")
        return SKIP
    t0 = time.monotonic()
    h = harness.Harness(os.path.abspath(args.aicc), os.path.abspath(args.fake_speech),
                        os.path.abspath(args.shared), source)
    results = []
    try:
        try:
            h.start()
        except Exception as e:  # noqa: BLE001 - reported, then the suite fails
            print(f"FAIL set-up: {e}")
            traceback.print_exc()
            return 1
        log(f"set-up {time.monotonic() - t0:.0f} s")
        for s in chosen:
            t = time.monotonic()
            log(f"--- {s.__name__}")
            try:
                if h.aicc.poll() is not None:
                    log(f"aicc had exited ({h.aicc.returncode}): starting it again")
                    h.start_aicc()
                s(h)
                results.append((s.__name__, "PASS", time.monotonic() - t, ""))
            except Exception as e:  # noqa: BLE001 - one scenario's failure is reported
                msg = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                results.append((s.__name__, "FAIL", time.monotonic() - t, msg))
            log(f"{results[-1][1]} {s.__name__} ({results[-1][2]:.0f} s)"
                + (f"\n{results[-1][3]}" if results[-1][3] else ""))
    finally:
        h.close()
    print("\n== real-Asterisk suite")
    for name, verdict, secs, _ in results:
        print(f"{verdict} {name} ({secs:.0f} s)")
    print(f"wall time {time.monotonic() - t0:.0f} s; logs in {h.work}")
    failed = [r for r in results if r[1] != "PASS"]
    if not failed:
        h.cleanup_work()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
