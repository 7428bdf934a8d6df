"""Harness of the real-Asterisk suite: one Asterisk 22 (configured by
`aicc asterisk-config`), the fake Speech V2 server, `aicc sink` as the
backend, a CALL_STARTED listener, sipp agent phones and `aicc run`, started
once and shared by the scenarios (suite.py).

Every process the harness starts is recorded and ended by its pid at exit.
Logs and captures stay in the work directory (printed at the start).
"""
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ARI_USER = "aicc"
ARI_PASSWORD = "aat-ari-secret-0123456789"
APP = "aicc-ast"
# Three agents for the scenarios; the load run (thirty_calls_ten_at_a_time)
# sets AICC_AST_AGENTS=10.
AGENTS = [f"agent{i:02d}" for i in range(1, int(os.environ.get("AICC_AST_AGENTS", "3")) + 1)]
AGENT_PASSWORDS = {a: f"aat-{a}-pw-98765" for a in AGENTS}
# Caller SIP host (the From URI's host) -> preferred agent.
PRIORITY = {"pref2.test": "agent02", "pref3.test": "agent03"}


class Failure(AssertionError):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port, kind):
    try:
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False


def wait_until(predicate, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return value
        time.sleep(step)


# ---------------------------------------------------------------------------
# Audio: Korean speech as pcaps of Ethernet/IPv4/UDP/RTP frames (what sipp's
# play_pcap_audio replays; it rewrites addresses and ports itself).

def ulaw_from_text(text, work, name):
    wav = os.path.join(work, name + ".wav")
    raw = os.path.join(work, name + ".ul")
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "-w", wav, text], check=True)
    subprocess.run(["sox", wav, "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw", raw],
                   check=True)
    with open(raw, "rb") as f:
        return f.read()


def ulaw_silence(seconds):
    return b"\xff" * int(8000 * seconds)


def write_rtp_pcap(path, ulaw, ssrc):
    """20 ms per packet, PT 0, 160-byte payload, seq/timestamp from 0."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]  # Ethernet
    ulaw += b"\xff" * (-len(ulaw) % 160)
    for n in range(len(ulaw) // 160):
        rtp = struct.pack("!BBHII", 0x80, 0, n & 0xFFFF, (n * 160) & 0xFFFFFFFF, ssrc)
        rtp += ulaw[n * 160:(n + 1) * 160]
        udp = struct.pack("!HHHH", 4000, 5000, 8 + len(rtp), 0) + rtp
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64,
                                   17, 0, socket.inet_aton("127.0.0.1"),
                                   socket.inet_aton("127.0.0.1")))
        s = sum(struct.unpack("!10H", bytes(ip)))
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        ip[10:12] = struct.pack("!H", ~s & 0xFFFF)
        frame = b"\x00" * 12 + b"\x08\x00" + bytes(ip) + udp
        t_us = n * 20000
        out.append(struct.pack("<IIII", t_us // 1000000, t_us % 1000000, len(frame), len(frame)))
        out.append(frame)
    with open(path, "wb") as f:
        f.write(b"".join(out))


# Customer: two utterances; agent: one. Each turn's speaker is checked
# against these counts and the fake recognizer's per-stream text.
CUSTOMER_UTTERANCES = ["안녕하세요 카드를 잃어버렸어요", "분실 신고를 하고 싶습니다"]
AGENT_UTTERANCES = ["네 고객님 분실 신고 도와드리겠습니다"]


def make_audio(work):
    """short/{customer,agent}.pcap for ordinary calls; long/ for calls that
    must still be talking after a restart (speech every ~5 s for ~60 s)."""
    c = [ulaw_from_text(t, work, f"c{i}") for i, t in enumerate(CUSTOMER_UTTERANCES)]
    a = [ulaw_from_text(t, work, f"a{i}") for i, t in enumerate(AGENT_UTTERANCES)]
    short = os.path.join(work, "short")
    long_ = os.path.join(work, "long")
    os.makedirs(short, exist_ok=True)
    os.makedirs(long_, exist_ok=True)
    customer = ulaw_silence(0.6) + c[0] + ulaw_silence(2.0) + c[1] + ulaw_silence(0.5)
    agent = ulaw_silence(0.8) + a[0] + ulaw_silence(0.5)
    write_rtp_pcap(os.path.join(short, "customer.pcap"), customer, 0x11111111)
    write_rtp_pcap(os.path.join(short, "agent.pcap"), agent, 0x22222222)
    lc, la = ulaw_silence(0.6), ulaw_silence(2.5)
    while len(lc) < 8000 * 60:
        lc += c[0] + ulaw_silence(2.5) + c[1] + ulaw_silence(2.5)
    while len(la) < 8000 * 60:
        la += a[0] + ulaw_silence(4.0)
    write_rtp_pcap(os.path.join(long_, "customer.pcap"), lc, 0x33333333)
    write_rtp_pcap(os.path.join(long_, "agent.pcap"), la, 0x44444444)
    return {"short": short, "long": long_,
            "customer_s": len(customer) / 8000, "agent_s": len(agent) / 8000}


def read_pcap_udp_payloads(path):
    """(dst_port, udp payload) of every IPv4/UDP frame of a tcpdump file."""
    out = []
    try:
        data = open(path, "rb").read()
    except OSError:
        return out
    if len(data) < 24:
        return out
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    pos = 24
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        off = 14 if linktype == 1 else 16 if linktype == 113 else 0
        if len(frame) < off + 28:
            continue
        ihl = (frame[off] & 0x0F) * 4
        if frame[off + 9] != 17:
            continue
        udp = frame[off + ihl:]
        out.append((struct.unpack("!H", udp[2:4])[0], udp[8:]))
    return out


def ulaw_to_linear(b):
    b = ~b & 0xFF
    sign, exponent, mantissa = b & 0x80, (b >> 4) & 0x07, b & 0x0F
    sample = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -sample if sign else sample


_ULAW = [ulaw_to_linear(i) for i in range(256)]


def rms_ulaw(payload):
    if not payload:
        return 0.0
    return (sum(_ULAW[x] ** 2 for x in payload) / len(payload)) ** 0.5


# ---------------------------------------------------------------------------
# Caller numbers: 0107… for ordinary calls; 0109ABC0nnn makes the agents whose
# place in ABC is 1 ring without answering (agent.xml).

def customer_media_port(n):
    """sipp media port of the n-th customer call (see agent_media)."""
    return 31100 + 10 * (n % 150)


def noanswer_number(serial, agents):
    mask = "".join("1" if a in agents else "0" for a in AGENTS)
    return f"0109{mask}0{serial:03d}"


def noanswer_regexp(index):
    places = "".join("1" if i == index else "[01]" for i in range(1, len(AGENTS) + 1))
    return f"sip:0109{places}0[0-9]+@"


# ---------------------------------------------------------------------------
# The CALL_STARTED listener.

class NoticeServer:
    def __init__(self):
        self.notices = []
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = {"unparsable": body.decode("utf-8", "replace")}
                with lock:
                    outer.notices.append(parsed)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self):
        return f"http://127.0.0.1:{self.port}/ai/api/v1/agent/broadcast"

    def close(self):
        self.server.shutdown()


# ---------------------------------------------------------------------------

class Harness:
    def __init__(self, aicc, fake_speech, shared, source):
        self.aicc_bin = aicc
        self.fake_speech_bin = fake_speech
        self.shared = shared
        self.source = source
        self.run_script = os.path.join(shared, "asterisk-run.sh")
        self.work = None
        self.procs = []          # every Popen this harness started
        self.aicc = None
        self.aicc_runs = 0
        self.sink_lines_seen = 0
        self.ast_runs = 0

    # --- processes ---------------------------------------------------------
    def spawn(self, args, logname, cwd=None, env=None):
        logf = open(os.path.join(self.work, logname), "ab")
        p = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT, cwd=cwd or self.work,
                             env=env, stdin=subprocess.DEVNULL)
        p.logname = logname
        self.procs.append(p)
        return p

    def end(self, p, sig=signal.SIGTERM, timeout=10):
        if p is None or p.poll() is not None:
            return
        try:
            os.kill(p.pid, sig)
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
        except ProcessLookupError:
            pass

    def read_log(self, name, tail=4000):
        try:
            with open(os.path.join(self.work, name), "rb") as f:
                return f.read().decode("utf-8", "replace")[-tail:]
        except OSError:
            return ""

    # --- set-up --------------------------------------------------------------
    def start(self):
        self.work = os.path.realpath(__import__("tempfile").mkdtemp(prefix="aat-", dir="/tmp"))
        log(f"work directory {self.work}")
        self.sip_port = free_port(socket.SOCK_DGRAM)
        self.http_port = free_port()
        self.health_port = free_port()
        self.customer_port, self.agent_port = 12345, 12346
        if not (port_free(12345, socket.SOCK_DGRAM) and port_free(12346, socket.SOCK_DGRAM)):
            self.customer_port = free_port(socket.SOCK_DGRAM)
            self.agent_port = free_port(socket.SOCK_DGRAM)
            log(f"12345/12346 busy: aicc's RTP ports are {self.customer_port}/{self.agent_port}")
        self.agent_sip = {a: free_port(socket.SOCK_DGRAM) for a in AGENTS}
        # sipp's media ports are fixed: keep them below the kernel's ephemeral
        # range (32768-60999), where free_port() and every client socket of
        # the machine pick theirs, and out of Asterisk's rtp range (30000-30999).
        self.agent_media = {a: 31000 + 10 * i for i, a in enumerate(AGENTS)}
        self.customer_calls = 0
        self.audio = make_audio(self.work)
        self.notices = NoticeServer()
        self.render_config()
        self.start_asterisk()
        self.start_fake_speech()
        self.start_sink()
        self.start_agents()
        self.register_agents(AGENTS)
        self.start_aicc()

    def settings(self):
        """The settings both `aicc asterisk-config` and `aicc run` read."""
        return {
            "ari.url": f"http://127.0.0.1:{self.http_port}/ari",
            "ari.app": APP,
            "ari.agents": ",".join(AGENTS),
            "asterisk.anonymous": "true",
            "asterisk.sip_port": str(self.sip_port),
            "asterisk.http_bind": f"127.0.0.1:{self.http_port}",
            "asterisk.rtp_start": "30000",
            "asterisk.rtp_end": "30999",
            "asterisk.agent_password_file": os.path.join(self.work, "agent-passwords"),
            "ari.agent_dial_timeout_sec": "6",
        }

    def env(self, extra=None):
        e = dict(os.environ)
        e["ARI_USERNAME"] = ARI_USER
        e["ARI_PASSWORD"] = ARI_PASSWORD
        e.update(extra or {})
        return e

    def render_config(self):
        pw = os.path.join(self.work, "agent-passwords")
        with open(pw, "w") as f:
            f.writelines(f"{a}={p}\n" for a, p in AGENT_PASSWORDS.items())
        os.chmod(pw, 0o600)
        self.conf = os.path.join(self.work, "conf")
        args = [self.aicc_bin, "asterisk-config", "--out", self.conf]
        for k, v in self.settings().items():
            args += ["--set", f"{k}={v}"]
        r = subprocess.run(args, env=self.env(), capture_output=True, text=True)
        check(r.returncode == 0, f"aicc asterisk-config failed: {r.stdout}{r.stderr}")
        with open(os.path.join(self.work, "asterisk-config.out"), "w") as f:
            f.write(r.stdout + r.stderr)

    def start_asterisk(self):
        self.ast_run = os.path.join(self.work, "ast")
        env = dict(os.environ)
        env.setdefault("AST_HOME", os.path.join(self.work, "home"))
        previous = os.path.join(self.ast_run, "asterisk.log")
        if os.path.exists(previous):  # asterisk-run.sh truncates it at start
            os.replace(previous, os.path.join(self.work, f"asterisk-{self.ast_runs}.log"))
        t = time.monotonic()
        r = subprocess.run([self.run_script, "start", self.conf, self.ast_run], env=env,
                           capture_output=True, text=True, timeout=120)
        self.ast_runs += 1
        check(r.returncode == 0, f"asterisk-run start failed: {r.stdout}{r.stderr}\n"
              + self.ast_log(3000))
        log(f"Asterisk up in {time.monotonic() - t:.1f} s: {r.stdout.strip().splitlines()[0]}")
        check(wait_until(lambda: self.ari("GET", "/asterisk/info")[0] == 200, 15),
              "ARI does not answer")

    def stop_asterisk(self):
        subprocess.run([self.run_script, "stop", self.ast_run], capture_output=True, timeout=60)

    def ast_log(self, tail=6000):
        try:
            with open(os.path.join(self.ast_run, "asterisk.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")[-tail:]
        except OSError:
            return ""

    def ast_cli(self, cmd):
        r = subprocess.run([self.run_script, "cli", self.ast_run, cmd], capture_output=True,
                           text=True, timeout=30)
        return r.stdout + r.stderr

    def start_fake_speech(self):
        script = {"scripts": [[{"kind": "final", "at_half_close": True,
                                "text": "문장 {stream} 입니다", "end_ms": -1}]]}
        path = os.path.join(self.work, "speech-script.json")
        with open(path, "w") as f:
            json.dump(script, f, ensure_ascii=False)
        self.speech_port = free_port()
        self.speech = self.spawn([self.fake_speech_bin, "--port", str(self.speech_port),
                                  "--script", path], "fake-speech.log")
        check(wait_until(lambda: "listening" in self.read_log("fake-speech.log"), 10),
              "fake speech server did not start: " + self.read_log("fake-speech.log"))

    def start_sink(self):
        self.sink_port = free_port()
        self.events_path = os.path.join(self.work, "events.jsonl")
        self.sink = self.spawn([self.aicc_bin, "sink", "--listen", f"127.0.0.1:{self.sink_port}",
                                "--format", "quiet", "--output", self.events_path], "sink.log")
        check(wait_until(lambda: "listening" in self.read_log("sink.log"), 10),
              "aicc sink did not start: " + self.read_log("sink.log"))

    # --- agents ----------------------------------------------------------------
    def start_agents(self):
        template = open(os.path.join(HERE, "agent.xml")).read()
        self.agent_procs = {}
        self.agent_audio = "short"
        for i, a in enumerate(AGENTS, 1):
            xml = os.path.join(self.work, f"{a}.xml")
            with open(xml, "w") as f:
                f.write(template.replace("@NOANSWER_RE@", noanswer_regexp(i)))
            self.agent_procs[a] = self.spawn_agent(a)

    def spawn_agent(self, a, audio="short"):
        p = self.spawn(
            ["sipp", "-sf", os.path.join(self.work, f"{a}.xml"), "-i", "127.0.0.1",
             "-p", str(self.agent_sip[a]), "-mp", str(self.agent_media[a]), "-s", a, "-aa",
             "-nostdin", "-trace_err", "-error_file", os.path.join(self.work, f"{a}.err"),
             "-trace_msg", "-message_file",
             os.path.join(self.work, f"{a}-{len(self.procs)}.msg")],
            f"{a}.log", cwd=self.audio[audio])
        time.sleep(0.2)
        check(p.poll() is None, f"{a}: sipp exited at once ({p.returncode}): "
              + self.read_log(f"{a}.err", 1500))
        return p

    def set_agent_audio(self, audio):
        """Restarts the agent phones playing short/ or long/ speech."""
        self.agent_audio = audio
        for a in AGENTS:
            self.end(self.agent_procs[a], signal.SIGKILL)
            self.agent_procs[a] = self.spawn_agent(a, audio)
        time.sleep(0.3)

    def register_agents(self, agents, expires=3600, want="default"):
        """REGISTER (expires 0: unregister) each agent from its phone's port;
        then wait until ARI shows the endpoint online (offline), unless
        want is None."""
        for a in agents:
            port = self.agent_sip[a]
            # The phone's own sipp holds the port: register from it by pausing it.
            self.end(self.agent_procs[a], signal.SIGKILL)
            r = subprocess.run(
                ["sipp", f"127.0.0.1:{self.sip_port}", "-sf", os.path.join(HERE, "register.xml"),
                 # -aa: Asterisk qualifies the new contact at once (OPTIONS);
                 # unanswered, the agent reads Unreachable until the next
                 # qualify (60 s).
                 "-aa", "-i", "127.0.0.1", "-p", str(port), "-s", a, "-au", a, "-ap",
                 AGENT_PASSWORDS[a], "-key", "expires", str(expires), "-m", "1", "-nostdin",
                 "-timeout", "15s", "-trace_err", "-error_file",
                 os.path.join(self.work, f"{a}-register.err")],
                cwd=self.work, capture_output=True, text=True)
            self.agent_procs[a] = self.spawn_agent(a, self.agent_audio)
            check(r.returncode == 0, f"{a}: REGISTER failed (sipp {r.returncode}): "
                  + self.read_log(f"{a}-register.err"))
        if want is None:
            return
        want = "offline" if expires == 0 else "online"
        for a in agents:
            ok = wait_until(lambda: self.endpoint_state(a) == want, 10)
            check(ok, f"{a}: endpoint is {self.endpoint_state(a)} after REGISTER "
                  f"(expires {expires}), want {want}")

    def endpoint_state(self, a):
        status, body = self.ari("GET", f"/endpoints/PJSIP/{a}")
        return body.get("state") if status == 200 and isinstance(body, dict) else f"http {status}"

    # --- aicc --------------------------------------------------------------------
    def start_aicc(self, extra=None):
        """`aicc run` with ARI; extra: settings of this scenario."""
        s = self.settings()
        s.update({
            "ari.agent_priority": ",".join(f"{h}={a}" for h, a in PRIORITY.items()),
            "ari.call_started_url": self.notices.url(),
            "ari.agent_wait_sec": "8",
            "ari.agent_retry_sec": "2",
            "media.bind_address": "127.0.0.1",
            "media.customer_port": str(self.customer_port),
            "media.agent_port": str(self.agent_port),
            "http.listen": f"127.0.0.1:{self.health_port}",
            "sink.urls": f"ws://127.0.0.1:{self.sink_port}/events",
            "sink.journal_dir": os.path.join(self.work, "state"),
            "stt.engine": "google",
            "stt.endpoint": f"127.0.0.1:{self.speech_port}",
            "stt.insecure": "true",
            "stt.project": "test-project",
            "stt.idle_close_ms": "500",
        })
        model = os.path.join(self.source, "models", "silero_vad_v5.onnx")
        if os.path.exists(model):
            s["vad.model"] = model
        s.update(extra or {})
        args = [self.aicc_bin, "run"]
        for k, v in s.items():
            args += ["--set", f"{k}={v}"]
        self.aicc_runs += 1
        self.aicc_log = f"aicc-{self.aicc_runs}.log"
        self.aicc = self.spawn(args, self.aicc_log, env=self.env())
        ok = wait_until(lambda: self.aicc.poll() is not None or "ari: connected" in self.readyz(),
                        20)
        check(self.aicc.poll() is None and ok,
              "aicc did not get ready: " + self.readyz() + "\n" + self.read_log(self.aicc_log))

    def readyz(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.health_port}/readyz",
                                        timeout=2) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:
            return e.read().decode("utf-8", "replace")
        except OSError as e:
            return str(e)

    def stop_aicc(self, sig=signal.SIGTERM):
        self.end(self.aicc, sig, timeout=20)

    def aicc_log_text(self, tail=6000):
        return self.read_log(self.aicc_log, tail)

    # --- ARI -------------------------------------------------------------------
    def ari(self, method, path):
        req = urllib.request.Request(f"http://127.0.0.1:{self.http_port}/ari{path}",
                                     method=method)
        token = base64.b64encode(f"{ARI_USER}:{ARI_PASSWORD}".encode()).decode()
        req.add_header("Authorization", "Basic " + token)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                body = r.read()
                return r.status, json.loads(body) if body else None
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return e.code, json.loads(body)
            except ValueError:
                return e.code, body.decode("utf-8", "replace")
        except OSError as e:
            return 0, str(e)

    def aicc_leftovers(self):
        """Ids of aicc's channels and bridges (aicc-…) still in Asterisk."""
        left = []
        for kind in ("channels", "bridges"):
            status, body = self.ari("GET", "/" + kind)
            if status != 200:
                left.append(f"GET /{kind}: {status}")
                continue
            left += [f"{kind[:-1]} {x['id']} ({x.get('name', '')})" for x in body
                     if x["id"].startswith("aicc-")]
        return left

    def channels(self):
        status, body = self.ari("GET", "/channels")
        return body if status == 200 else []

    # --- customers -----------------------------------------------------------------
    def call(self, number, host="cust.test", hold_ms=12000, audio="short", wait_bye=False):
        """Starts one customer call (a sipp process of its own); returns it."""
        self.customer_calls += 1
        n = self.customer_calls
        sip, media = free_port(socket.SOCK_DGRAM), customer_media_port(n)
        scenario = "customer_wait_bye.xml" if wait_bye else "customer.xml"
        p = self.spawn(
            ["sipp", f"127.0.0.1:{self.sip_port}", "-sf", os.path.join(HERE, scenario),
             "-s", "100", "-i", "127.0.0.1", "-p", str(sip), "-mp", str(media), "-m", "1",
             "-d", str(hold_ms), "-key", "caller", number, "-key", "from_host", host,
             "-recv_timeout", "60000", "-timeout", "120s", "-nostdin", "-trace_err",
             "-error_file", os.path.join(self.work, f"customer-{number}.err"),
             "-trace_msg", "-message_file", os.path.join(self.work, f"customer-{number}.msg")],
            f"customer-{number}.log", cwd=self.audio[audio])
        p.number, p.media_port = number, media
        return p

    def wait_call(self, p, timeout=90):
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.end(p, signal.SIGKILL)
            return "timeout"

    # --- events --------------------------------------------------------------------
    def events(self):
        out = []
        try:
            with open(self.events_path, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        out.append(json.loads(line))
        except OSError:
            pass
        return out

    def call_id_of(self, number, timeout=15):
        def find():
            ids = {e["call_id"] for e in self.events()
                   if e.get("type") == "metadata_start" and e.get("customer_number") == number}
            return ids
        ids = wait_until(find, timeout)
        check(len(ids) == 1, f"{number}: want one call with a metadata_start, got {sorted(ids)}")
        return ids.pop()

    def call_events(self, call_id):
        seen, out = set(), []
        for e in self.events():
            if e.get("call_id") == call_id and e.get("event_id") not in seen:
                seen.add(e.get("event_id"))
                out.append(e)
        return out

    def validate(self, events, name):
        path = os.path.join(self.work, f"events-{name}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for e in events:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
        r = subprocess.run(["/usr/bin/python3", os.path.join(self.source, "tests/validate_events.py"),
                            os.path.join(self.source, "docs/events.schema.json"), path],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"schema: {r.stdout.strip()[-1500:]}")

    # --- tear-down -----------------------------------------------------------------
    def close(self):
        for p in reversed(self.procs):
            self.end(p, timeout=5)
        if self.work and os.path.exists(os.path.join(self.work, "ast", "asterisk.conf")):
            self.stop_asterisk()
        if getattr(self, "notices", None):
            self.notices.close()

    def cleanup_work(self):
        if self.work and os.environ.get("AICC_AST_KEEP") != "1":
            shutil.rmtree(self.work, ignore_errors=True)
