#include "stt/internal/transcript.h"

#include <algorithm>
#include <cctype>

namespace aicc::stt::internal {

void AppendText(std::string& out, std::string_view piece) {
  auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!piece.empty() && out.empty() && is_space(piece.front())) piece.remove_prefix(1);
  if (piece.empty()) return;
  if (!out.empty() && !is_space(out.back()) && !is_space(piece.front())) out.push_back(' ');
  out.append(piece);
  while (!out.empty() && is_space(out.back())) out.pop_back();
}

void TranscriptAssembler::BeginUtterance(Micros start) { open_start_ = start; }

std::uint64_t TranscriptAssembler::EndUtterance(Micros end) {
  Utterance u{next_seq_++, open_start_.value_or(end), end};
  open_start_.reset();
  pending_.push_back(u);
  return u.seq;
}

void TranscriptAssembler::OnResponse(int stream_id, std::span<const ResultPiece> pieces) {
  std::vector<ResultPiece> interims;
  for (const auto& p : pieces) {
    if (!p.is_final) {
      interims.push_back(p);
      continue;
    }
    if (p.end <= drop_until_) {
      ++dropped_finals_;
      continue;
    }
    if (p.text.empty()) continue;
    auto it = std::upper_bound(finals_.begin(), finals_.end(), p.end,
                               [](Micros e, const ResultPiece& f) { return e < f.end; });
    finals_.insert(it, p);
  }
  if (interims.empty()) {
    interims_.erase(stream_id);
  } else {
    interims_[stream_id] = std::move(interims);
  }
}

void TranscriptAssembler::DropStream(int stream_id) { interims_.erase(stream_id); }

bool TranscriptAssembler::LiveInterimBefore(Micros bound) const {
  for (const auto& [id, pieces] : interims_) {
    for (const auto& p : pieces) {
      if (p.end <= bound && !p.text.empty()) return true;
    }
  }
  return false;
}

bool TranscriptAssembler::Ready() const {
  if (pending_.empty()) return false;
  const auto& u = pending_.front();
  const Micros bound = u.end + slack_;
  // The last final of this utterance must reach near its end.
  std::optional<Micros> last;
  for (const auto& f : finals_) {
    if (f.end > bound) break;
    last = f.end;
  }
  return last && *last >= u.end - cover_ && !LiveInterimBefore(bound);
}

LiveText TranscriptAssembler::OpenText() const {
  LiveText t;
  if (!open_start_) return t;
  const Micros start = *open_start_;
  double confidence_sum = 0;
  int confidence_n = 0;
  for (const auto& f : finals_) {
    if (f.end <= start) continue;
    AppendText(t.transcript, f.text);
    if (f.confidence) {
      confidence_sum += *f.confidence;
      ++confidence_n;
    }
  }
  const bool any_final = !t.transcript.empty();
  std::vector<const ResultPiece*> live;
  for (const auto& [id, pieces] : interims_) {
    for (const auto& p : pieces) {
      if (p.end > start && !p.text.empty()) live.push_back(&p);
    }
  }
  std::stable_sort(live.begin(), live.end(),
                   [](const ResultPiece* a, const ResultPiece* b) { return a->end < b->end; });
  for (const auto* p : live) {
    AppendText(t.transcript, p->text);
    t.last_stability = p->stability;
  }
  t.is_final = any_final && live.empty();
  if (t.is_final && confidence_n > 0) t.confidence = confidence_sum / confidence_n;
  return t;
}

SpeechResult TranscriptAssembler::Take(bool timed_out) {
  SpeechResult r;
  if (pending_.empty()) return r;
  const Utterance u = pending_.front();
  pending_.pop_front();
  const Micros bound = u.end + slack_;

  double confidence_sum = 0;
  int confidence_n = 0;
  bool any_final = false;
  while (!finals_.empty() && finals_.front().end <= bound) {
    const auto& f = finals_.front();
    AppendText(r.transcript, f.text);
    if (f.confidence) {
      confidence_sum += *f.confidence;
      ++confidence_n;
    }
    any_final = true;
    finals_.pop_front();
  }
  bool used_interim = false;
  if (timed_out || !any_final) {
    // The latest interims that cover this utterance's audio, in time order.
    std::vector<const ResultPiece*> live;
    for (const auto& [id, pieces] : interims_) {
      for (const auto& p : pieces) {
        if (p.end <= bound && !p.text.empty()) live.push_back(&p);
      }
    }
    std::sort(live.begin(), live.end(),
              [](const ResultPiece* a, const ResultPiece* b) { return a->end < b->end; });
    for (const auto* p : live) {
      AppendText(r.transcript, p->text);
      used_interim = true;
    }
    if (used_interim) {
      drop_until_ = std::max(drop_until_, bound);
      for (auto& [id, pieces] : interims_) {
        std::erase_if(pieces, [&](const ResultPiece& p) { return p.end <= bound; });
      }
    }
  }
  r.is_final = any_final && !used_interim;
  if (r.is_final && confidence_n > 0) r.confidence = confidence_sum / confidence_n;
  return r;
}

}  // namespace aicc::stt::internal
