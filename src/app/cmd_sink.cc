// `aicc sink`: a WebSocket server printing the events it receives — the
// backend's side, for debugging, demos and tests.
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/event_printer.h"
#include "net/url.h"
#include "sink/server.h"

namespace aicc::app {
namespace asio = boost::asio;

void AddSinkCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "sink", "WebSocket server that prints the events aicc sends (a stand-in backend)");
  struct Args {
    std::string listen = "127.0.0.1:8765";
    std::string format = "pretty";
    std::string output;
    sink::SinkServerOptions server;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--listen", a->listen,
                  "address:port to listen on (port 0: any free port, printed)");
  cmd->add_option("--format", a->format, "pretty | jsonl | quiet")
      ->check(CLI::IsMember({"pretty", "jsonl", "quiet"}));
  cmd->add_option("--output", a->output, "Also append every event as a JSON line to this file");
  cmd->add_flag("--ack", a->server.ack, "Acknowledge each event: {\"ack\": \"<event_id>\"}");
  cmd->add_option("--jwt-secret", a->server.jwt_secret,
                  "Require a valid HS256 bearer token signed with this secret");
  cmd->add_flag("--refuse", a->server.refuse, "Bad backend: close every connection at once");
  cmd->add_option("--close-after", a->server.close_after,
                  "Bad backend: close each connection after N events");
  cmd->add_option("--stall-after", a->server.stall_after,
                  "Bad backend: stop reading after N events");
  cmd->add_option("--tls-cert", a->server.tls_cert,
                  "Serve wss:// with this certificate chain (PEM)");
  cmd->add_option("--tls-key", a->server.tls_key, "... and this private key (PEM)");
  cmd->callback([a, &exit_code] {
    const auto listen = net::ParseHostPort(a->listen);
    if (!listen) {
      fmt::print(stderr, "aicc sink: --listen: {}\n", listen.error().message);
      exit_code = 2;
      return;
    }
    std::unique_ptr<std::ofstream> out;
    if (!a->output.empty()) {
      out = std::make_unique<std::ofstream>(a->output, std::ios::app);
      if (!*out) {
        fmt::print(stderr, "aicc sink: cannot open {}\n", a->output);
        exit_code = 2;
        return;
      }
    }
    asio::io_context io;
    const std::string format = a->format;
    sink::SinkServer server(io.get_executor(), a->server, [&out, format](const std::string& json) {
      if (out) {
        *out << json << '\n';
        out->flush();
      }
      if (format == "jsonl") {
        fmt::print("{}\n", json);
      } else if (format == "pretty") {
        fmt::print("{}\n", PrettyEvent(json));
      }
      std::fflush(stdout);
    });
    auto port = server.Start(listen->host, listen->port);
    if (!port) {
      fmt::print(stderr, "aicc sink: {}\n", port.error());
      exit_code = 1;
      return;
    }
    fmt::print(stderr, "aicc sink: listening on {}://{}:{}\n",
               a->server.tls_cert.empty() ? "ws" : "wss", listen->host, *port);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int) {
      server.Stop();
      io.stop();
    });
    io.run();
    exit_code = 0;
  });
}

}  // namespace aicc::app
