// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// akool-emulator: a local emulator of Akool's image API (see emulator.hpp).
// Prints "listening on URL" as its first line, then serves until SIGINT or SIGTERM.

#include "emulator.hpp"

#include <akool/webhook.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace {

const char* usage =
    "usage: akool-emulator [options]\n"
    "  --host H                bind address or name (default 127.0.0.1)\n"
    "  --port N                port, 0 picks a free one (default 0)\n"
    "  --api-key K             accept only this x-api-key (default: any non-empty key)\n"
    "  --client-id ID          getToken client id (default: any); also signs webhook callbacks\n"
    "                          (any length) and is their AES IV (16 characters; default for\n"
    "                          callbacks: emu-client-id-16)\n"
    "  --client-secret S       getToken client secret; also encrypts webhook callbacks: 16, 24\n"
    "                          or 32 characters, AES-128/192/256 (default: emu-client-secret-24-chr)\n"
    "  --webhook-attempts N    tries per callback to a create's webhookurl, 0 sends none (default 5)\n"
    "  --token-ttl-ms N        lifetime of issued tokens (default 7200000)\n"
    "  --tls-cert F --tls-key F  serve HTTPS with this PEM certificate chain and key\n"
    "  --queue-ms N            time a task stays queueing (default 500)\n"
    "  --process-ms N          then processing (default 1500)\n"
    "  --image-scale-down N    divide the 1920/3840 px long side by N (default 10)\n"
    "  --redirect-images N     answer each image URL with N redirects (301, 302, 303, 307, 308 in turn)\n"
    "  --redirect-absolute 1   the redirects' Location is an absolute URL (default: a path)\n"
    "  --latency-ms N          delay every API reply\n"
    "  --fail-rate P           spread probability P over 429, 5xx and dropped connections\n"
    "  --rate-429 P, --rate-5xx P, --rate-drop-before P, --rate-drop-after P,\n"
    "  --rate-malformed P, --rate-fail-generation P   individual fault probabilities\n"
    "  --retry-after-s N       Retry-After of 429 and 503 replies (default 1)\n"
    "  --envelope-http-errors 1  429 and 5xx faults carry an API envelope ({\"code\":1429,...})\n"
    "                          instead of a text or HTML page\n"
    "  --api-code N            answer every API request with HTTP 200 and {\"code\":N,\"msg\":...}\n"
    "                          (Akool's documented message for N), processing nothing\n"
    "  --task-id ID            the id of the next task created (repeatable, used in order)\n"
    "  --body-limit N          largest request body in bytes (default 1048576)\n"
    "  --max-tasks N           tasks remembered; the oldest beyond N is forgotten (default 100000);\n"
    "                          the same bound for tokens and the stats' per-body, per-key and\n"
    "                          per-path counters\n"
    "  --seed N                seed of the fault RNG, ids and tokens\n"
    "  --help                  this text\n";

bool parse_number(const std::string& text, double& out)
{
    try {
        std::size_t used = 0;
        out = std::stod(text, &used);
        return used == text.size();
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace

int main(int argc, char** argv)
{
    akool_emulator::options opts;
    akool_emulator::fault_plan faults;
    bool spread = false;
    double spread_rate = 0;
    std::optional<int> api_code;
    std::vector<std::string> task_ids;

    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        }
        if (i + 1 >= argc) {
            std::cerr << "akool-emulator: " << arg << " needs a value (or is unknown)\n" << usage;
            return 2;
        }
        std::string value = argv[++i];
        double num = 0;
        bool numeric = parse_number(value, num);
        auto need_number = [&](double lo, double hi) {
            if (!numeric || num < lo || num > hi) {
                std::cerr << "akool-emulator: bad value for " << arg << ": " << value << "\n";
                std::exit(2);
            }
        };
        using ms = std::chrono::milliseconds;
        if (arg == "--host") opts.host = value;
        else if (arg == "--port") { need_number(0, 65535); opts.port = static_cast<std::uint16_t>(num); }
        else if (arg == "--api-key") opts.api_key = value;
        else if (arg == "--client-id") opts.client_id = value;
        else if (arg == "--client-secret") opts.client_secret = value;
        else if (arg == "--webhook-attempts") {
            need_number(0, 100);
            opts.webhooks.max_attempts = static_cast<unsigned>(num);
            opts.webhooks.enabled = opts.webhooks.max_attempts > 0;
        }
        else if (arg == "--token-ttl-ms") { need_number(0, 1e12); opts.token_ttl = ms(static_cast<long long>(num)); }
        else if (arg == "--tls-cert") opts.tls_cert_file = value;
        else if (arg == "--tls-key") opts.tls_key_file = value;
        else if (arg == "--queue-ms") { need_number(0, 1e10); opts.queue_time = ms(static_cast<long long>(num)); }
        else if (arg == "--process-ms") { need_number(0, 1e10); opts.process_time = ms(static_cast<long long>(num)); }
        else if (arg == "--image-scale-down") { need_number(1, 3840); opts.image_scale_down = static_cast<unsigned>(num); }
        else if (arg == "--redirect-images") { need_number(0, 100); opts.redirect_images = static_cast<unsigned>(num); }
        else if (arg == "--redirect-absolute") { need_number(0, 1); opts.redirect_absolute = num != 0; }
        else if (arg == "--latency-ms") { need_number(0, 1e8); faults.latency = ms(static_cast<long long>(num)); }
        else if (arg == "--fail-rate") { need_number(0, 1); spread = true; spread_rate = num; }
        else if (arg == "--rate-429") { need_number(0, 1); faults.http_429_rate = num; }
        else if (arg == "--rate-5xx") { need_number(0, 1); faults.http_5xx_rate = num; }
        else if (arg == "--rate-drop-before") { need_number(0, 1); faults.drop_before_rate = num; }
        else if (arg == "--rate-drop-after") { need_number(0, 1); faults.drop_after_rate = num; }
        else if (arg == "--rate-malformed") { need_number(0, 1); faults.malformed_json_rate = num; }
        else if (arg == "--rate-fail-generation") { need_number(0, 1); faults.fail_generation_rate = num; }
        else if (arg == "--retry-after-s") { need_number(0, 1e6); faults.retry_after = std::chrono::seconds(static_cast<long long>(num)); }
        else if (arg == "--envelope-http-errors") { need_number(0, 1); faults.envelope_http_errors = num != 0; }
        else if (arg == "--api-code") { need_number(-1e9, 1e9); api_code = static_cast<int>(num); }
        else if (arg == "--task-id") task_ids.push_back(value);
        else if (arg == "--body-limit") { need_number(1, 1e9); opts.body_limit = static_cast<std::size_t>(num); }
        else if (arg == "--max-tasks") { need_number(1, 1e9); opts.max_tasks = static_cast<std::size_t>(num); }
        else if (arg == "--seed") { need_number(0, 1.8e19); opts.seed = static_cast<std::uint64_t>(num); }
        else {
            std::cerr << "akool-emulator: unknown option " << arg << "\n" << usage;
            return 2;
        }
    }
    if (opts.tls_cert_file.empty() != opts.tls_key_file.empty()) {
        std::cerr << "akool-emulator: --tls-cert and --tls-key go together\n";
        return 2;
    }
    if (spread) {
        auto s = akool_emulator::fault_plan::spread(spread_rate);
        faults.http_429_rate += s.http_429_rate;
        faults.http_5xx_rate += s.http_5xx_rate;
        faults.drop_before_rate += s.drop_before_rate;
        faults.drop_after_rate += s.drop_after_rate;
    }
    opts.faults = faults;
    if (opts.webhooks.enabled) {
        auto creds = akool_emulator::webhook_credentials(opts);
        std::string problem = akool::webhook_credentials_problem(creds);
        if (!problem.empty())
            std::cerr << "akool-emulator: warning: webhook callbacks will be signed but cannot be encrypted: "
                      << problem << "\n";
    }

    // Block the signals first so that the server thread never receives them.
    boost::asio::io_context signals_ioc;
    boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
    int received = 0;
    signals.async_wait([&received](const boost::system::error_code& ec, int sig) {
        if (!ec) received = sig;
    });

    akool_emulator::server srv(opts);
    if (api_code) srv.answer_next(*api_code, std::numeric_limits<unsigned>::max());
    srv.set_next_task_ids(std::move(task_ids));
    boost::system::error_code ec;
    srv.start(ec);
    if (ec) {
        std::cerr << "akool-emulator: cannot start: " << ec.message() << "\n";
        return 1;
    }
    std::cout << "listening on " << srv.base_url() << std::endl;

    signals_ioc.run();
    srv.stop();
    std::cerr << "akool-emulator: stopped (signal " << received << ")\n";
    return 0;
}
