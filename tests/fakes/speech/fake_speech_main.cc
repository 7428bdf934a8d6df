// fake_speech_server: the fake Speech V2 server as a process, for end-to-end
// tests that run aicc as a subprocess.
//   fake_speech_server [--port N] [--script file.json]
// Prints "listening 127.0.0.1:<port>" and serves until SIGTERM/SIGINT; at
// exit prints one line per stream (index, audio ms, requests, status code).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "fakes/speech/fake_speech.h"

int main(int argc, char** argv) {
  aicc::fakes::FakeSpeechOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      options.port = static_cast<std::uint16_t>(std::stoi(argv[++i]));
    } else if (arg == "--script" && i + 1 < argc) {
      std::ifstream in(argv[++i]);
      std::stringstream ss;
      ss << in.rdbuf();
      if (!in) {
        std::cerr << "cannot read " << argv[i] << "\n";
        return 2;
      }
      auto problem = aicc::fakes::ParseSpeechScript(ss.str(), options);
      if (!problem.empty()) {
        std::cerr << argv[i] << ": " << problem << "\n";
        return 2;
      }
    } else {
      std::cerr << "usage: fake_speech_server [--port N] [--script file.json]\n";
      return 2;
    }
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before gRPC starts its threads
  aicc::fakes::FakeSpeechServer server(options);
  std::cout << "listening " << server.Endpoint() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  for (const auto& s : server.Streams()) {
    std::cout << "stream " << s.index << " audio_ms " << s.AudioMs() << " requests "
              << s.chunk_sizes.size() << " status " << static_cast<int>(s.status) << "\n";
  }
  return 0;
}
