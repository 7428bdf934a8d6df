// The calls aicc is analysing, and the glue between the RTP receiver and
// each call's speaker pipelines.
//
// Usage:
//   CallRegistry registry(io.get_executor(), deps, options);
//   rtp::Receiver receiver(registry.executor(), receiver_options, registry, &metrics);
//   registry.AttachReceiver(&receiver);
//   // ARI mode: the call controller tells the registry about calls and sources.
//   registry.StartCall({call_id, channel_id, number, agent});
//   registry.AddMediaSource(call_id, Speaker::kCustomer, asterisk_endpoint);
//   registry.EndCall(call_id, "hangup");
//   registry.SuspendCall(call_id);   // kept by call control at shutdown: no metadata_end
//   // Pipeline-only mode (--no-ari): options.pipeline_only = true; the first
//   // stream on either port starts a call, a stream on the other port joins it.
//
// Across restarts (DESIGN.md §4: one metadata_start and one metadata_end per
// call, seq never restarts): give the registry the calls the journal shows
// open before any call starts,
//   registry.CarryOver(dispatcher.OpenCalls());
// a StartCall with one of their ids continues that call (seq goes on, no
// second metadata_start, the recorded timeline origin), and
//   registry.CloseCarriedOver();   // pipeline-only: at once; ARI: after the first reconcile
// sends metadata_end ("recovered") for the ones nobody continued.
//
// Threading and ownership: the registry lives on its own strand (also the
// receiver's), owns every Call; each Call owns its two SpeakerPipelines and
// runs them on the call's own strand. Public methods are thread-safe (they
// post); receiver callbacks arrive on the registry strand. Decoded frames go
// to a call through its bounded ring (128 slots of 20 ms at 8 kHz; full: dropped and counted,
// aicc_frames_backlog_dropped_total), with at most one drain posted per call
// at a time: no allocation per frame. The fullest ring and the drops reach
// the overload guard through the receiver (Receiver::ReportBacklog).
// Destroy the registry with its io context stopped or drained; handlers
// still queued then do nothing, and calls still finishing keep their own
// copies of the deps and options.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/logging.h"
#include "core/metrics.h"
#include "events/call_progress.h"
#include "events/event.h"
#include "pii/masker.h"
#include "pipeline/speaker_pipeline.h"
#include "rtp/receiver.h"

namespace aicc::pipeline {

class Call;

struct CallMeta {
  std::string call_id;
  std::string channel_id;
  std::string customer_number = "unknown";
  std::optional<std::string> agent_id;
  // The origin of the call's timeline (turn start_time/end_time count from
  // it): ARI mode passes when the call was answered; nullopt means now (the
  // call's first packet in pipeline-only mode). A continued call keeps the
  // origin the journal recorded.
  std::optional<std::chrono::system_clock::time_point> origin;
  // Call control took the call over from an earlier process (same call_id).
  bool adopted = false;
};

// How a call leaves the registry: ended (metadata_end), or suspended — its
// open utterances are flushed and sent, but it stays open in the journal for
// the next process to continue (ari.on_shutdown = keep_calls).
enum class CallExit { kEnd, kSuspend };

struct PipelineOptions {
  SpeakerPipelineOptions speaker;
  // Personal information masked in every transcript before it becomes an
  // event, is journaled or logged (docs/privacy.md); nullopt: pii.mask = off.
  std::optional<pii::Options> pii = pii::Options{};
  bool pipeline_only = false;                      // --no-ari
  std::chrono::seconds call_idle_timeout{30};      // pipeline-only: no RTP on both ports
  std::chrono::milliseconds tick{100};             // stall/idle checks
  std::chrono::milliseconds finish_timeout{5000};  // bound on a call's final STT wait
};

struct PipelineDeps {
  std::shared_ptr<const vad::VadEngine> vad_engine;
  stt::Recognizer* recognizer = nullptr;
  const turn::Detector* detector = nullptr;
  const core::Clock* clock = nullptr;
  core::MetricsRegistry* metrics = nullptr;
  // Where events go (the sink dispatcher). Thread-safe, non-blocking.
  std::function<void(const events::Event&)> emit;
};

class CallRegistry final : public rtp::Receiver::Listener {
 public:
  CallRegistry(boost::asio::any_io_executor io, PipelineDeps deps, PipelineOptions options);
  ~CallRegistry() override;

  // The registry's strand; give it to the receiver.
  boost::asio::any_io_executor executor() const { return strand_; }
  void AttachReceiver(rtp::Receiver* receiver) { receiver_ = receiver; }

  // Call control (ARI mode). Thread-safe.
  void StartCall(CallMeta meta);
  void AddMediaSource(const std::string& call_id, core::Speaker speaker,
                      const boost::asio::ip::udp::endpoint& source);
  void SetAgent(const std::string& call_id, const std::string& agent_id);
  void EndCall(const std::string& call_id, std::string end_reason);
  // Like EndCall, without metadata_end: the call stays open for the next
  // process (call control kept it at shutdown).
  void SuspendCall(const std::string& call_id);

  // Calls an earlier process left open (the journal's record); call before
  // any call starts. Thread-safe.
  void CarryOver(std::vector<events::CallProgress> open_calls);
  // Sends metadata_end (`end_reason`, counts from the journal's record) for
  // every carried-over call not continued `after` from now; a later
  // StartCall with such an id is refused (logged, counted). While one close
  // is pending, further calls change nothing. Thread-safe.
  void CloseCarriedOver(std::string end_reason = "recovered",
                        std::chrono::milliseconds after = std::chrono::milliseconds(0));

  // Stops taking calls, ends (or suspends) every call and calls `done` (on
  // the registry strand) when all are finished.
  void Shutdown(CallExit exit, std::string end_reason, std::function<void()> done);

  std::size_t ActiveCalls() const { return active_calls_.load(); }

  // rtp::Receiver::Listener
  std::optional<rtp::SourceInfo> OnUnknownSource(
      rtp::PortRole port, const boost::asio::ip::udp::endpoint& from) override;
  void OnAudio(const rtp::SourceInfo& source, const rtp::AudioFrame& frame) override;
  void OnStreamEnd(const rtp::SourceInfo& source, const rtp::StreamStats& stats) override;

 private:
  struct Entry {
    std::shared_ptr<Call> call;
    std::vector<boost::asio::ip::udp::endpoint> sources;
    // ARI mode: the one source each speaker is analysed from. A rebuilt
    // analysis chain (or a re-adopted call's new chain) replaces it, so a
    // stale ExternalMedia channel still streaming can never feed the
    // speaker's pipeline next to the new one.
    std::optional<boost::asio::ip::udp::endpoint> current_source[2];
    bool has_customer = false;
    bool has_agent = false;
    std::uint64_t order = 0;
    bool ending = false;
    std::chrono::steady_clock::time_point last_rtp{};
  };
  // On strand_; `resume` continues a call an earlier process started.
  std::shared_ptr<Call> CreateCall(CallMeta meta,
                                   std::optional<events::CallProgress> resume = std::nullopt);
  void EndCallOnStrand(const std::string& call_id, std::string end_reason, CallExit exit);
  void ScheduleTick();
  void OnTick();
  void MaybeShutdownDone();
  // Posts `f` to the strand, to run only while the registry lives.
  template <typename F>
  void Post(F f);

  boost::asio::any_io_executor io_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  PipelineDeps deps_;
  PipelineOptions options_;
  rtp::Receiver* receiver_ = nullptr;
  std::unordered_map<std::string, Entry> calls_;
  std::uint64_t next_order_ = 0;
  bool shutting_down_ = false;
  // Open calls of an earlier process not yet continued or closed, and the
  // ones closed as recovered (a late takeover must not reopen them).
  std::unordered_map<std::string, events::CallProgress> carried_;
  std::unordered_set<std::string> closed_carried_;
  std::unique_ptr<boost::asio::steady_timer> close_timer_;  // a pending CloseCarriedOver
  void CloseCarriedOverNow(const std::string& end_reason);
  std::function<void()> shutdown_done_;
  std::atomic<std::size_t> active_calls_{0};
  std::unique_ptr<boost::asio::steady_timer> tick_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  core::Gauge* calls_active_ = nullptr;
  core::Counter* calls_total_ = nullptr;
  core::Counter* frames_dropped_ = nullptr;
  core::Gauge* carried_gauge_ = nullptr;
  core::Counter* continued_total_ = nullptr;
  core::Counter* recovered_total_ = nullptr;
  core::Counter* refused_total_ = nullptr;
  // Calls whose frame backlog overflowed (on strand_), reported to the
  // receiver's overload signal every tick.
  std::uint64_t backlog_drops_ = 0;
  double backlog_peak_ = 0;
  core::Counter* frames_backlog_dropped_ = nullptr;
  core::Gauge* backlog_gauge_ = nullptr;
  core::RateLimitedLog backlog_log_{std::chrono::seconds(10)};
};

}  // namespace aicc::pipeline
