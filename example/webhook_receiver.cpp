// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// akool-webhook-receiver: receives the service's webhook callbacks (requests made with
// `webhookurl`), verifies and decrypts them, prints one line per valid callback and answers 200.
//
//   AKOOL_CLIENT_ID=... AKOOL_CLIENT_SECRET=... akool-webhook-receiver [--host H] [--port N] [--max-age S]
//
// Prints "listening on URL" first (give that URL as `webhookurl`), then on stdout, per valid
// callback: "callback task=ID status=NAME url=URL" (ID and URL escaped; a line that cannot be
// written within 2 s, a full pipe's or a closed one's, gets 503, so the service sends it
// again). An invalid callback gets 401 and a line on
// stderr with the reason only ("rejected: ..."), never its content; a valid one received
// before (a resend or a replay) gets 200 and an "ignored: ..." line. Stops on SIGINT or SIGTERM.
// The server itself is in webhook_receiver.hpp beside this file: copy both.
// Exit codes: 0 stopped by a signal, 2 bad arguments or credentials, 1 cannot listen.

#include "webhook_receiver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>

#include <unistd.h>

namespace {

const char* usage =
    "usage: akool-webhook-receiver [options]\n"
    "  --host H        address to bind (default 127.0.0.1)\n"
    "  --port N        port, 0 picks a free one (default 0)\n"
    "  --path P        path of the printed URL (default /); every path is accepted\n"
    "  --max-age S     accepted age of a callback in seconds, 0 turns the check off (default 300)\n"
    "  --help          this text\n"
    "environment: AKOOL_CLIENT_ID (16 characters) and AKOOL_CLIENT_SECRET (16, 24 or 32),\n"
    "the account's credentials the callbacks are signed and encrypted with.\n";

bool parse_seconds(const std::string& text, double& out)
{
    if (text.empty()) return false;
    errno = 0;
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && errno != ERANGE && std::isfinite(out);
}

} // namespace

int main(int argc, char** argv)
{
    // A closed stdout or stderr (`| head -1`) fails a write (503, a line not logged) instead
    // of killing the process with SIGPIPE (helper-43).
    std::signal(SIGPIPE, SIG_IGN);
    akool_receiver::options opts;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        }
        if (i + 1 >= argc) {
            std::cerr << "akool-webhook-receiver: " << arg << " needs a value (or is unknown)\n" << usage;
            return 2;
        }
        std::string value = argv[++i];
        double num = 0;
        if (arg == "--host") {
            opts.host = value;
        } else if (arg == "--path") {
            opts.path = value;
        } else if (arg == "--port") {
            if (!parse_seconds(value, num) || num < 0 || num > 65535 || num != std::floor(num)) {
                std::cerr << "akool-webhook-receiver: bad value for --port: " << value << "\n";
                return 2;
            }
            opts.port = static_cast<std::uint16_t>(num);
        } else if (arg == "--max-age") {
            if (!parse_seconds(value, num) || num < 0 || num > 1e9) {
                std::cerr << "akool-webhook-receiver: bad value for --max-age: " << value << "\n";
                return 2;
            }
            opts.verify.max_age = std::chrono::milliseconds(static_cast<long long>(std::ceil(num * 1000)));
        } else {
            std::cerr << "akool-webhook-receiver: unknown option " << arg << "\n" << usage;
            return 2;
        }
    }
    const char* id = std::getenv("AKOOL_CLIENT_ID");
    const char* secret = std::getenv("AKOOL_CLIENT_SECRET");
    if (!id || !*id || !secret || !*secret) {
        std::cerr << "akool-webhook-receiver: set AKOOL_CLIENT_ID and AKOOL_CLIENT_SECRET\n";
        return 2;
    }
    opts.creds = {id, secret};
    // Every callback would fail decryption: say so at once, with the sizes.
    if (std::string problem = akool::webhook_credentials_problem(opts.creds); !problem.empty()) {
        std::cerr << "akool-webhook-receiver: these credentials cannot decrypt callbacks: " << problem << "\n";
        return 2;
    }

    std::mutex out_mtx;
    opts.on_callback = [&out_mtx](const akool::webhook_payload& p) {
        std::lock_guard<std::mutex> lock(out_mtx);
        return akool_receiver::print_callback(stdout, p);
    };
    akool_receiver::log_limiter rejections_log;  // 10 lines a second at most: a flood fills no disk
    opts.on_rejected = [&out_mtx, &rejections_log](const akool::error_code& ec, const akool::diagnostics& diag) {
        std::lock_guard<std::mutex> lock(out_mtx);
        std::uint64_t dropped = 0;
        if (!rejections_log.admit(akool_receiver::log_limiter::clock::now(), dropped)) return;
        // The reason, and the field or check that failed (summary() escapes it): the body may be
        // anyone's and is never echoed.
        const char* what = ec == akool::error::webhook_duplicate ? "ignored: " : "rejected: ";
        std::string line = "akool-webhook-receiver: " + std::string(what) + ec.message();
        if (const std::string more = diag.summary(); !more.empty()) line += " (" + more + ")";
        if (dropped) line += " (" + std::to_string(dropped) + " more rejections not logged before this one)";
        line += "\n";
        // A stderr nobody reads holds the receiver's thread 100 ms at most (the line is lost).
        akool_receiver::write_within(STDERR_FILENO, line, std::chrono::milliseconds(100));
    };

    // SIGINT and SIGTERM end the receiver: caught here, on the main thread's io_context.
    boost::asio::io_context signals_ioc;
    boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
    int received = 0;
    signals.async_wait([&received](const boost::system::error_code& ec, int sig) {
        if (!ec) received = sig;
    });

    akool_receiver::server srv(std::move(opts));
    boost::system::error_code ec;
    srv.start(ec);
    if (ec) {
        std::cerr << "akool-webhook-receiver: cannot listen: " << ec.message() << "\n";
        return 1;
    }
    // Every line through write_within: a stdout or stderr nobody reads holds no exit (helper-47).
    {
        std::lock_guard<std::mutex> lock(out_mtx);
        akool_receiver::write_within(STDOUT_FILENO, "listening on " + srv.url() + "\n", std::chrono::seconds(2));
    }

    signals_ioc.run();
    srv.stop();
    auto c = srv.get_counters();
    akool_receiver::write_within(STDERR_FILENO,
                                 "akool-webhook-receiver: stopped (signal " + std::to_string(received) + "), " +
                                     std::to_string(c.accepted) + " accepted, " + std::to_string(c.rejected) +
                                     " rejected, " + std::to_string(c.duplicates) + " duplicates ignored\n",
                                 std::chrono::milliseconds(100));
    return 0;
}
