// Music on hold: does the directory musiconhold.conf points at hold audio
// that Asterisk can play with the file formats the rendered modules.conf
// loads (format_gsm, format_wav, format_wav_gsm, format_pcm, format_sln)?
// Without it Asterisk plays silence while aicc believes music is playing.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace aicc::asterisk_kit::internal {

// True for a file name whose extension one of those format modules reads
// (e.g. "macroform-robot_dity.gsm", "hold.wav", "tone.ulaw").
bool IsPlayableAudio(std::string_view file_name);

// A warning for the user (`label` names the setting) when `dir` is missing or
// holds no playable audio file, naming the extensions found that no loaded
// module plays; nullopt when there is something to play.
std::optional<std::string> CheckMohDirectory(const std::filesystem::path& dir,
                                             std::string_view label);

}  // namespace aicc::asterisk_kit::internal
