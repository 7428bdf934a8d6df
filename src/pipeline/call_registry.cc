#include "pipeline/call_registry.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "core/ids.h"
#include "core/logging.h"
#include "pipeline/internal/call.h"

namespace aicc::pipeline {
namespace asio = boost::asio;

namespace {
core::Speaker SpeakerOf(rtp::PortRole port) {
  return port == rtp::PortRole::kCustomer ? core::Speaker::kCustomer : core::Speaker::kAgent;
}
}  // namespace

CallRegistry::CallRegistry(asio::any_io_executor io, PipelineDeps deps, PipelineOptions options)
    : io_(io),
      strand_(asio::make_strand(io)),
      deps_(std::move(deps)),
      options_(std::move(options)) {
  if (deps_.metrics) {
    calls_active_ = &deps_.metrics->GetGauge("aicc_calls_active", "Calls being analysed");
    calls_total_ = &deps_.metrics->GetCounter("aicc_calls_total", "Calls seen since start");
    frames_dropped_ = &deps_.metrics->GetCounter("aicc_frames_no_call_total",
                                                 "Decoded frames whose call had already ended");
  }
  asio::dispatch(strand_, [this] { ScheduleTick(); });
}

CallRegistry::~CallRegistry() {
  *alive_ = false;
  if (tick_timer_) tick_timer_->cancel();
}

std::shared_ptr<Call> CallRegistry::CreateCall(CallMeta meta) {
  if (meta.call_id.empty()) meta.call_id = core::NewUuid();
  const std::string id = meta.call_id;
  auto call = std::make_shared<Call>(io_, std::move(meta), deps_, options_);
  Entry& entry = calls_[id];
  entry.call = call;
  entry.order = next_order_++;
  entry.last_rtp = deps_.clock->Now();
  active_calls_ = calls_.size();
  if (calls_active_) calls_active_->Set(static_cast<double>(calls_.size()));
  if (calls_total_) calls_total_->Increment();
  asio::post(call->strand(), [call] { call->Begin(); });
  return call;
}

void CallRegistry::StartCall(CallMeta meta) {
  asio::post(strand_, [this, meta = std::move(meta)]() mutable {
    if (shutting_down_ || calls_.count(meta.call_id)) return;
    CreateCall(std::move(meta));
  });
}

void CallRegistry::AddMediaSource(const std::string& call_id, core::Speaker speaker,
                                  const asio::ip::udp::endpoint& source) {
  asio::post(strand_, [this, call_id, speaker, source] {
    auto it = calls_.find(call_id);
    if (it == calls_.end() || it->second.ending) return;
    it->second.sources.push_back(source);
    (speaker == core::Speaker::kCustomer ? it->second.has_customer : it->second.has_agent) = true;
    if (receiver_) receiver_->RegisterSource(source, rtp::SourceInfo{call_id, speaker});
  });
}

void CallRegistry::SetAgent(const std::string& call_id, const std::string& agent_id) {
  asio::post(strand_, [this, call_id, agent_id] {
    auto it = calls_.find(call_id);
    if (it == calls_.end()) return;
    auto call = it->second.call;
    asio::post(call->strand(), [call, agent_id] { call->SetAgent(agent_id); });
  });
}

void CallRegistry::EndCall(const std::string& call_id, std::string end_reason) {
  asio::post(strand_, [this, call_id, end_reason = std::move(end_reason)]() mutable {
    EndCallOnStrand(call_id, std::move(end_reason));
  });
}

void CallRegistry::EndCallOnStrand(const std::string& call_id, std::string end_reason) {
  auto it = calls_.find(call_id);
  if (it == calls_.end() || it->second.ending) return;
  Entry& entry = it->second;
  // Stop the media first: unregistering plays out each stream's buffer, and
  // those last frames reach the call before End does.
  if (receiver_) {
    for (const auto& source : entry.sources) receiver_->UnregisterSource(source);
  }
  entry.ending = true;
  auto call = entry.call;
  auto alive = std::weak_ptr<bool>(alive_);
  asio::post(call->strand(), [this, call, alive, end_reason = std::move(end_reason)]() mutable {
    call->End(std::move(end_reason), [this, call, alive] {
      asio::post(strand_, [this, id = call->id(), alive] {
        if (alive.expired()) return;
        calls_.erase(id);
        active_calls_ = calls_.size();
        if (calls_active_) calls_active_->Set(static_cast<double>(calls_.size()));
        MaybeShutdownDone();
      });
    });
  });
}

void CallRegistry::Shutdown(std::string end_reason, std::function<void()> done) {
  asio::post(strand_, [this, end_reason = std::move(end_reason), done = std::move(done)]() mutable {
    shutting_down_ = true;
    shutdown_done_ = std::move(done);
    std::vector<std::string> ids;
    for (const auto& [id, entry] : calls_) ids.push_back(id);
    for (const auto& id : ids) EndCallOnStrand(id, end_reason);
    MaybeShutdownDone();
  });
}

void CallRegistry::MaybeShutdownDone() {
  if (!shutting_down_ || !calls_.empty() || !shutdown_done_) return;
  if (tick_timer_) tick_timer_->cancel();
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

std::optional<rtp::SourceInfo> CallRegistry::OnUnknownSource(rtp::PortRole port,
                                                             const asio::ip::udp::endpoint& from) {
  if (!options_.pipeline_only || shutting_down_) return std::nullopt;
  const core::Speaker speaker = SpeakerOf(port);
  // Pipeline-only mode (the old system's): a stream on the other port joins
  // the oldest call that still lacks this speaker; otherwise it starts a call.
  Entry* best = nullptr;
  std::string best_id;
  for (auto& [id, entry] : calls_) {
    const bool has = speaker == core::Speaker::kCustomer ? entry.has_customer : entry.has_agent;
    if (has || entry.ending) continue;
    if (!best || entry.order < best->order) {
      best = &entry;
      best_id = id;
    }
  }
  if (!best) {
    CreateCall(CallMeta{});
    // CreateCall inserted exactly one entry with the highest order.
    for (auto& [id, entry] : calls_) {
      if (entry.order == next_order_ - 1) {
        best = &entry;
        best_id = id;
      }
    }
  }
  best->sources.push_back(from);
  (speaker == core::Speaker::kCustomer ? best->has_customer : best->has_agent) = true;
  core::Logger("pipeline")
      ->info("call={} spk={} stream from {}:{}", core::ShortId(best_id), core::ToString(speaker),
             from.address().to_string(), from.port());
  return rtp::SourceInfo{best_id, speaker};
}

void CallRegistry::OnAudio(const rtp::SourceInfo& source, const rtp::AudioFrame& frame) {
  auto it = calls_.find(source.call_id);
  if (it == calls_.end() || it->second.ending) {
    if (frames_dropped_) frames_dropped_->Increment();
    return;
  }
  if (!frame.concealed) it->second.last_rtp = deps_.clock->Now();
  FrameCopy copy;
  copy.sample_rate = frame.sample_rate;
  copy.stream_sample = frame.stream_sample;
  copy.concealed = frame.concealed;
  copy.pcm.assign(frame.pcm.begin(), frame.pcm.end());
  auto& call = it->second.call;
  asio::post(call->strand(), [call, speaker = source.speaker, copy = std::move(copy)] {
    call->PushFrame(speaker, copy);
  });
}

void CallRegistry::OnStreamEnd(const rtp::SourceInfo& source, const rtp::StreamStats&) {
  // The call ends through EndCall (ARI) or the idle timeout; a stream ending
  // alone (e.g. an SSRC the receiver expired) changes nothing here.
  (void)source;
}

void CallRegistry::ScheduleTick() {
  if (!tick_timer_) tick_timer_ = std::make_unique<asio::steady_timer>(strand_);
  tick_timer_->expires_after(options_.tick);
  tick_timer_->async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
        if (ec || alive.expired()) return;
        OnTick();
        if (!(shutting_down_ && calls_.empty())) ScheduleTick();
      });
}

void CallRegistry::OnTick() {
  const auto now = deps_.clock->Now();
  std::vector<std::string> idle;
  for (auto& [id, entry] : calls_) {
    if (entry.ending) continue;
    auto call = entry.call;
    asio::post(call->strand(), [call] { call->Tick(); });
    if (options_.pipeline_only && now - entry.last_rtp > options_.call_idle_timeout) {
      idle.push_back(id);
    }
  }
  for (const auto& id : idle) EndCallOnStrand(id, "idle_timeout");
}

}  // namespace aicc::pipeline
