// A fake Asterisk ARI for tests: HTTP REST + the events WebSocket on one
// loopback port (Boost.Beast), implementing the subset aicc uses with the
// shapes captured from a real Asterisk (tests/data/ari-samples/):
//
//   channels: list/get/hang up, originate (endpoint/app/appArgs/callerId/
//             timeout/channelId), answer, moh start/stop, snoop (spy/whisper/
//             snoopId/appArgs), externalMedia (RTP over UDP, channelvars with
//             UNICASTRTP_LOCAL_ADDRESS/PORT), continue, variables
//   bridges:  list/create (bridgeId/name)/destroy, addChannel (comma list)
//   endpoints: state of PJSIP/<agent>
//   applications: subscription (eventSource=channel:<id>)
//   events:   StasisStart/End, ChannelStateChange, ChannelHangupRequest,
//             ChannelDestroyed, Dial, ChannelEnteredBridge/LeftBridge,
//             BridgeDestroyed — to the app only for channels it can see (in
//             Stasis, originated/created by it, or subscribed), like
//             subscribeAll=false.
//
// Every ExternalMedia channel owns a UDP socket (its UNICASTRTP_LOCAL_PORT)
// and, once it shares a bridge with a snoop, sends real RTP (20 ms packets
// of a WAV, encoded as the channel's format) from that port to its
// external_host: the customer's WAV for spy=in, the agent's for spy=out.
//
// Requests are recorded and checked (unknown or missing parameters → 400
// like a strict server); the n-th request can be made to fail. As a real
// Asterisk 22 does, a snoop or ExternalMedia channel enters the app either
// before the HTTP answer that created it or some time after it, and
// `addChannel` answers 422 "Channel not in Stasis application" for a
// channel whose StasisStart has not happened yet.
//
// Threading: the fake runs on its own thread. Every public method is
// thread-safe (it runs on the fake's thread and waits for the result).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aicc::fakes {

enum class HelperStart { kBeforeResponse, kAfterResponse, kEither };

// kOffline: no contact registered (the originate answers 500 "Allocation
// failed", as Asterisk 22 does, and no channel exists).
// kNotQualified: after an Asterisk restart that kept its astdb, a phone's
// restored contact is NonQualified and the endpoint reads "offline" until
// the next qualify, but a call to it rings and is answered.
enum class AgentBehavior { kAnswer, kNoAnswer, kBusy, kOffline, kNotQualified };

enum class FailMode {
  kStatus500,       // answer 500 without doing anything
  kExecuteThen500,  // do it, then answer 500 (the answer "was lost")
  kDropConnection,  // do it, then close the connection without an answer
};

struct FakeAriOptions {
  std::string app = "aicc-test";
  std::string username = "aicc";
  std::string password = "s3cret-pass";
  std::string customer_wav;  // 8 kHz mono WAVs sent as RTP (spy=in / spy=out)
  std::string agent_wav;
  std::size_t rtp_packets = 50;  // per stream; 0 = until the channel goes
  std::chrono::milliseconds answer_delay{30};
  // When a snoop/ExternalMedia channel's StasisStart is sent: before the
  // HTTP answer, after it (1 ms … helper_start_max_delay later), or either
  // at random (seeded, as a real Asterisk: seen both ways).
  HelperStart helper_start = HelperStart::kEither;
  std::chrono::milliseconds helper_start_max_delay{150};
  bool channelvars_in_response = true;
};

struct RecordedRequest {
  std::string method;  // GET POST DELETE
  std::string path;    // without the /ari prefix: /channels/1.2/answer
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  unsigned status = 0;
  std::string Param(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string Line() const;  // "POST /channels/1.2/answer"
};

struct FakeChannel {
  std::string id;
  std::string name;
  std::string state;
  std::string kind;  // customer | agent | snoop | media | other
  std::string bridge;
  bool in_stasis = false;
  bool moh = false;
  std::string snoop_target;  // snoop: the channel it spies on
  std::string spy;           // snoop: in | out
  std::string caller_number;
};

struct FakeBridge {
  std::string id;
  std::string name;
  std::vector<std::string> channels;
};

struct FakeRtpStream {
  std::string media_channel;
  std::string spy;             // of the snoop in its bridge
  std::string target_channel;  // the channel that snoop spies on
  std::uint16_t local_port = 0;
  std::string destination;  // external_host
  std::uint32_t ssrc = 0;
  std::size_t sent = 0;
  std::string format;
};

class FakeAri {
 public:
  explicit FakeAri(FakeAriOptions options);
  ~FakeAri();
  FakeAri(const FakeAri&) = delete;
  FakeAri& operator=(const FakeAri&) = delete;

  std::uint16_t port() const;
  std::string AriUrl() const;     // http://127.0.0.1:<port>/ari
  std::string NoticeUrl() const;  // http://127.0.0.1:<port>/notice (CALL_STARTED)

  // --- the world -----------------------------------------------------------
  void SetAgent(const std::string& resource, AgentBehavior behavior);
  // routing = dialplan: after `continue`, the dialplan Dial()s this agent.
  void SetDialplanAgent(const std::string& resource);
  // A SIP customer calls: its channel enters the app (state Ring). Returns
  // the channel id.
  std::string StartCall(const std::string& number, const std::string& sip_host = "10.0.0.5");
  // Someone hangs up (customer or agent): the usual events.
  void HangUp(const std::string& channel_id);
  // Hangs up without any event reaching the app (while it is disconnected).
  void HangUpSilently(const std::string& channel_id);
  // State left by an earlier aicc process (no events).
  void AddRawChannel(const std::string& id, const std::string& name, const std::string& kind,
                     bool in_stasis, const std::string& caller_number = "");
  void AddRawBridge(const std::string& id, const std::vector<std::string>& channels);
  // Asterisk restarts: every channel and bridge is gone, the app's
  // connections drop.
  void Restart();

  // --- faults ---------------------------------------------------------------
  // The n-th ARI request from now (1 = the next one) fails.
  void FailNthRequest(std::size_t n, FailMode mode);
  void DropEventConnections();
  void SetAcceptEvents(bool accept);
  void SendRawEvent(const std::string& text);

  // --- inspection ------------------------------------------------------------
  std::vector<RecordedRequest> Requests() const;
  std::size_t RequestCount() const;
  std::vector<std::string> Notices() const;  // bodies POSTed to NoticeUrl()
  std::vector<FakeChannel> Channels() const;
  std::optional<FakeChannel> Channel(const std::string& id) const;
  std::vector<FakeBridge> Bridges() const;
  std::optional<FakeBridge> Bridge(const std::string& id) const;
  std::vector<FakeRtpStream> RtpStreams() const;
  std::size_t EventConnections() const;
  std::size_t EventConnectionsAccepted() const;
  std::size_t UnauthorizedRequests() const;
  std::size_t EventsSent() const;
  // Lines of what was refused as a bad request (400), for diagnostics.
  std::vector<std::string> BadRequests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Polls `done` every 10 ms until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

}  // namespace aicc::fakes
