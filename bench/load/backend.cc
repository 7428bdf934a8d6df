// The load benchmark's backend: a WebSocket server standing where the
// customer's backend stands, stamping each event's receipt on the system
// clock (the sender's schedule is in the same clock), one JSON line per
// event on stdout:
//   {"recv_ns": ..., "type": "...", "call_id": "...", ...turn fields}
// Used by bench/load/capacity.sh; not a product component (aicc sink is).
//
// Usage: bench_load_backend PORT > events.jsonl
// One thread per connection (aicc opens one per configured URL).
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

std::mutex out_mutex;

void Serve(tcp::socket socket) {
  try {
    beast::websocket::stream<tcp::socket> ws(std::move(socket));
    ws.accept();
    beast::flat_buffer buffer;
    for (;;) {
      ws.read(buffer);
      // Stamped before anything else is done with the message.
      const auto recv_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
      const auto j = nlohmann::json::parse(beast::buffers_to_string(buffer.data()), nullptr,
                                           /*allow_exceptions=*/false);
      buffer.consume(buffer.size());
      if (j.is_discarded() || !j.is_object()) continue;
      nlohmann::json line = {
          {"recv_ns", recv_ns}, {"type", j.value("type", "")}, {"call_id", j.value("call_id", "")}};
      for (const char* k : {"speaker", "end_time", "silence_ms", "start_time", "timestamp"}) {
        if (j.contains(k)) line[k] = j[k];
      }
      std::lock_guard lock(out_mutex);
      std::cout << line.dump() << std::endl;  // whole lines for the reader
    }
  } catch (const std::exception&) {
    // Connection closed: aicc reconnects if it has more to send.
  }
  std::lock_guard lock(out_mutex);
  std::cout.flush();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                           static_cast<unsigned short>(std::atoi(argv[1]))));
  for (;;) {
    tcp::socket socket(io);
    acceptor.accept(socket);
    std::thread(Serve, std::move(socket)).detach();
  }
}
