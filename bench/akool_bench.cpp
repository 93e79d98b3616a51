// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// akool-bench: N sequential create calls over one keep-alive connection through the public
// client (`akool::client`, the Beast transport), each reply decoded fully into image_task
// values and checked. Same contract as the peer clients of ../shared/peers:
//
//   akool-bench URL N
//
// URL is a base URL (http://127.0.0.1:18080) or the full create URL; a trailing
// /api/open/v4/content/image/createBySourcePrompt is stripped to get the base.
// Environment:
//   AKOOL_API_KEY       sent as x-api-key (any value; default "test-key")
//   AKOOL_CA_FILE, CA   PEM file of trusted CAs for https (AKOOL_CA_FILE wins; default: system store)
//   BATCH               batch_quantity, 1 to 4 (default 1); use with a /batch4 base URL
//   AKOOL_BENCH_MODE    sync (default): client.create(req, ec, diag) in a loop (each exchange
//                       runs on this thread through the transport's blocking send, over the
//                       kept-alive connection of its private io_context);
//                       async: a chain of client.async_create callbacks under one ioc.run()
// The last line printed is `n=N secs=S first_ms=F rps=R`; first_ms is the time to the first
// reply, connection and TLS setup included. The line before it says how many heap
// allocations, and bytes, one create took after the first (the connection then kept alive):
// `allocs_per_create=A bytes_per_create=B`, counted by this program's operator new.

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <vector>

// Every heap allocation of the program, counted (the library's, Beast's, OpenSSL's C++ side).
namespace {
std::atomic<unsigned long> alloc_count{0};
std::atomic<unsigned long> alloc_bytes{0};
} // namespace

#if defined(__GNUC__) && !defined(__clang__)
// The replacements pair malloc with free; g++ sees the inlined `free` of a pointer from
// `operator new` and cannot tell that this operator new is malloc.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n)
{
    alloc_count.fetch_add(1, std::memory_order_relaxed);
    alloc_bytes.fetch_add(n, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using clock_type = std::chrono::steady_clock;

const char* env(const char* name, const char* fallback)
{
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

std::string base_of(std::string url)
{
    const std::string_view create = akool::paths::create;
    if (url.size() >= create.size() && url.compare(url.size() - create.size(), create.size(), create) == 0)
        url.resize(url.size() - create.size());
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

// The documentation's text-to-image example (reference/000_*.txt, "Text-to-Image Request").
akool::image_request seed_request(int batch)
{
    auto req = akool::image_request::text_to_image("A majestic mountain landscape at sunset with golden light");
    req.model_name = std::string(akool::models::text_to_image);
    req.negative_prompt = "low quality, worst quality, blurry, out of focus";
    req.scale = akool::image_scale::ratio_16_9;
    req.resolution = akool::image_resolution::k4;
    req.batch_quantity = batch;
    return req;
}

struct checker {
    long n;
    int batch;
    long done = 0;
    double first_ms = 0;
    clock_type::time_point t0;
    unsigned long allocs_after_first = 0;
    unsigned long bytes_after_first = 0;

    // Checks one decoded reply; false (with a message) when it is not what the server sends.
    bool check(const akool::error_code& ec, const akool::diagnostics& diag, const std::vector<akool::image_task>& tasks)
    {
        if (ec) {
            std::fprintf(stderr, "akool-bench: request %ld: %s (%s)\n", done, ec.message().c_str(),
                         diag.summary().c_str());
            return false;
        }
        if (tasks.size() != static_cast<std::size_t>(batch)) {
            std::fprintf(stderr, "akool-bench: request %ld: %zu tasks, expected %d\n", done, tasks.size(), batch);
            return false;
        }
        for (const auto& t : tasks)
            if (t.id.size() != 24 || t.status != akool::image_status::queueing) {
                std::fprintf(stderr, "akool-bench: request %ld: bad task id '%s' or status %d\n", done,
                             t.id.c_str(), static_cast<int>(t.status));
                return false;
            }
        if (done++ == 0) {
            first_ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
            allocs_after_first = alloc_count.load();
            bytes_after_first = alloc_bytes.load();
        }
        return true;
    }
};

// The completion handler of the async mode: checks the reply and starts the next create.
struct async_loop {
    akool::client* client;
    const akool::image_request* req;
    akool::diagnostics* diag;
    checker* chk;
    bool* failed;

    void start() { client->async_create(*req, *diag, *this); }
    void operator()(akool::error_code ec, std::vector<akool::image_task> tasks)
    {
        if (!chk->check(ec, *diag, tasks)) {
            *failed = true;
            return;
        }
        if (chk->done < chk->n) start();
    }
};

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s URL N\n", argv[0]);
        return 2;
    }
    const long n = std::atol(argv[2]);
    const int batch = std::atoi(env("BATCH", "1"));
    const std::string mode = env("AKOOL_BENCH_MODE", "sync");
    if (n <= 0 || batch < 1 || batch > 4 || (mode != "sync" && mode != "async")) {
        std::fprintf(stderr, "akool-bench: N must be positive, BATCH 1 to 4, AKOOL_BENCH_MODE sync or async\n");
        return 2;
    }

    akool::client_options opts;
    opts.base_url = base_of(argv[1]);
    opts.api_key = env("AKOOL_API_KEY", "test-key");
    akool::beast_transport_options topts;
    topts.ca_file = env("AKOOL_CA_FILE", env("CA", ""));

    try {
        boost::asio::io_context ioc{1};  // one thread runs it: no locking inside Asio
        akool::client client(ioc, opts, topts);
        const akool::image_request req = seed_request(batch);
        akool::diagnostics diag;
        checker chk{n, batch, 0, 0.0, clock_type::now()};

        if (mode == "sync") {
            akool::error_code ec;
            for (long i = 0; i < n; ++i) {
                auto tasks = client.create(req, ec, diag);
                if (!chk.check(ec, diag, tasks)) return 1;
            }
        } else {
            bool failed = false;
            async_loop{&client, &req, &diag, &chk, &failed}.start();
            ioc.run();
            if (failed || chk.done != n) return 1;
        }

        const double secs = std::chrono::duration<double>(clock_type::now() - chk.t0).count();
        const unsigned long allocs = alloc_count.load() - chk.allocs_after_first;
        const unsigned long bytes = alloc_bytes.load() - chk.bytes_after_first;
        std::printf("connections=%zu mode=%s\n", client.transport().connections_opened(), mode.c_str());
        if (n > 1)
            std::printf("allocs_per_create=%.1f bytes_per_create=%.0f\n", static_cast<double>(allocs) / (n - 1),
                        static_cast<double>(bytes) / (n - 1));
        std::printf("n=%ld secs=%.3f first_ms=%.2f rps=%.1f\n", n, secs, chk.first_ms, static_cast<double>(n) / secs);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "akool-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
