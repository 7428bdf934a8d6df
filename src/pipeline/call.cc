#include "pipeline/internal/call.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/ids.h"
#include "core/logging.h"

namespace aicc::pipeline {

Call::Call(boost::asio::any_io_executor io, CallMeta meta, const PipelineDeps& deps,
           const PipelineOptions& options, std::optional<events::CallProgress> resume)
    : strand_(boost::asio::make_strand(io)),
      meta_(std::move(meta)),
      deps_(deps),
      options_(options),
      resume_(std::move(resume)) {
  // One origin for the whole call, across restarts: the journal's for a
  // continued call, else the answer (ARI) or now (pipeline-only).
  const auto wall_now = deps_.clock->WallNow();
  origin_wall_ = resume_ ? resume_->origin : meta_.origin.value_or(wall_now);
  start_ = deps_.clock->Now() -
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(wall_now - origin_wall_);
  if (deps_.metrics) {
    event_latency_ = &deps_.metrics->GetHistogram(
        "aicc_turn_event_latency_seconds",
        "From the segmenter seeing the pause that decided a turn (the short pause for early "
        "turns, vad.min_silence_ms otherwise) to its event being emitted: the wait for the text",
        core::LatencyBuckets());
    for (int early = 0; early < 2; ++early) {
      end_latency_[early] = &deps_.metrics->GetHistogram(
          "aicc_turn_end_latency_seconds",
          "From the arrival of the RTP packet holding the end of speech (the last voiced audio) "
          "to the turn_complete being emitted, by decision: early (at the short pause) or late",
          core::LatencyBuckets(), {{"decision", early ? "early" : "late"}});
    }
    turns_resumed_ = &deps_.metrics->GetCounter(
        "aicc_turns_resumed_total",
        "Early turns after which the same speaker went on before the long pause");
    turns_corrected_ =
        &deps_.metrics->GetCounter("aicc_turns_corrected_total",
                                   "Early turns whose words the recognizer's final text changed");
    turns_by_decision_[0] = &deps_.metrics->GetCounter("aicc_turns_total", "Turns emitted",
                                                       {{"decision", "incomplete"}});
    turns_by_decision_[1] =
        &deps_.metrics->GetCounter("aicc_turns_total", "Turns emitted", {{"decision", "complete"}});
    RegisterTurnMetrics(*deps_.metrics);
  }
}

std::string Call::Emit(events::Event::Body body) {
  events::Event e;
  e.event_id = core::NewUuid();
  e.call_id = meta_.call_id;
  e.seq = next_seq_++;
  e.timestamp = deps_.clock->WallNow();
  e.body = std::move(body);
  deps_.emit(e);
  return e.event_id;
}

void Call::Begin() {
  if (resume_) {
    next_seq_ = resume_->next_seq;
    core::Logger("pipeline")
        ->info("call={} continued from an earlier aicc (seq {}, {} turns so far)",
               core::ShortId(meta_.call_id), next_seq_, resume_->turn_count);
    return;
  }
  core::Logger("pipeline")
      ->info("call={} started (customer {}, agent {})", core::ShortId(meta_.call_id),
             core::MaskNumber(meta_.customer_number), meta_.agent_id.value_or("-"));
  events::MetadataStart start;
  start.customer_number = meta_.customer_number;
  start.agent_id = meta_.agent_id;
  start.channel_id = meta_.channel_id;
  start.call_start = origin_wall_;
  Emit(std::move(start));
}

void Call::SetAgent(const std::string& agent_id) { meta_.agent_id = agent_id; }

SpeakerPipeline& Call::PipelineFor(core::Speaker speaker) {
  auto& slot = speakers_[static_cast<std::size_t>(speaker)];
  if (!slot) {
    SpeakerPipelineDeps d{deps_.vad_engine, deps_.recognizer, deps_.detector, deps_.clock,
                          strand_,          meta_.call_id,    deps_.metrics};
    slot = std::make_unique<SpeakerPipeline>(
        speaker, std::move(d), options_.speaker, start_,
        [this](events::Event::Body body, const TurnTiming& timing) {
          return OnTurn(std::move(body), timing);
        });
  }
  return *slot;
}

bool Call::OfferFrame(core::Speaker speaker, const rtp::AudioFrame& frame) {
  if (!frames_.Push(speaker, frame)) return false;
  // One drain in flight at a time: a busy call takes many frames per post.
  if (!drain_posted_.exchange(true, std::memory_order_seq_cst)) {
    boost::asio::post(strand_, [self = shared_from_this()] { self->DrainFrames(); });
  }
  return true;
}

void Call::DrainFrames() {
  // Cleared before looking: a frame pushed after the last look posts again.
  drain_posted_.store(false, std::memory_order_seq_cst);
  while (const auto* slot = frames_.Front()) {
    if (!ending_) {
      PipelineFor(slot->speaker)
          .OnFrame(Frame{slot->sample_rate, slot->stream_sample, slot->concealed,
                         std::span<const std::int16_t>(slot->pcm.data(), slot->samples),
                         slot->arrival});
    }
    frames_.Pop();
  }
}

void Call::Tick() {
  if (ending_) return;
  for (auto& s : speakers_) {
    if (s) s->Tick();
  }
}

std::string Call::OnTurn(events::Event::Body body, const TurnTiming& timing) {
  const bool updates = options_.speaker.early.update_events;
  if (const auto* r = std::get_if<events::TurnResumed>(&body)) {
    if (turns_resumed_) turns_resumed_->Increment();
    core::Logger("pipeline")
        ->debug("call={} spk={} resumed at {:.2f}s after an early turn",
                core::ShortId(meta_.call_id), core::ToString(r->speaker), r->resume_time);
    return updates ? Emit(std::move(body)) : std::string();
  }
  if (auto* c = std::get_if<events::TurnCorrected>(&body)) {
    if (turns_corrected_) turns_corrected_->Increment();
    if (!updates) return {};
    if (options_.pii) {
      pii::Result masked = pii_memory_.Mask(pii::Masker(*options_.pii), c->speaker, c->transcript);
      c->transcript = std::move(masked.text);
      c->pii_masked = masked.values;
    }
    return Emit(std::move(body));
  }
  auto& turn = std::get<events::TurnComplete>(body);
  turn.agent_id = meta_.agent_id;
  const bool complete = turn.complete;
  // The one place a transcript becomes an event: mask it here, before the
  // log line, the journal and the backends see it.
  if (options_.pii) {
    pii::Result masked =
        pii_memory_.Mask(pii::Masker(*options_.pii), turn.speaker, turn.transcript);
    turn.transcript = std::move(masked.text);
    turn.pii_masked = masked.values;
  }
  core::Logger("pipeline")
      ->debug("call={} spk={} turn {:.2f}-{:.2f}s {}{} fusion={:.3f} \"{}\"",
              core::ShortId(meta_.call_id), core::ToString(turn.speaker), turn.start_time,
              turn.end_time, complete ? "complete" : "incomplete", turn.early ? " (early)" : "",
              turn.fusion_score, turn.transcript);
  std::string id = Emit(std::move(body));
  if (event_latency_) {
    event_latency_->Observe(
        std::chrono::duration<double>(deps_.clock->Now() - timing.detected).count());
    turns_by_decision_[complete ? 1 : 0]->Increment();
    // Only where the packet's arrival is known (real RTP, not gap silence).
    // Arrivals are on the steady clock, which the injected clock is in
    // production (and a test's clock stamps its frames with).
    if (timing.speech_end_arrival != std::chrono::steady_clock::time_point{}) {
      end_latency_[timing.early ? 1 : 0]->Observe(
          std::chrono::duration<double>(deps_.clock->Now() - timing.speech_end_arrival).count());
    }
  }
  return id;
}

void Call::End(std::string end_reason, CallExit exit, std::function<void()> done) {
  if (ending_) return;
  ending_ = true;
  exit_ = exit;
  end_reason_ = std::move(end_reason);
  end_done_ = std::move(done);
  // Bound the wait for the recognizer's last results; a stuck recognizer
  // must not keep a call (and shutdown) open.
  finish_timer_ = std::make_unique<boost::asio::steady_timer>(strand_, options_.finish_timeout);
  finish_timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && self->finishing_ > 0) {
      core::Logger("pipeline")
          ->warn("call={} final transcripts did not arrive within {} ms",
                 core::ShortId(self->meta_.call_id), self->options_.finish_timeout.count());
      self->finishing_ = 0;
      self->Finalize();
    }
  });
  finishing_ = 1;  // guard so Finalize waits for every speaker below
  for (auto& s : speakers_) {
    if (!s) continue;
    ++finishing_;
    s->Finish([self = shared_from_this()] {
      if (self->finishing_ > 0 && --self->finishing_ == 0) self->Finalize();
    });
  }
  if (finishing_ > 0 && --finishing_ == 0) Finalize();
}

void Call::Finalize() {
  if (!end_done_) return;
  finish_timer_->cancel();
  if (exit_ == CallExit::kSuspend) {
    // Kept for the next process: no metadata_end; the journal keeps it open.
    core::Logger("pipeline")
        ->info("call={} suspended (kept for the next aicc); seq continues at {}",
               core::ShortId(meta_.call_id), next_seq_);
    for (auto& s : speakers_) s.reset();
    auto done = std::move(end_done_);
    end_done_ = nullptr;
    done();
    return;
  }
  const double total =
      std::max(0.0, std::chrono::duration<double>(deps_.clock->Now() - start_).count());
  events::MetadataEnd end;
  end.total_duration = total;
  end.agent_id = meta_.agent_id;
  double speech = 0;
  if (resume_) {
    // What the earlier process(es) sent for this call.
    end.turn_count = resume_->turn_count;
    end.complete_turns = resume_->complete_turns;
    end.incomplete_turns = resume_->incomplete_turns;
    speech = resume_->speech_seconds;
  }
  for (auto& s : speakers_) {
    if (!s) continue;
    const auto& st = s->stats();
    end.turn_count += st.turns;
    end.complete_turns += st.complete_turns;
    end.incomplete_turns += st.incomplete_turns;
    speech += st.speech_seconds;
  }
  // Both speakers' speech over the call's length; overlapping talk could
  // exceed the call, so it is capped at 1.
  end.speech_ratio = total > 0 ? std::min(1.0, speech / total) : 0.0;
  end.end_reason = end_reason_;
  Emit(std::move(end));
  core::Logger("pipeline")
      ->info("call={} ended ({}): {:.1f}s, {} turns", core::ShortId(meta_.call_id), end_reason_,
             total, end.turn_count);
  // Release the pipelines (and their recognizer sessions) now.
  for (auto& s : speakers_) s.reset();
  auto done = std::move(end_done_);
  end_done_ = nullptr;
  done();
}

}  // namespace aicc::pipeline
