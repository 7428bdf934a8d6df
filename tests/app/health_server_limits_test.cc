// The health server when descriptors run out (issue 18 item 8) and when too
// many connections are open. Descriptor exhaustion is real: a child process
// lowers RLIMIT_NOFILE and fills every slot, with a client waiting in the
// listen backlog.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <thread>

#include "app/health_server.h"

namespace aicc::app {
namespace {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

bool ReadAll(int fd, void* data, std::size_t n) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// The child: a health server, then no descriptor left for a second while a
// client waits, then descriptors again. Reports the CPU time that second
// cost; serves until killed.
[[noreturn]] void ChildServer(int to_parent, int from_parent) {
  asio::io_context io;
  core::MetricsRegistry metrics;
  HealthServer server(io.get_executor(), metrics, [] { return Readiness{true, ""}; });
  if (!server.Start("127.0.0.1:0")) _exit(2);
  const std::uint16_t port = server.LocalEndpoint().port();
  if (write(to_parent, &port, sizeof(port)) != sizeof(port)) _exit(3);
  char go = 0;
  if (!ReadAll(from_parent, &go, 1)) _exit(4);  // the client is in the backlog
  rlimit lim{256, 256};
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) _exit(5);
  std::vector<int> spare;
  for (int fd; (fd = dup(0)) >= 0;) spare.push_back(fd);
  if (errno != EMFILE) _exit(6);
  const double cpu_before = CpuSeconds();
  io.run_for(1s);
  const double cpu = CpuSeconds() - cpu_before;
  for (int fd : spare) close(fd);
  if (write(to_parent, &cpu, sizeof(cpu)) != sizeof(cpu)) _exit(7);
  io.run();
  _exit(0);
}

TEST(HealthServerLimitsTest, OutOfDescriptorsItPausesInsteadOfSpinningAndRecovers) {
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan+UBSan the child, out of descriptors, reported a vptr error
  // inside Asio's scheduler and never answered: the sanitizer runtime itself
  // needs descriptors there. The plain build runs this test.
  GTEST_SKIP() << "descriptor exhaustion is not tested under the sanitizers";
#endif
  int up[2], down[2];
  ASSERT_EQ(pipe(up), 0);
  ASSERT_EQ(pipe(down), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ChildServer(up[1], down[0]);
  std::uint16_t port = 0;
  ASSERT_TRUE(ReadAll(up[0], &port, sizeof(port)));

  asio::io_context io;
  boost::beast::tcp_stream client(io);
  client.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(client, req);
  ASSERT_EQ(write(down[1], "g", 1), 1);

  double cpu = -1;
  const bool reported = ReadAll(up[0], &cpu, sizeof(cpu));
  // The accept loop failed for a whole second. A spinning loop burns the
  // second (or whatever share of a core it got); one retry per 100 ms
  // costs a few milliseconds.
  if (reported) {
    EXPECT_LT(cpu, 0.05) << "the accept loop spun at " << cpu << " s of CPU in 1 s";
    std::cout << "CPU while out of descriptors: " << cpu * 1000 << " ms in 1 s\n";
  }
  // And /healthz answers once descriptors are back.
  client.expires_after(10s);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  boost::beast::error_code ec;
  http::read(client, buffer, res, ec);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(reported) << "child failed, status " << status;
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "ok\n");
}

TEST(HealthServerLimitsTest, ConnectionsOverTheCapAreClosedAndAFreedSlotIsReused) {
  asio::io_context io;
  core::MetricsRegistry metrics;
  HealthServer server(
      io.get_executor(), metrics,
      [] {
        return Readiness{true, ""};
      },
      /*max_connections=*/3);
  ASSERT_TRUE(server.Start("127.0.0.1:0"));
  std::thread thread([&] { io.run(); });
  const auto ep = server.LocalEndpoint();

  asio::io_context client_io;
  auto get = [&](boost::beast::tcp_stream& s) {
    http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
    req.set(http::field::host, "127.0.0.1");
    boost::beast::error_code ec;
    http::write(s, req, ec);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    s.expires_after(10s);
    if (!ec) http::read(s, buffer, res, ec);
    return ec ? 0 : res.result_int();
  };
  std::vector<std::unique_ptr<boost::beast::tcp_stream>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<boost::beast::tcp_stream>(client_io));
    held.back()->connect(ep);
    EXPECT_EQ(get(*held.back()), 200u);  // a keep-alive session each, still open
  }
  boost::beast::tcp_stream extra(client_io);
  extra.connect(ep);
  EXPECT_EQ(get(extra), 0u) << "a fourth connection was served";

  held.pop_back();  // frees a slot (the server sees EOF)
  unsigned status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {  // until the server has noticed
    boost::beast::tcp_stream again(client_io);
    again.connect(ep);
    status = get(again);
    if (status != 200) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status, 200u);
  server.Stop();
  io.stop();
  thread.join();
}

}  // namespace
}  // namespace aicc::app
