// Test helper: journals COUNT events for one call into DIR and delivers them
// to URL, printing "journaled N" once they are on disk, then keeps running
// (the test kills it with SIGKILL). With COUNT 0 it only recovers and sends.
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <string>
#include <thread>

#include "core/ids.h"
#include "sink/dispatcher.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: sink_submitter URL DIR COUNT\n");
    return 2;
  }
  boost::asio::io_context io;
  aicc::sink::DispatcherOptions o;
  o.urls = {argv[1]};
  o.journal.directory = argv[2];
  o.reconnect_min = std::chrono::milliseconds(20);
  o.reconnect_max = std::chrono::milliseconds(100);
  auto d = aicc::sink::Dispatcher::Create(io.get_executor(), o, nullptr);
  if (!d) {
    std::fprintf(stderr, "%s\n", d.error().message.c_str());
    return 1;
  }
  (*d)->Start();
  const int count = std::stoi(argv[3]);
  const std::string call = "6f1c2b7a-3d4e-4f5a-8b6c-7d8e9f0a1b2c";
  for (int i = 0; i < count; ++i) {
    aicc::events::Event e;
    e.event_id = aicc::core::NewUuid();
    e.call_id = call;
    e.seq = static_cast<std::uint64_t>(i);
    e.timestamp = std::chrono::system_clock::now();
    e.body = aicc::events::MetadataEnd{1, i, 0, 0, 0, "test", std::nullopt};
    (void)(*d)->Submit(e);
  }
  // Wait until everything is journaled, then say so.
  while ((*d)->JournalBytes() == 0 && count > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::printf("journaled %d\n", count);
  std::fflush(stdout);
  // Delivering on the dispatcher's thread until killed.
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}
