#include "pipeline/call_registry.h"

#include <algorithm>
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
    carried_gauge_ = &deps_.metrics->GetGauge(
        "aicc_calls_carried_over",
        "Calls an earlier aicc left open, neither continued nor closed yet");
    continued_total_ = &deps_.metrics->GetCounter(
        "aicc_calls_continued_total", "Calls continued from an earlier aicc (same call_id, seq)");
    recovered_total_ = &deps_.metrics->GetCounter(
        "aicc_calls_recovered_total",
        "Calls an earlier aicc left open, closed with end_reason \"recovered\"");
    refused_total_ = &deps_.metrics->GetCounter(
        "aicc_calls_takeover_refused_total",
        "Calls taken over after they were closed as recovered (not analysed)");
    frames_backlog_dropped_ =
        &deps_.metrics->GetCounter("aicc_frames_backlog_dropped_total",
                                   "Decoded frames dropped because their call's analysis backlog "
                                   "(128 frames of 20 ms at 8 kHz) was full");
    backlog_gauge_ = &deps_.metrics->GetGauge(
        "aicc_pipeline_backlog_ratio",
        "Fullest any call's frame backlog was in the last tick (0..1; 1 = dropping)");
  }
  Post([this] { ScheduleTick(); });
}

template <typename F>
void CallRegistry::Post(F f) {
  // Handlers may still be queued when the registry is destroyed (the io
  // context outlives it): they must not touch it then.
  asio::post(strand_, [alive = std::weak_ptr<bool>(alive_), f = std::move(f)]() mutable {
    if (!alive.expired()) f();
  });
}

CallRegistry::~CallRegistry() {
  *alive_ = false;
  if (tick_timer_) tick_timer_->cancel();
  if (close_timer_) close_timer_->cancel();
}

std::shared_ptr<Call> CallRegistry::CreateCall(CallMeta meta,
                                               std::optional<events::CallProgress> resume) {
  if (meta.call_id.empty()) meta.call_id = core::NewUuid();
  const std::string id = meta.call_id;
  auto call = std::make_shared<Call>(io_, std::move(meta), deps_, options_, std::move(resume));
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
  Post([this, meta = std::move(meta)]() mutable {
    if (shutting_down_ || calls_.count(meta.call_id)) return;
    auto log = core::Logger("pipeline");
    std::optional<events::CallProgress> resume;
    if (auto it = carried_.find(meta.call_id); it != carried_.end()) {
      resume = std::move(it->second);
      carried_.erase(it);
      if (carried_gauge_) carried_gauge_->Set(static_cast<double>(carried_.size()));
      if (continued_total_) continued_total_->Increment();
    } else if (closed_carried_.count(meta.call_id)) {
      // Closed as recovered before call control took it over: it has had its
      // metadata_end, so it is not analysed again.
      log->error(
          "call={} taken over after it was closed as recovered (call control reported it after "
          "its reconcile); not analysed",
          core::ShortId(meta.call_id));
      if (refused_total_) refused_total_->Increment();
      return;
    } else if (meta.adopted) {
      log->warn(
          "call={} taken over, but the journal has no open record of it (journal removed?): "
          "starting it with a new metadata_start",
          core::ShortId(meta.call_id));
    }
    CreateCall(std::move(meta), std::move(resume));
  });
}

void CallRegistry::CarryOver(std::vector<events::CallProgress> open_calls) {
  Post([this, open_calls = std::move(open_calls)]() mutable {
    for (auto& p : open_calls) {
      if (!p.Open() || calls_.count(p.call_id)) continue;
      std::string id = p.call_id;
      carried_.emplace(std::move(id), std::move(p));
    }
    if (carried_gauge_) carried_gauge_->Set(static_cast<double>(carried_.size()));
  });
}

void CallRegistry::CloseCarriedOver(std::string end_reason, std::chrono::milliseconds after) {
  Post([this, end_reason = std::move(end_reason), after] {
    if (carried_.empty() || close_timer_) return;
    if (after.count() <= 0) {
      CloseCarriedOverNow(end_reason);
      return;
    }
    close_timer_ = std::make_unique<asio::steady_timer>(strand_, after);
    close_timer_->async_wait(
        [this, end_reason, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
          if (ec || alive.expired()) return;
          close_timer_.reset();
          // Not at shutdown: those calls stay open for the next process.
          if (!shutting_down_) CloseCarriedOverNow(end_reason);
        });
  });
}

void CallRegistry::CloseCarriedOverNow(const std::string& end_reason) {
  {
    if (carried_.empty()) return;
    // Oldest first, so the backend sees them in the order they started.
    std::vector<events::CallProgress> closing;
    for (auto& [id, p] : carried_) closing.push_back(std::move(p));
    carried_.clear();
    std::sort(closing.begin(), closing.end(),
              [](const auto& a, const auto& b) { return a.origin < b.origin; });
    for (const auto& p : closing) {
      events::Event e;
      e.event_id = core::NewUuid();
      e.call_id = p.call_id;
      e.seq = p.next_seq;
      e.timestamp = deps_.clock->WallNow();
      auto end = events::EndFrom(p, end_reason);
      core::Logger("pipeline")
          ->info("call={} left open by an earlier aicc: closed ({}), {} turns, seq {}",
                 core::ShortId(p.call_id), end_reason, end.turn_count, e.seq);
      e.body = std::move(end);
      deps_.emit(e);
      closed_carried_.insert(p.call_id);
      if (recovered_total_) recovered_total_->Increment();
    }
    if (carried_gauge_) carried_gauge_->Set(0);
  }
}

void CallRegistry::AddMediaSource(const std::string& call_id, core::Speaker speaker,
                                  const asio::ip::udp::endpoint& source) {
  Post([this, call_id, speaker, source] {
    auto it = calls_.find(call_id);
    if (it == calls_.end() || it->second.ending) return;
    auto& current = it->second.current_source[speaker == core::Speaker::kCustomer ? 0 : 1];
    if (current && *current != source) {
      core::Logger("pipeline")
          ->info("call={} spk={} media source {}:{} replaced by {}:{}", core::ShortId(call_id),
                 core::ToString(speaker), current->address().to_string(), current->port(),
                 source.address().to_string(), source.port());
      if (receiver_) receiver_->UnregisterSource(*current);
    }
    current = source;
    it->second.sources.push_back(source);
    (speaker == core::Speaker::kCustomer ? it->second.has_customer : it->second.has_agent) = true;
    if (receiver_) receiver_->RegisterSource(source, rtp::SourceInfo{call_id, speaker});
  });
}

void CallRegistry::SetAgent(const std::string& call_id, const std::string& agent_id) {
  Post([this, call_id, agent_id] {
    auto it = calls_.find(call_id);
    if (it == calls_.end()) return;
    auto call = it->second.call;
    asio::post(call->strand(), [call, agent_id] { call->SetAgent(agent_id); });
  });
}

void CallRegistry::EndCall(const std::string& call_id, std::string end_reason) {
  Post([this, call_id, end_reason = std::move(end_reason)]() mutable {
    EndCallOnStrand(call_id, std::move(end_reason), CallExit::kEnd);
  });
}

void CallRegistry::SuspendCall(const std::string& call_id) {
  Post([this, call_id] { EndCallOnStrand(call_id, "", CallExit::kSuspend); });
}

void CallRegistry::EndCallOnStrand(const std::string& call_id, std::string end_reason,
                                   CallExit exit) {
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
  // The call may finish after the registry is gone (its STT wait, its
  // timers): nothing of the registry is touched before `alive` is checked,
  // and the strand it posts to is a copy.
  asio::post(call->strand(), [this, call, alive, strand = strand_, exit,
                              end_reason = std::move(end_reason)]() mutable {
    call->End(std::move(end_reason), exit, [this, call, alive, strand] {
      asio::post(strand, [this, id = call->id(), alive] {
        if (alive.expired()) return;
        calls_.erase(id);
        active_calls_ = calls_.size();
        if (calls_active_) calls_active_->Set(static_cast<double>(calls_.size()));
        MaybeShutdownDone();
      });
    });
  });
}

void CallRegistry::Shutdown(CallExit exit, std::string end_reason, std::function<void()> done) {
  Post([this, exit, end_reason = std::move(end_reason), done = std::move(done)]() mutable {
    shutting_down_ = true;
    shutdown_done_ = std::move(done);
    std::vector<std::string> ids;
    for (const auto& [id, entry] : calls_) ids.push_back(id);
    for (const auto& id : ids) EndCallOnStrand(id, end_reason, exit);
    MaybeShutdownDone();
  });
}

void CallRegistry::MaybeShutdownDone() {
  if (!shutting_down_ || !calls_.empty() || !shutdown_done_) return;
  if (tick_timer_) tick_timer_->cancel();
  if (close_timer_) close_timer_->cancel();
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

std::optional<rtp::SourceInfo> CallRegistry::OnUnknownSource(rtp::PortRole port,
                                                             const asio::ip::udp::endpoint& from) {
  if (!options_.pipeline_only || shutting_down_) return std::nullopt;
  const core::Speaker speaker = SpeakerOf(port);
  // Pipeline-only mode (the old system's): a stream on the other port joins
  // the oldest call that still lacks this speaker and whose stream came from
  // the same address (one Asterisk sends both halves of a call; a stranger's
  // stream must not take a real call's other half); otherwise it starts a call.
  Entry* best = nullptr;
  std::string best_id;
  for (auto& [id, entry] : calls_) {
    const bool has = speaker == core::Speaker::kCustomer ? entry.has_customer : entry.has_agent;
    if (has || entry.ending) continue;
    const bool same_address =
        std::any_of(entry.sources.begin(), entry.sources.end(),
                    [&](const auto& s) { return s.address() == from.address(); });
    if (!same_address) continue;
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
  Call& call = *it->second.call;
  if (!call.OfferFrame(source.speaker, frame)) {
    // The call's strand is that far behind: drop (the stream's timeline
    // jumps, which the pipeline treats as a gap), count, and let the
    // overload guard see it next tick.
    ++backlog_drops_;
    if (frames_backlog_dropped_) frames_backlog_dropped_->Increment();
    if (backlog_log_.ShouldLog()) {
      core::Logger("pipeline")
          ->warn(
              "call={} spk={} the call's analysis backlog is full: frames dropped ({} more "
              "suppressed); counted in aicc_frames_backlog_dropped_total",
              core::ShortId(source.call_id), core::ToString(source.speaker),
              backlog_log_.Suppressed());
    }
  }
  backlog_peak_ = std::max(backlog_peak_, call.BacklogRatio());
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
  // The in-process backlog, beside the kernel's queue, for the overload guard.
  if (receiver_) receiver_->ReportBacklog(backlog_drops_, backlog_peak_);
  if (backlog_gauge_) backlog_gauge_->Set(backlog_peak_);
  backlog_peak_ = 0;
  std::vector<std::string> idle;
  for (auto& [id, entry] : calls_) {
    if (entry.ending) continue;
    auto call = entry.call;
    asio::post(call->strand(), [call] { call->Tick(); });
    if (options_.pipeline_only && now - entry.last_rtp > options_.call_idle_timeout) {
      idle.push_back(id);
    }
  }
  for (const auto& id : idle) EndCallOnStrand(id, "idle_timeout", CallExit::kEnd);
}

}  // namespace aicc::pipeline
