#include "stt/internal/google_config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace aicc::stt::internal {
namespace {

std::string Trim(std::string_view s) {
  auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

template <class T>
boost::system::result<T, std::string> Fail(std::string message) {
  return boost::system::result<T, std::string>(boost::system::in_place_error, std::move(message));
}

}  // namespace

std::string EndpointFor(std::string_view location, std::string_view override_endpoint) {
  if (!override_endpoint.empty()) return std::string(override_endpoint);
  if (location.empty() || location == "global") return "speech.googleapis.com:443";
  return std::string(location) + "-speech.googleapis.com:443";
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

boost::system::result<std::string, std::string> ProjectFromCredentials(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return Fail<std::string>("cannot read the credentials file " + path + " (stt.credentials)");
  auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Fail<std::string>("the credentials file " + path + " is not JSON (stt.credentials)");
  }
  auto it = json.find("project_id");
  if (it == json.end() || !it->is_string() || it->get<std::string>().empty()) {
    // ADC user credentials carry quota_project_id instead.
    it = json.find("quota_project_id");
    if (it == json.end() || !it->is_string() || it->get<std::string>().empty()) {
      return Fail<std::string>("no project_id in " + path + "; set stt.project");
    }
  }
  return boost::system::result<std::string, std::string>(boost::system::in_place_value,
                                                         it->get<std::string>());
}

boost::system::result<std::vector<std::string>, std::string> LoadPhrases(
    const std::vector<std::string>& phrases, const std::string& phrases_path) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](std::string_view p) {
    std::string t = Trim(p);
    if (t.empty() || !seen.insert(t).second) return;
    out.push_back(std::move(t));
  };
  for (const auto& p : phrases) add(p);
  if (!phrases_path.empty()) {
    std::ifstream in(phrases_path);
    if (!in) return Fail<std::vector<std::string>>("cannot read stt.phrases_path " + phrases_path);
    std::string line;
    while (std::getline(in, line)) {
      std::string t = Trim(line);
      if (!t.empty() && t.front() == '#') continue;
      add(t);
    }
  }
  return out;
}

boost::system::result<StreamSettings, std::string> BuildSettings(const GoogleOptions& o) {
  StreamSettings s;
  s.insecure = o.insecure;
  s.credentials_path = o.credentials_path;
  s.endpoint = EndpointFor(o.location, o.endpoint);
  if (o.sample_rate != 8000 && o.sample_rate != 16000) {
    return Fail<StreamSettings>("stt.sample_rate must be 8000 or 16000, not " +
                                std::to_string(o.sample_rate));
  }
  if (o.encoding == "mulaw") {
    s.mulaw = true;
  } else if (o.encoding != "linear16") {
    return Fail<StreamSettings>("stt.encoding must be linear16 or mulaw, not " + o.encoding);
  }
  if (o.language.empty()) return Fail<StreamSettings>(std::string("stt.language is empty"));
  s.sample_rate = o.sample_rate;
  s.bytes_per_sample = s.mulaw ? 1 : 2;
  s.chunk_bytes = static_cast<std::size_t>(s.sample_rate / 10 * s.bytes_per_sample);
  s.queue_bytes = static_cast<std::size_t>(s.sample_rate * 10 * s.bytes_per_sample);
  s.retain_bytes = static_cast<std::size_t>(s.sample_rate * 30 * s.bytes_per_sample);
  s.rotation = std::chrono::seconds(std::clamp(o.rotation_sec, 2, 295));
  s.idle_close = std::chrono::milliseconds(std::max(o.idle_close_ms, 100));
  s.final_wait = std::chrono::milliseconds(std::max(o.final_wait_ms, 0));
  s.outage_wait = std::chrono::milliseconds(std::max(o.outage_wait_ms, 0));
  s.max_streams_per_channel = std::max(o.max_streams_per_channel, 1);
  s.model = o.model;
  s.language = o.language;

  if (!o.recognizer.empty()) {
    s.recognizer = o.recognizer;
  } else {
    std::string project = o.project;
    if (project.empty() && !o.credentials_path.empty()) {
      auto p = ProjectFromCredentials(o.credentials_path);
      if (!p) return Fail<StreamSettings>(p.error());
      project = *p;
    }
    if (project.empty()) {
      return Fail<StreamSettings>(std::string(
          "no Google Cloud project: set stt.project (or stt.recognizer, or stt.credentials with a "
          "project_id)"));
    }
    s.recognizer = "projects/" + project + "/locations/" +
                   (o.location.empty() ? std::string("global") : o.location) + "/recognizers/_";
  }
  s.request_params = "recognizer=" + UrlEncode(s.recognizer);

  auto phrases = LoadPhrases(o.phrases, o.phrases_path);
  if (!phrases) return Fail<StreamSettings>(phrases.error());
  s.phrase_boost = static_cast<float>(o.phrase_boost);

  auto& first = s.first_request;
  first.set_recognizer(s.recognizer);
  auto* streaming = first.mutable_streaming_config();
  auto* config = streaming->mutable_config();
  auto* decoding = config->mutable_explicit_decoding_config();
  decoding->set_encoding(s.mulaw ? speech::ExplicitDecodingConfig::MULAW
                                 : speech::ExplicitDecodingConfig::LINEAR16);
  decoding->set_sample_rate_hertz(s.sample_rate);
  decoding->set_audio_channel_count(1);
  config->add_language_codes(o.language);
  if (!o.model.empty()) config->set_model(o.model);
  config->mutable_features()->set_enable_automatic_punctuation(true);
  if (!phrases->empty()) {
    auto* set = config->mutable_adaptation()->add_phrase_sets()->mutable_inline_phrase_set();
    set->set_boost(static_cast<float>(o.phrase_boost));
    for (const auto& p : *phrases) set->add_phrases()->set_value(p);
  }
  streaming->mutable_streaming_features()->set_interim_results(true);
  // SPEECH_ACTIVITY_BEGIN/END responses (counted; they carry no words). No
  // voice_activity_timeout: it would close the stream at every pause, and
  // aicc's own idle close (stt.idle_close_ms) keeps a stream across turns.
  streaming->mutable_streaming_features()->set_enable_voice_activity_events(true);
  return s;
}

StatusClass ClassifyStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return StatusClass::kOk;
    case grpc::StatusCode::CANCELLED:
      return StatusClass::kCancelled;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      return StatusClass::kTransient;
    case grpc::StatusCode::OUT_OF_RANGE:  // Google: max stream duration reached
    case grpc::StatusCode::ABORTED:
      return StatusClass::kRotate;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::UNIMPLEMENTED:
    default:
      return StatusClass::kPermanent;
  }
}

std::string_view StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "UNKNOWN";
  }
}

std::string PermanentErrorAdvice(grpc::StatusCode code, const StreamSettings& s) {
  switch (code) {
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Google rejected the credentials: check stt.credentials "
             "(GOOGLE_APPLICATION_CREDENTIALS, a service-account JSON key that is not revoked)";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "the service account may not use Speech-to-Text in " + s.recognizer +
             ": grant roles/speech.client and enable the API, or fix stt.project / stt.recognizer";
    case grpc::StatusCode::NOT_FOUND:
      return "recognizer or project not found (" + s.recognizer +
             "): fix stt.project / stt.location / stt.recognizer";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "Google refused the configuration (model '" + s.model + "', language '" + s.language +
             "'): check stt.model / stt.language / stt.location (is the model offered for the "
             "language in that location?) and stt.phrases";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "the endpoint " + s.endpoint +
             " does not serve Speech V2: fix stt.endpoint / "
             "stt.location";
    default:
      return "check stt.project / stt.recognizer / stt.model / stt.language";
  }
}

}  // namespace aicc::stt::internal
