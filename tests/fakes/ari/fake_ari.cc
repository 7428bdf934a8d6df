#include "fakes/ari/fake_ari.h"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "audio/g711.h"
#include "audio/wav.h"
#include "rtp/packet.h"

namespace aicc::fakes {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using json = nlohmann::ordered_json;

namespace {

constexpr auto kAsTuple = asio::as_tuple(use_awaitable);
constexpr const char* kAsteriskId = "02:fc:00:00:00:01";

std::string AsteriskTime() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

struct Reply {
  unsigned status = 200;
  std::string body;
  bool drop = false;
  std::chrono::milliseconds delay{0};
};

Reply Message(unsigned status, std::string_view message) {
  return Reply{status, json{{"message", message}}.dump()};
}

}  // namespace

std::string RecordedRequest::Param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return {};
}

bool RecordedRequest::Has(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return true;
  }
  return false;
}

std::string RecordedRequest::Line() const { return method + " " + path; }

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

struct FakeAri::Impl {
  struct Chan {
    FakeChannel info;
    std::string context = "default";
    std::string exten = "s";
    std::string app_name;
    std::string app_data;
    std::string caller_name;
    std::string connected_name, connected_number;
    std::string creationtime = AsteriskTime();
    std::string sip_host;
    std::vector<std::string> args;
    bool app_owned = false;     // originated/created by the app: events from creation
    std::string dialplan_peer;  // routing = dialplan: the agent Dial() reached
    std::string dialed_by;      // that agent's caller
    std::string endpoint;       // agent legs: PJSIP/agentNN
    // ExternalMedia
    std::unique_ptr<udp::socket> socket;
    udp::endpoint destination;
    std::string external_host;
    std::string format;
    std::uint32_t ssrc = 0;
    std::uint16_t seq = 0;
    std::uint32_t timestamp = 0;
    std::size_t sent = 0;
    bool streaming = false;
    std::string stream_spy;
    std::string stream_target;
  };
  struct Br {
    FakeBridge info;
    std::string creationtime = AsteriskTime();
  };
  struct WsSession {
    explicit WsSession(beast::tcp_stream s) : ws(std::move(s)) {}
    websocket::stream<beast::tcp_stream> ws;
    std::deque<std::string> queue;
    bool writing = false;
    bool closed = false;
  };

  explicit Impl(FakeAriOptions o) : options(std::move(o)), acceptor(io), rtp_timer(io), rng(12345) {
    acceptor.open(tcp::v4());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    customer_pcm = LoadPcm(options.customer_wav);
    agent_pcm = LoadPcm(options.agent_wav);
    asio::co_spawn(io, Accept(), asio::detached);
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    asio::post(io, [this] {
      boost::system::error_code ignored;
      acceptor.close(ignored);
      for (auto& s : sessions) beast::get_lowest_layer(s->ws).close();
      io.stop();
    });
    thread.join();
  }

  static std::vector<std::int16_t> LoadPcm(const std::string& path) {
    if (path.empty()) return std::vector<std::int16_t>(8000, 0);
    auto wav = audio::ReadWav(path);
    if (!wav || wav->samples.empty()) return std::vector<std::int16_t>(8000, 0);
    return wav->samples;
  }

  template <typename F>
  auto RunSync(F&& f) const -> decltype(f()) {
    using R = decltype(f());
    std::packaged_task<R()> task(std::forward<F>(f));
    auto future = task.get_future();
    asio::post(const_cast<asio::io_context&>(io), [&task] { task(); });
    return future.get();
  }

  // --- JSON shapes ----------------------------------------------------------
  json ChannelJson(const Chan& c) const {
    json j;
    j["id"] = c.info.id;
    j["name"] = c.info.name;
    j["state"] = c.info.state;
    j["protocol_id"] = "";
    j["caller"] = {{"name", c.caller_name}, {"number", c.info.caller_number}};
    j["connected"] = {{"name", c.connected_name}, {"number", c.connected_number}};
    j["accountcode"] = "";
    j["dialplan"] = {{"context", c.context},
                     {"exten", c.exten},
                     {"priority", 1},
                     {"app_name", c.app_name},
                     {"app_data", c.app_data}};
    j["creationtime"] = c.creationtime;
    j["language"] = "en";
    return j;
  }
  json BridgeJson(const Br& b) const {
    json j;
    j["id"] = b.info.id;
    j["technology"] = "simple_bridge";
    j["bridge_type"] = "mixing";
    j["bridge_class"] = "stasis";
    j["creator"] = "Stasis";
    j["name"] = b.info.name;
    j["channels"] = b.info.channels;
    j["creationtime"] = b.creationtime;
    j["video_mode"] = "talker";
    return j;
  }

  // --- events ------------------------------------------------------------------
  bool Visible(const Chan& c) const {
    return c.info.in_stasis || c.app_owned || subscribed.contains(c.info.id);
  }
  void Emit(json event) {
    event["asterisk_id"] = kAsteriskId;
    event["application"] = options.app;
    Broadcast(event.dump(2));
  }
  void EmitChannel(const char* type, const Chan& c, json extra = json::object()) {
    if (!Visible(c)) return;
    json e;
    e["type"] = type;
    e["timestamp"] = AsteriskTime();
    for (auto& [k, v] : extra.items()) e[k] = v;
    e["channel"] = ChannelJson(c);
    Emit(std::move(e));
  }
  void EmitDial(const Chan& peer, const Chan* caller, const std::string& status) {
    if (!Visible(peer) && !(caller && Visible(*caller))) return;
    json e;
    e["type"] = "Dial";
    e["timestamp"] = AsteriskTime();
    e["dialstatus"] = status;
    e["forward"] = "";
    e["dialstring"] = peer.endpoint.substr(peer.endpoint.find('/') + 1);
    if (caller) e["caller"] = ChannelJson(*caller);
    e["peer"] = ChannelJson(peer);
    Emit(std::move(e));
  }
  void Broadcast(const std::string& text) {
    ++events_sent;
    for (auto& s : sessions) Send(s, text);
  }
  void Send(const std::shared_ptr<WsSession>& s, std::string text) {
    if (s->closed) return;
    s->queue.push_back(std::move(text));
    if (s->writing) return;
    s->writing = true;
    asio::co_spawn(
        io,
        [this, s]() -> awaitable<void> {
          while (!s->queue.empty() && !s->closed) {
            s->ws.text(true);
            auto [ec, n] = co_await s->ws.async_write(asio::buffer(s->queue.front()), kAsTuple);
            if (ec) {
              s->closed = true;
              break;
            }
            s->queue.pop_front();
          }
          s->writing = false;
        },
        asio::detached);
  }

  // --- world changes -----------------------------------------------------------
  std::string NewAsteriskId() { return fmt::format("1795480593.{}", next_id++); }

  Chan& AddChannel(std::string id, std::string name, std::string kind) {
    auto c = std::make_unique<Chan>();
    c->info.id = id;
    c->info.name = std::move(name);
    c->info.kind = std::move(kind);
    c->info.state = "Down";
    auto& ref = *c;
    channels[id] = std::move(c);
    return ref;
  }

  void EnterStasis(Chan& c, std::vector<std::string> args) {
    c.info.in_stasis = true;
    c.app_name = "Stasis";
    c.app_data = options.app;
    for (const auto& a : args) c.app_data += "," + a;
    c.args = args;
    EmitChannel("StasisStart", c, json{{"args", args}});
  }

  void LeaveBridge(Chan& c) {
    if (c.info.bridge.empty()) return;
    const auto it = bridges.find(c.info.bridge);
    c.info.bridge.clear();
    if (it == bridges.end()) return;
    auto& list = it->second->info.channels;
    std::erase(list, c.info.id);
    if (Visible(c)) {
      json e;
      e["type"] = "ChannelLeftBridge";
      e["timestamp"] = AsteriskTime();
      e["bridge"] = BridgeJson(*it->second);
      e["channel"] = ChannelJson(c);
      Emit(std::move(e));
    }
    UpdateStreaming();
  }

  void Destroy(const std::string& id, int cause, bool emit) {
    const auto it = channels.find(id);
    if (it == channels.end()) return;
    Chan& c = *it->second;
    if (!emit) subscribed.erase(id);
    const bool visible = emit && Visible(c);
    if (visible) EmitChannel("ChannelHangupRequest", c, json{{"cause", cause}, {"soft", true}});
    if (!emit) {
      if (!c.info.bridge.empty()) {
        if (auto b = bridges.find(c.info.bridge); b != bridges.end()) {
          std::erase(b->second->info.channels, id);
        }
        c.info.bridge.clear();
      }
    } else {
      LeaveBridge(c);
    }
    if (c.info.in_stasis && visible) EmitChannel("StasisEnd", c);
    c.info.in_stasis = false;
    if (visible) {
      json e;
      e["type"] = "ChannelDestroyed";
      e["timestamp"] = AsteriskTime();
      e["cause"] = 16;
      e["cause_txt"] = "Normal Clearing";
      e["channel"] = ChannelJson(c);
      e["channel"]["state"] = c.info.state;
      Emit(std::move(e));
    }
    subscribed.erase(id);
    if (c.socket) {
      boost::system::error_code ignored;
      c.socket->close(ignored);
    }
    const std::string peer = c.dialplan_peer;
    const std::string dialed_by = c.dialed_by;
    channels.erase(it);
    // A snoop goes with the channel it spies on; a dialplan call's two legs
    // go together.
    std::vector<std::string> dependents;
    for (auto& [cid, ch] : channels) {
      if (ch->info.kind == "snoop" && ch->info.snoop_target == id) dependents.push_back(cid);
    }
    if (!peer.empty()) dependents.push_back(peer);
    if (!dialed_by.empty()) dependents.push_back(dialed_by);
    for (const auto& d : dependents) Destroy(d, cause, emit);
    UpdateStreaming();
  }

  void UpdateStreaming() {
    bool any = false;
    for (auto& [id, c] : channels) {
      if (c->info.kind != "media") continue;
      const Chan* snoop = nullptr;
      if (!c->info.bridge.empty()) {
        if (auto b = bridges.find(c->info.bridge); b != bridges.end()) {
          for (const auto& other : b->second->info.channels) {
            auto o = channels.find(other);
            if (o != channels.end() && o->second->info.kind == "snoop") snoop = o->second.get();
          }
        }
      }
      c->streaming =
          snoop != nullptr && (options.rtp_packets == 0 || c->sent < options.rtp_packets);
      if (snoop) {
        c->stream_spy = snoop->info.spy;
        c->stream_target = snoop->info.snoop_target;
      }
      any = any || c->streaming;
    }
    if (any && !rtp_running) {
      rtp_running = true;
      rtp_next = std::chrono::steady_clock::now();
      ScheduleRtp();
    }
  }

  void ScheduleRtp() {
    rtp_next += std::chrono::milliseconds(20);
    rtp_timer.expires_at(rtp_next);
    rtp_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      bool any = false;
      for (auto& [id, c] : channels) {
        if (!c->streaming || !c->socket) continue;
        SendRtp(*c);
        if (options.rtp_packets != 0 && c->sent >= options.rtp_packets) c->streaming = false;
        any = any || c->streaming;
      }
      if (any) {
        ScheduleRtp();
      } else {
        rtp_running = false;
      }
    });
  }

  void SendRtp(Chan& c) {
    const auto& pcm = c.stream_spy == "out" ? agent_pcm : customer_pcm;
    std::array<std::int16_t, 160> frame{};
    for (std::size_t i = 0; i < frame.size(); ++i) {
      frame[i] = pcm[(c.sent * 160 + i) % pcm.size()];
    }
    std::vector<std::uint8_t> payload;
    rtp::PacketHeader h;
    h.sequence = c.seq++;
    h.ssrc = c.ssrc;
    h.marker = c.sent == 0;
    if (c.format == "slin16") {
      // 8 → 16 kHz by repetition: good enough for a fake.
      std::array<std::int16_t, 320> wide{};
      for (std::size_t i = 0; i < wide.size(); ++i) wide[i] = frame[i / 2];
      payload.resize(640);
      audio::EncodeSlinBigEndian(wide, payload);
      h.payload_type = 118;
      h.timestamp = c.timestamp;
      c.timestamp += 320;
    } else {
      payload.resize(160);
      if (c.format == "alaw") {
        audio::EncodeAlaw(frame, payload);
        h.payload_type = 8;
      } else {
        audio::EncodeUlaw(frame, payload);
        h.payload_type = 0;
      }
      h.timestamp = c.timestamp;
      c.timestamp += 160;
    }
    std::array<std::uint8_t, 1500> datagram{};
    auto n = rtp::SerializePacket(h, payload, datagram);
    if (!n) return;
    boost::system::error_code ignored;
    c.socket->send_to(asio::buffer(datagram.data(), *n), c.destination, 0, ignored);
    ++c.sent;
  }

  void After(std::chrono::milliseconds delay, std::function<void()> fn) {
    auto t = std::make_shared<asio::steady_timer>(io, delay);
    t->async_wait([t, fn = std::move(fn)](boost::system::error_code ec) {
      if (!ec) fn();
    });
  }

  // --- REST ------------------------------------------------------------------------
  using Params = std::vector<std::pair<std::string, std::string>>;

  static std::optional<std::string> Get(const Params& q, std::string_view name) {
    for (const auto& [k, v] : q) {
      if (k == name) return v;
    }
    return std::nullopt;
  }
  // 400 unless every parameter is allowed and every required one is there.
  std::optional<Reply> Check(const RecordedRequest& r, std::initializer_list<const char*> required,
                             std::initializer_list<const char*> optional) {
    for (const char* name : required) {
      if (!Get(r.query, name))
        return Bad(r, fmt::format("{}: missing parameter {}", r.Line(), name));
    }
    for (const auto& [k, v] : r.query) {
      bool known = false;
      for (const char* name : required) known = known || k == name;
      for (const char* name : optional) known = known || k == name;
      if (!known) return Bad(r, fmt::format("{}: unknown parameter {}", r.Line(), k));
    }
    return std::nullopt;
  }
  Reply Bad(const RecordedRequest&, std::string why) {
    bad_requests.push_back(why);
    return Message(400, why);
  }

  Reply Handle(const RecordedRequest& r) {
    const auto seg = Split(r.path.substr(1), '/');
    const std::string& m = r.method;
    const std::size_t n = seg.size();
    if (seg[0] == "channels") {
      if (n == 1 && m == "GET") return ListChannels();
      if (n == 1 && m == "POST") return Originate(r);
      if (n == 2 && seg[1] == "externalMedia" && m == "POST") return ExternalMedia(r);
      if (n == 2 && m == "GET") return GetChannel(seg[1]);
      if (n == 2 && m == "DELETE") return HangupRequest(r, seg[1]);
      if (n == 3 && seg[2] == "answer" && m == "POST") return Answer(r, seg[1]);
      if (n == 3 && seg[2] == "moh") return Moh(r, seg[1], m == "POST");
      if (n == 3 && seg[2] == "snoop" && m == "POST") return Snoop(r, seg[1]);
      if (n == 3 && seg[2] == "continue" && m == "POST") return Continue(r, seg[1]);
      if (n == 3 && seg[2] == "variable" && m == "GET") return Variable(r, seg[1]);
    } else if (seg[0] == "bridges") {
      if (n == 1 && m == "GET") return ListBridges();
      if (n == 1 && m == "POST") return CreateBridge(r, "");
      if (n == 2 && m == "POST") return CreateBridge(r, seg[1]);
      if (n == 2 && m == "DELETE") return DestroyBridge(seg[1]);
      if (n == 3 && seg[2] == "addChannel" && m == "POST") return AddToBridge(r, seg[1]);
    } else if (seg[0] == "endpoints" && n == 3 && m == "GET") {
      return Endpoint(seg[1], seg[2]);
    } else if (seg[0] == "applications" && n == 3 && seg[2] == "subscription" && m == "POST") {
      return Subscribe(r, seg[1]);
    }
    return Message(404, "Resource not found");
  }

  Reply ListChannels() {
    json list = json::array();
    for (const auto& [id, c] : channels) list.push_back(ChannelJson(*c));
    return {200, list.dump()};
  }
  Reply GetChannel(const std::string& id) {
    const auto it = channels.find(id);
    if (it == channels.end()) return Message(404, "Channel not found");
    return {200, ChannelJson(*it->second).dump()};
  }
  Reply ListBridges() {
    json list = json::array();
    for (const auto& [id, b] : bridges) list.push_back(BridgeJson(*b));
    return {200, list.dump()};
  }

  Reply Originate(const RecordedRequest& r) {
    if (auto bad = Check(r, {"endpoint", "app"},
                         {"appArgs", "callerId", "timeout", "channelId", "otherChannelId"})) {
      return *bad;
    }
    const std::string endpoint = *Get(r.query, "endpoint");
    if (*Get(r.query, "app") != options.app) return Bad(r, "originate into another app");
    const auto slash = endpoint.find('/');
    if (slash == std::string::npos) return Bad(r, "endpoint without technology");
    const std::string resource = endpoint.substr(slash + 1);
    const auto agent = agents.find(resource);
    if (endpoint.substr(0, slash) != "PJSIP" || agent == agents.end()) {
      return Message(400, "Invalid endpoint");
    }
    const std::string id = Get(r.query, "channelId").value_or(NewAsteriskId());
    if (channels.contains(id)) return Message(409, "Channel with id already exists");
    // Asterisk 22 with a PJSIP endpoint that has no contact: the dial's
    // prerun fails, no channel is created and ARI answers 500 "Allocation
    // failed" (seen by tests/asterisk: an unregistered agent).
    if (agent->second == AgentBehavior::kOffline) return Message(500, "Allocation failed");
    int timeout = 30;
    if (auto t = Get(r.query, "timeout")) timeout = std::stoi(*t);
    Chan& c = AddChannel(id, fmt::format("PJSIP/{}-{:08x}", resource, name_seq++), "agent");
    c.endpoint = endpoint;
    c.app_owned = true;
    c.context = "agents";
    c.app_name = "AppDial2";
    c.app_data = "(Outgoing Line)";
    c.caller_name = Get(r.query, "callerId").value_or("");
    c.connected_name = c.caller_name;
    std::vector<std::string> args;
    if (auto a = Get(r.query, "appArgs")) args = Split(*a, ',');
    const Reply reply{200, ChannelJson(c).dump()};
    const AgentBehavior behavior = agent->second;
    After(std::chrono::milliseconds(1), [this, id, behavior, args, timeout] {
      auto it = channels.find(id);
      if (it == channels.end()) return;
      Chan& ch = *it->second;
      EmitDial(ch, nullptr, "");
      if (behavior == AgentBehavior::kBusy) {
        EmitDial(ch, nullptr, "BUSY");
        Destroy(id, 17, true);
        return;
      }
      ch.info.state = "Ringing";
      EmitDial(ch, nullptr, "RINGING");
      if (behavior == AgentBehavior::kNoAnswer) {
        After(std::chrono::seconds(timeout), [this, id] {
          auto it2 = channels.find(id);
          if (it2 == channels.end()) return;
          EmitDial(*it2->second, nullptr, "NOANSWER");
          Destroy(id, 19, true);
        });
        return;
      }
      After(options.answer_delay, [this, id, args] {
        auto it2 = channels.find(id);
        if (it2 == channels.end()) return;
        Chan& a = *it2->second;
        a.info.state = "Up";
        EmitDial(a, nullptr, "ANSWER");
        EnterStasis(a, args);
      });
    });
    return reply;
  }

  Reply ExternalMedia(const RecordedRequest& r) {
    if (auto bad = Check(r, {"app", "external_host", "format"},
                         {"channelId", "encapsulation", "transport", "connection_type", "direction",
                          "variables", "data"})) {
      return *bad;
    }
    if (*Get(r.query, "app") != options.app) return Bad(r, "externalMedia into another app");
    const std::string format = *Get(r.query, "format");
    if (format != "ulaw" && format != "alaw" && format != "slin16") {
      return Bad(r, "unsupported format " + format);
    }
    if (Get(r.query, "encapsulation").value_or("rtp") != "rtp" ||
        Get(r.query, "transport").value_or("udp") != "udp" ||
        Get(r.query, "connection_type").value_or("client") != "client" ||
        Get(r.query, "direction").value_or("both") != "both") {
      return Bad(r, "unsupported encapsulation/transport/connection_type/direction");
    }
    const std::string host = *Get(r.query, "external_host");
    const auto colon = host.rfind(':');
    if (colon == std::string::npos) return Bad(r, "external_host without port");
    boost::system::error_code ec;
    std::string address = host.substr(0, colon);
    if (address.starts_with('[')) address = address.substr(1, address.size() - 2);
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) return Bad(r, "external_host is not an address: " + host);
    const std::string id = Get(r.query, "channelId").value_or(NewAsteriskId());
    if (channels.contains(id)) return Message(409, "Channel with id already exists");
    Chan& c =
        AddChannel(id, fmt::format("UnicastRTP/{}-0x7f04040{:05x}", host, name_seq++), "media");
    c.app_owned = true;
    c.app_name = "AppDial2";
    c.app_data = "(Outgoing Line)";
    c.external_host = host;
    c.format = format;
    c.destination =
        udp::endpoint(ip, static_cast<std::uint16_t>(std::stoi(host.substr(colon + 1))));
    c.socket =
        std::make_unique<udp::socket>(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    c.ssrc = static_cast<std::uint32_t>(rng());
    c.seq = static_cast<std::uint16_t>(rng());
    c.timestamp = static_cast<std::uint32_t>(rng());
    json body = ChannelJson(c);
    if (options.channelvars_in_response) {
      body["channelvars"] = {
          {"UNICASTRTP_LOCAL_PORT", std::to_string(c.socket->local_endpoint().port())},
          {"UNICASTRTP_LOCAL_ADDRESS", "127.0.0.1"}};
    }
    Reply reply{200, body.dump()};
    c.info.state = "Up";
    StartHelper(c, {}, reply);
    return reply;
  }

  // A helper enters the app: before the HTTP answer (with the answer held
  // back a little) or after it.
  void StartHelper(Chan& c, std::vector<std::string> args, Reply& reply) {
    bool before = options.helper_start == HelperStart::kBeforeResponse;
    if (options.helper_start == HelperStart::kEither) before = (rng() & 1) != 0;
    if (before) {
      EnterStasis(c, std::move(args));
      reply.delay = std::chrono::milliseconds(20);
    } else {
      const std::string id = c.info.id;
      const auto max_ms = std::max<long long>(1, options.helper_start_max_delay.count());
      const auto delay = std::chrono::milliseconds(1 + static_cast<long long>(rng() % max_ms));
      After(delay, [this, id, args] {
        if (auto it = channels.find(id); it != channels.end()) EnterStasis(*it->second, args);
      });
    }
  }

  Reply HangupRequest(const RecordedRequest& r, const std::string& id) {
    if (auto bad = Check(r, {}, {"reason_code", "reason"})) return *bad;
    if (!channels.contains(id)) return Message(404, "Channel not found");
    Destroy(id, 32, true);
    return {204, ""};
  }

  Reply Answer(const RecordedRequest& r, const std::string& id) {
    if (auto bad = Check(r, {}, {})) return *bad;
    const auto it = channels.find(id);
    if (it == channels.end()) return Message(404, "Channel not found");
    if (!it->second->info.in_stasis) return Message(409, "Channel not in Stasis application");
    if (it->second->info.state != "Up") {
      it->second->info.state = "Up";
      EmitChannel("ChannelStateChange", *it->second);
    }
    return {204, ""};
  }

  Reply Moh(const RecordedRequest& r, const std::string& id, bool start) {
    if (auto bad = Check(r, {}, {"mohClass"})) return *bad;
    const auto it = channels.find(id);
    if (it == channels.end()) return Message(404, "Channel not found");
    if (!it->second->info.in_stasis) return Message(409, "Channel not in Stasis application");
    it->second->info.moh = start;
    return {204, ""};
  }

  Reply Snoop(const RecordedRequest& r, const std::string& target) {
    if (auto bad = Check(r, {"app"}, {"spy", "whisper", "appArgs", "snoopId"})) return *bad;
    if (*Get(r.query, "app") != options.app) return Bad(r, "snoop into another app");
    const std::string spy = Get(r.query, "spy").value_or("none");
    const std::string whisper = Get(r.query, "whisper").value_or("none");
    const std::set<std::string> directions = {"none", "both", "out", "in"};
    if (!directions.contains(spy) || !directions.contains(whisper))
      return Bad(r, "bad spy/whisper");
    if (!channels.contains(target)) return Message(404, "Channel not found");
    const std::string id = Get(r.query, "snoopId").value_or(NewAsteriskId());
    if (channels.contains(id)) return Message(409, "Channel with id already exists");
    Chan& c = AddChannel(id, fmt::format("Snoop/{}-{:08x}", target, name_seq++), "snoop");
    c.app_owned = true;
    c.info.state = "Up";
    c.info.snoop_target = target;
    c.info.spy = spy;
    std::vector<std::string> args;
    if (auto a = Get(r.query, "appArgs")) args = Split(*a, ',');
    Reply reply{200, ChannelJson(c).dump()};
    StartHelper(c, args, reply);
    return reply;
  }

  Reply Continue(const RecordedRequest& r, const std::string& id) {
    if (auto bad = Check(r, {}, {"context", "extension", "priority", "label"})) return *bad;
    const auto it = channels.find(id);
    if (it == channels.end()) return Message(404, "Channel not found");
    Chan& c = *it->second;
    if (!c.info.in_stasis) return Message(409, "Channel not in Stasis application");
    LeaveBridge(c);
    EmitChannel("StasisEnd", c);
    c.info.in_stasis = false;
    c.app_name = "Dial";
    c.app_data = "";
    if (!dialplan_agent.empty() && c.info.kind == "customer") {
      const std::string agent = dialplan_agent;
      After(std::chrono::milliseconds(10), [this, id, agent] {
        auto cust = channels.find(id);
        if (cust == channels.end()) return;
        const std::string aid = NewAsteriskId();
        Chan& a = AddChannel(aid, fmt::format("PJSIP/{}-{:08x}", agent, name_seq++), "agent");
        a.endpoint = "PJSIP/" + agent;
        a.context = "agents";
        a.app_name = "AppDial";
        a.app_data = "(Outgoing Line)";
        a.dialed_by = id;
        cust->second->dialplan_peer = aid;
        EmitDial(a, cust->second.get(), "");
        a.info.state = "Ringing";
        EmitDial(a, cust->second.get(), "RINGING");
        After(options.answer_delay, [this, id, aid] {
          auto c2 = channels.find(id);
          auto a2 = channels.find(aid);
          if (c2 == channels.end() || a2 == channels.end()) return;
          a2->second->info.state = "Up";
          c2->second->info.state = "Up";
          EmitDial(*a2->second, c2->second.get(), "ANSWER");
        });
      });
    }
    return {204, ""};
  }

  Reply Variable(const RecordedRequest& r, const std::string& id) {
    if (auto bad = Check(r, {"variable"}, {})) return *bad;
    const auto it = channels.find(id);
    if (it == channels.end()) return Message(404, "Channel not found");
    const Chan& c = *it->second;
    const std::string name = *Get(r.query, "variable");
    std::optional<std::string> value;
    if (c.info.kind == "media" && name == "UNICASTRTP_LOCAL_ADDRESS") value = "127.0.0.1";
    if (c.info.kind == "media" && name == "UNICASTRTP_LOCAL_PORT") {
      value = std::to_string(c.socket->local_endpoint().port());
    }
    if (c.info.kind == "customer" && name == "PJSIP_HEADER(read,From)") {
      value = fmt::format("\"Customer\" <sip:{}@{}>;tag=abc", c.info.caller_number, c.sip_host);
    }
    if (c.info.kind == "customer" && name == "CHANNEL(pjsip,remote_addr)") {
      value = c.sip_host + ":5060";
    }
    if (!value) return Message(404, "Provided variable was not found");
    return {200, json{{"value", *value}}.dump()};
  }

  Reply CreateBridge(const RecordedRequest& r, std::string id) {
    if (auto bad = Check(r, {}, {"type", "bridgeId", "name"})) return *bad;
    const std::string type = Get(r.query, "type").value_or("mixing");
    if (type != "mixing") return Bad(r, "only mixing bridges are expected");
    if (id.empty()) id = Get(r.query, "bridgeId").value_or(fmt::format("bridge-{}", next_id++));
    if (bridges.contains(id)) return Message(409, "Bridge with id already exists");
    auto b = std::make_unique<Br>();
    b->info.id = id;
    b->info.name = Get(r.query, "name").value_or("");
    Reply reply{200, BridgeJson(*b).dump()};
    bridges[id] = std::move(b);
    return reply;
  }

  Reply DestroyBridge(const std::string& id) {
    const auto it = bridges.find(id);
    if (it == bridges.end()) return Message(404, "Bridge not found");
    const auto members = it->second->info.channels;
    for (const auto& cid : members) {
      if (auto c = channels.find(cid); c != channels.end()) LeaveBridge(*c->second);
    }
    json e;
    e["type"] = "BridgeDestroyed";
    e["timestamp"] = AsteriskTime();
    e["bridge"] = BridgeJson(*bridges.at(id));
    bridges.erase(id);
    Emit(std::move(e));
    UpdateStreaming();
    return {204, ""};
  }

  Reply AddToBridge(const RecordedRequest& r, const std::string& id) {
    if (auto bad =
            Check(r, {"channel"}, {"role", "absorbDTMF", "mute", "inhibitConnectedLineUpdates"})) {
      return *bad;
    }
    const auto it = bridges.find(id);
    if (it == bridges.end()) return Message(404, "Bridge not found");
    const auto ids = Split(*Get(r.query, "channel"), ',');
    for (const auto& cid : ids) {
      const auto c = channels.find(cid);
      if (c == channels.end()) return Message(400, "Channel not found");
      if (!c->second->info.in_stasis) return Message(422, "Channel not in Stasis application");
    }
    for (const auto& cid : ids) {
      Chan& c = *channels.at(cid);
      if (c.info.bridge == id) continue;
      LeaveBridge(c);
      c.info.bridge = id;
      it->second->info.channels.push_back(cid);
      json e;
      e["type"] = "ChannelEnteredBridge";
      e["timestamp"] = AsteriskTime();
      e["bridge"] = BridgeJson(*it->second);
      e["channel"] = ChannelJson(c);
      if (Visible(c)) Emit(std::move(e));
    }
    UpdateStreaming();
    return {204, ""};
  }

  Reply Endpoint(const std::string& tech, const std::string& resource) {
    const auto it = agents.find(resource);
    if (tech != "PJSIP" || it == agents.end()) return Message(404, "Endpoint not found");
    json ids = json::array();
    for (const auto& [id, c] : channels) {
      if (c->endpoint == "PJSIP/" + resource) ids.push_back(id);
    }
    return {200, json{{"technology", "PJSIP"},
                      {"resource", resource},
                      {"state", it->second == AgentBehavior::kOffline ||
                                        it->second == AgentBehavior::kNotQualified
                                    ? "offline"
                                    : "online"},
                      {"channel_ids", ids}}
                     .dump()};
  }

  Reply Subscribe(const RecordedRequest& r, const std::string& app) {
    if (auto bad = Check(r, {"eventSource"}, {})) return *bad;
    if (app != options.app) return Message(404, "Application not found");
    const std::string source = *Get(r.query, "eventSource");
    if (!source.starts_with("channel:")) return Bad(r, "only channel: sources expected");
    const std::string id = source.substr(8);
    if (!channels.contains(id)) return Message(422, "Event source does not exist");
    subscribed.insert(id);
    return {200, json{{"name", app},
                      {"channel_ids", json::array({id})},
                      {"bridge_ids", json::array()},
                      {"endpoint_ids", json::array()},
                      {"device_names", json::array()}}
                     .dump()};
  }

  // --- HTTP / WebSocket -----------------------------------------------------------
  awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kAsTuple);
      if (ec) co_return;
      asio::co_spawn(io, Serve(std::move(socket)), asio::detached);
    }
  }

  bool Authorized(const http::request<http::string_body>& req) const {
    const auto it = req.find(http::field::authorization);
    if (it == req.end()) return false;
    static constexpr char kTable[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string in = options.username + ":" + options.password;
    std::string expected = "Basic ";
    unsigned bits = 0;
    int count = 0;
    for (unsigned char ch : in) {
      bits = (bits << 8) | ch;
      count += 8;
      while (count >= 6) {
        count -= 6;
        expected += kTable[(bits >> count) & 63];
      }
    }
    if (count > 0) expected += kTable[(bits << (6 - count)) & 63];
    while ((expected.size() - 6) % 4 != 0) expected += '=';
    return std::string_view(it->value()) == expected;
  }

  awaitable<void> Serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(stream, buffer, req, kAsTuple);
      if (ec) co_return;
      const std::string target(req.target());
      const auto q = target.find('?');
      const std::string path = target.substr(0, q);
      Params query;
      if (q != std::string::npos) {
        for (const auto& item : Split(std::string_view(target).substr(q + 1), '&')) {
          if (item.empty()) continue;
          const auto eq = item.find('=');
          query.emplace_back(PercentDecode(item.substr(0, eq)),
                             eq == std::string::npos ? "" : PercentDecode(item.substr(eq + 1)));
        }
      }
      if (websocket::is_upgrade(req)) {
        co_await ServeEvents(std::move(stream), std::move(req), path, query);
        co_return;
      }
      Reply reply;
      if (path.starts_with("/notice")) {
        notices.push_back(req.body());
        reply = Reply{200, "{}"};
      } else if (!path.starts_with("/ari/")) {
        reply = Message(404, "Not found");
      } else if (!Authorized(req)) {
        ++unauthorized;
        reply = Message(401, "Authentication required");
      } else {
        RecordedRequest record;
        record.method = std::string(req.method_string());
        record.path = path.substr(4);
        record.query = query;
        const std::size_t index = ++request_count;
        std::optional<FailMode> fail;
        if (auto f = failures.find(index); f != failures.end()) {
          fail = f->second;
          failures.erase(f);
        }
        if (fail == FailMode::kStatus500) {
          reply = Message(500, "Internal Server Error");
        } else {
          reply = Handle(record);
          if (fail == FailMode::kExecuteThen500) reply = Message(500, "Internal Server Error");
          if (fail == FailMode::kDropConnection) reply.drop = true;
        }
        record.status = reply.drop ? 0 : reply.status;
        requests.push_back(std::move(record));
      }
      if (reply.drop) {
        boost::system::error_code ignored;
        stream.socket().close(ignored);
        co_return;
      }
      if (reply.delay.count() > 0) {
        asio::steady_timer t(io, reply.delay);
        co_await t.async_wait(kAsTuple);
      }
      http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
      res.set(http::field::server, "Asterisk/22.10.1");
      if (!reply.body.empty()) res.set(http::field::content_type, "application/json");
      res.body() = std::move(reply.body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(stream, res, kAsTuple);
      if (wec || !req.keep_alive()) co_return;
    }
  }

  awaitable<void> ServeEvents(beast::tcp_stream stream, http::request<http::string_body> req,
                              const std::string& path, const Params& query) {
    unsigned refuse = 0;
    if (path != "/ari/events") refuse = 404;
    if (!Authorized(req)) {
      ++unauthorized;
      refuse = 401;
    }
    if (!refuse && (Get(query, "app") != options.app || Get(query, "subscribeAll") != "false")) {
      bad_requests.push_back("events: app=" + Get(query, "app").value_or("") +
                             " subscribeAll=" + Get(query, "subscribeAll").value_or(""));
      refuse = 400;
    }
    if (!refuse && !accept_events) refuse = 503;
    if (refuse) {
      http::response<http::string_body> res{static_cast<http::status>(refuse), 11};
      res.body() = json{{"message", "refused"}}.dump();
      res.keep_alive(false);
      res.prepare_payload();
      co_await http::async_write(stream, res, kAsTuple);
      co_return;
    }
    auto session = std::make_shared<WsSession>(std::move(stream));
    auto [ec] = co_await session->ws.async_accept(req, kAsTuple);
    if (ec) co_return;
    ++events_accepted;
    sessions.push_back(session);
    beast::flat_buffer buffer;
    for (;;) {
      auto [rec, n] = co_await session->ws.async_read(buffer, kAsTuple);
      if (rec) break;
      buffer.clear();
    }
    session->closed = true;
    std::erase(sessions, session);
  }

  FakeAriOptions options;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::thread thread;
  asio::steady_timer rtp_timer;
  bool rtp_running = false;
  std::chrono::steady_clock::time_point rtp_next;
  std::mt19937 rng;
  std::vector<std::int16_t> customer_pcm, agent_pcm;

  std::map<std::string, std::unique_ptr<Chan>> channels;
  std::map<std::string, std::unique_ptr<Br>> bridges;
  std::map<std::string, AgentBehavior> agents;
  std::string dialplan_agent;
  std::set<std::string> subscribed;
  std::vector<std::shared_ptr<WsSession>> sessions;
  std::vector<RecordedRequest> requests;
  std::vector<std::string> notices;
  std::vector<std::string> bad_requests;
  std::map<std::size_t, FailMode> failures;  // by request index
  std::size_t request_count = 0;
  std::size_t unauthorized = 0;
  std::size_t events_accepted = 0;
  std::size_t events_sent = 0;
  bool accept_events = true;
  std::uint64_t next_id = 0;
  unsigned name_seq = 0;
};

FakeAri::FakeAri(FakeAriOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
FakeAri::~FakeAri() = default;

std::uint16_t FakeAri::port() const { return impl_->port; }
std::string FakeAri::AriUrl() const { return fmt::format("http://127.0.0.1:{}/ari", impl_->port); }
std::string FakeAri::NoticeUrl() const {
  return fmt::format("http://127.0.0.1:{}/notice/ai/api/v1/agent/broadcast", impl_->port);
}

void FakeAri::SetAgent(const std::string& resource, AgentBehavior behavior) {
  impl_->RunSync([&] { impl_->agents[resource] = behavior; });
}

void FakeAri::SetDialplanAgent(const std::string& resource) {
  impl_->RunSync([&] { impl_->dialplan_agent = resource; });
}

std::string FakeAri::StartCall(const std::string& number, const std::string& sip_host) {
  return impl_->RunSync([&] {
    Impl& d = *impl_;
    const std::string id = d.NewAsteriskId();
    auto& c = d.AddChannel(id, fmt::format("PJSIP/customer-{:08x}", d.name_seq++), "customer");
    c.info.state = "Ring";
    c.info.caller_number = number;
    c.caller_name = "Kim Customer";
    c.context = "inbound";
    c.exten = "1000";
    c.sip_host = sip_host;
    d.EnterStasis(c, {});
    return id;
  });
}

void FakeAri::HangUp(const std::string& id) {
  impl_->RunSync([&] { impl_->Destroy(id, 16, true); });
}

void FakeAri::HangUpSilently(const std::string& id) {
  impl_->RunSync([&] { impl_->Destroy(id, 16, false); });
}

void FakeAri::AddRawChannel(const std::string& id, const std::string& name, const std::string& kind,
                            bool in_stasis, const std::string& caller_number) {
  impl_->RunSync([&] {
    auto& c = impl_->AddChannel(id, name, kind);
    c.info.state = "Up";
    c.info.in_stasis = in_stasis;
    c.info.caller_number = caller_number;
    if (in_stasis) {
      c.app_name = "Stasis";
      c.app_data = impl_->options.app;
    }
    if (kind == "agent") c.endpoint = "PJSIP/" + name.substr(6, name.find('-') - 6);
  });
}

void FakeAri::AddRawBridge(const std::string& id, const std::vector<std::string>& members) {
  impl_->RunSync([&] {
    auto b = std::make_unique<Impl::Br>();
    b->info.id = id;
    b->info.name = id;
    for (const auto& m : members) {
      b->info.channels.push_back(m);
      if (auto c = impl_->channels.find(m); c != impl_->channels.end()) c->second->info.bridge = id;
    }
    impl_->bridges[id] = std::move(b);
  });
}

void FakeAri::Restart() {
  impl_->RunSync([&] {
    Impl& d = *impl_;
    for (auto& s : d.sessions) {
      s->closed = true;
      beast::get_lowest_layer(s->ws).close();
    }
    for (auto& [id, c] : d.channels) {
      if (c->socket) c->socket->close();
    }
    d.channels.clear();
    d.bridges.clear();
    d.subscribed.clear();
  });
}

void FakeAri::FailNthRequest(std::size_t n, FailMode mode) {
  impl_->RunSync([&] { impl_->failures[impl_->request_count + n] = mode; });
}

void FakeAri::DropEventConnections() {
  impl_->RunSync([&] {
    for (auto& s : impl_->sessions) {
      s->closed = true;
      beast::get_lowest_layer(s->ws).close();
    }
  });
}

void FakeAri::SetAcceptEvents(bool accept) {
  impl_->RunSync([&] { impl_->accept_events = accept; });
}

void FakeAri::SendRawEvent(const std::string& text) {
  impl_->RunSync([&] { impl_->Broadcast(text); });
}

std::vector<RecordedRequest> FakeAri::Requests() const {
  return impl_->RunSync([&] { return impl_->requests; });
}
std::size_t FakeAri::RequestCount() const {
  return impl_->RunSync([&] { return impl_->request_count; });
}
std::vector<std::string> FakeAri::Notices() const {
  return impl_->RunSync([&] { return impl_->notices; });
}
std::vector<FakeChannel> FakeAri::Channels() const {
  return impl_->RunSync([&] {
    std::vector<FakeChannel> out;
    for (const auto& [id, c] : impl_->channels) out.push_back(c->info);
    return out;
  });
}
std::optional<FakeChannel> FakeAri::Channel(const std::string& id) const {
  return impl_->RunSync([&]() -> std::optional<FakeChannel> {
    const auto it = impl_->channels.find(id);
    if (it == impl_->channels.end()) return std::nullopt;
    return it->second->info;
  });
}
std::vector<FakeBridge> FakeAri::Bridges() const {
  return impl_->RunSync([&] {
    std::vector<FakeBridge> out;
    for (const auto& [id, b] : impl_->bridges) out.push_back(b->info);
    return out;
  });
}
std::optional<FakeBridge> FakeAri::Bridge(const std::string& id) const {
  return impl_->RunSync([&]() -> std::optional<FakeBridge> {
    const auto it = impl_->bridges.find(id);
    if (it == impl_->bridges.end()) return std::nullopt;
    return it->second->info;
  });
}
std::vector<FakeRtpStream> FakeAri::RtpStreams() const {
  return impl_->RunSync([&] {
    std::vector<FakeRtpStream> out;
    for (const auto& [id, c] : impl_->channels) {
      if (c->info.kind != "media" || !c->socket) continue;
      FakeRtpStream s;
      s.media_channel = id;
      s.spy = c->stream_spy;
      s.target_channel = c->stream_target;
      s.local_port = c->socket->local_endpoint().port();
      s.destination = c->external_host;
      s.ssrc = c->ssrc;
      s.sent = c->sent;
      s.format = c->format;
      out.push_back(std::move(s));
    }
    return out;
  });
}
std::size_t FakeAri::EventConnections() const {
  return impl_->RunSync([&] { return impl_->sessions.size(); });
}
std::size_t FakeAri::EventConnectionsAccepted() const {
  return impl_->RunSync([&] { return impl_->events_accepted; });
}
std::size_t FakeAri::UnauthorizedRequests() const {
  return impl_->RunSync([&] { return impl_->unauthorized; });
}
std::size_t FakeAri::EventsSent() const {
  return impl_->RunSync([&] { return impl_->events_sent; });
}
std::vector<std::string> FakeAri::BadRequests() const {
  return impl_->RunSync([&] { return impl_->bad_requests; });
}

}  // namespace aicc::fakes
