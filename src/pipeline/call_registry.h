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
//   // Pipeline-only mode (--no-ari): options.pipeline_only = true; the first
//   // stream on either port starts a call, a stream on the other port joins it.
//
// Threading and ownership: the registry lives on its own strand (also the
// receiver's), owns every Call; each Call owns its two SpeakerPipelines and
// runs them on the call's own strand. Public methods are thread-safe (they
// post); receiver callbacks arrive on the registry strand.
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

#include "core/clock.h"
#include "core/metrics.h"
#include "events/event.h"
#include "pipeline/speaker_pipeline.h"
#include "rtp/receiver.h"

namespace aicc::pipeline {

class Call;

struct CallMeta {
  std::string call_id;
  std::string channel_id;
  std::string customer_number = "unknown";
  std::optional<std::string> agent_id;
};

struct PipelineOptions {
  SpeakerPipelineOptions speaker;
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

  // Stops taking calls, ends every call with `end_reason` and calls `done`
  // (on the registry strand) when all have emitted metadata_end.
  void Shutdown(std::string end_reason, std::function<void()> done);

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
    bool has_customer = false;
    bool has_agent = false;
    std::uint64_t order = 0;
    bool ending = false;
    std::chrono::steady_clock::time_point last_rtp{};
  };
  std::shared_ptr<Call> CreateCall(CallMeta meta);  // on strand_
  void EndCallOnStrand(const std::string& call_id, std::string end_reason);
  void ScheduleTick();
  void OnTick();
  void MaybeShutdownDone();

  boost::asio::any_io_executor io_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  PipelineDeps deps_;
  PipelineOptions options_;
  rtp::Receiver* receiver_ = nullptr;
  std::unordered_map<std::string, Entry> calls_;
  std::uint64_t next_order_ = 0;
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  std::atomic<std::size_t> active_calls_{0};
  std::unique_ptr<boost::asio::steady_timer> tick_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  core::Gauge* calls_active_ = nullptr;
  core::Counter* calls_total_ = nullptr;
  core::Counter* frames_dropped_ = nullptr;
};

}  // namespace aicc::pipeline
