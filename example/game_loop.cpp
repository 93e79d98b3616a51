// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// A game loop that generates an image without a background thread and without run():
// the client's completion handlers go to the engine's own task queue (`frame_queue`), which
// the loop drains once per frame; the sockets make progress through non-blocking polls
// (poll_one) of an io_context within a time budget, also once per frame. Progress is printed
// per frame.
//
// Each image is streamed to its file as it arrives (64 KiB pieces, no fsync: sync_to_disk is
// off), so no frame holds or writes a whole image. The last line is a benchmark:
//   frames=F saved=S max_frame_ms=M p99_frame_ms=P secs=T cpu_max_frame_ms=C cpu_p99_frame_ms=Q
// where a frame's work is the poll (ready handlers within a 1.6 ms budget) plus the drain, timed
// by the wall clock (M, P) and by the process's CPU time (C, Q: std::clock; a frame in which
// the scheduler ran another process has a longer wall time than CPU time);
// --run-thread runs the same generate on a
// plain run() thread instead, for the whole-run comparison (frames=0 then).
//
// Usage: game_loop [--count N] [--resolution 1080p|4k] [--scale S] [--out DIR] [--run-thread] [PROMPT]
//        (AKOOL_BASE_URL, AKOOL_API_KEY, AKOOL_CA_FILE from the environment)
// Try it against the emulator: akool-emulator --image-scale-down 1 --queue-ms 200 --process-ms 500 &
//   AKOOL_BASE_URL=http://127.0.0.1:PORT AKOOL_API_KEY=dev ./game_loop --count 4 --resolution 4k --scale 16:9

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>
#include <akool/client.hpp>

#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;

// The engine's main-thread task queue: anything may push, the frame loop drains.
class frame_queue : public asio::execution_context {
    struct task {
        virtual ~task() = default;
        virtual void run() = 0;
    };
    template <class F>
    struct task_of : task {
        F f;
        explicit task_of(F&& fn) : f(std::move(fn)) {}
        void run() override { f(); }
    };

public:
    class executor_type {
    public:
        explicit executor_type(frame_queue& q) noexcept : q_(&q) {}

        // Queue the function for the next drain (never run inline).
        template <class F>
        void execute(F&& f) const
        {
            q_->push(std::make_unique<task_of<std::decay_t<F>>>(std::forward<F>(f)));
        }
        frame_queue& query(asio::execution::context_t) const noexcept { return *q_; }
        static constexpr asio::execution::blocking_t::never_t query(asio::execution::blocking_t) noexcept
        {
            return asio::execution::blocking.never;
        }
        executor_type require(asio::execution::blocking_t::never_t) const noexcept { return *this; }
        bool operator==(const executor_type& o) const noexcept { return q_ == o.q_; }
        bool operator!=(const executor_type& o) const noexcept { return q_ != o.q_; }

    private:
        frame_queue* q_;
    };

    executor_type get_executor() noexcept { return executor_type(*this); }

    // Runs what was queued before this call; returns how many tasks ran.
    std::size_t drain()
    {
        std::deque<std::unique_ptr<task>> now;
        {
            std::lock_guard<std::mutex> lock(mtx_);
            now.swap(tasks_);
        }
        for (auto& t : now) t->run();
        return now.size();
    }

private:
    void push(std::unique_ptr<task> t)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        tasks_.push_back(std::move(t));
    }
    std::mutex mtx_;
    std::deque<std::unique_ptr<task>> tasks_;
};

// Frame times of the loop, as the engine would see them.
struct frame_stats {
    std::vector<double> ms;
    double max() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
    double p99() const
    {
        if (ms.empty()) return 0;
        std::vector<double> v = ms;
        auto k = static_cast<std::size_t>(0.99 * static_cast<double>(v.size() - 1));
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
        return v[k];
    }
};

int usage()
{
    std::cerr << "usage: game_loop [--count N] [--resolution 1080p|4k] [--scale S] [--out DIR] [--run-thread] [PROMPT]\n";
    return 2;
}

int main(int argc, char** argv)
{
    const char* base = std::getenv("AKOOL_BASE_URL");
    const char* key = std::getenv("AKOOL_API_KEY");
    const char* ca = std::getenv("AKOOL_CA_FILE");
    if (!key) {
        std::cerr << "set AKOOL_API_KEY (and AKOOL_BASE_URL to use the emulator)\n";
        return 2;
    }
    auto req = akool::image_request::text_to_image("A pixel-art castle on a hill at dawn");
    req.resolution = akool::image_resolution::p1080;
    std::string out_dir = ".";
    bool run_thread = false;  // the same generate on a plain run() thread, for comparison
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        bool has_value = i + 1 < argc;
        if (a == "--count" && has_value)
            req.batch_quantity = std::atoi(argv[++i]);
        else if (a == "--resolution" && has_value)
            req.resolution = akool::parse_resolution(argv[++i]);
        else if (a == "--scale" && has_value) {
            req.scale = akool::parse_scale(argv[++i]);
            if (!req.scale) return usage();
        }
        else if (a == "--out" && has_value)
            out_dir = argv[++i];
        else if (a == "--run-thread")
            run_thread = true;
        else if (a.rfind("--", 0) == 0)
            return usage();
        else
            req.prompt = a;
    }
    if (!req.resolution) return usage();

    akool::client_options opts;
    if (base) opts.base_url = base;
    opts.api_key = key;
    akool::beast_transport_options topts;
    if (ca) topts.ca_file = ca;

    long frame = 0;
    bool done = false;
    std::size_t saved = 0;
    akool::generate_options gen;
    gen.output_dir = out_dir;
    gen.download_limits.sync_to_disk = false;  // no fsync inside a frame (see download_options)
    gen.wait.schedule.initial_delay = std::chrono::milliseconds(250);
    gen.wait.on_progress = [&frame](const akool::progress_event& e) {
        std::cout << "frame " << frame << ": task " << akool::printable(e.task_id, 64) << " "
                  << akool::to_string(e.status) << " after " << e.elapsed.count() << " ms\n";
    };
    akool::diagnostics diag;
    akool::error_code result;  // the generate's outcome: the exit status
    auto on_done = [&](akool::error_code ec, std::vector<akool::generated_image> images) {
        done = true;
        result = ec;
        if (ec) std::cerr << "frame " << frame << ": failed: " << ec.message() << " (" << diag.summary() << ")\n";
        for (auto& im : images)
            if (!im.file_path.empty()) {
                ++saved;
                std::cout << "frame " << frame << ": saved " << im.file_path << "\n";
            }
    };

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    frame_stats stats, cpu;  // each frame's work: wall time, and the process's CPU time
    asio::io_context net{1};  // sockets and timers; polled, never run() (but with --run-thread)
    if (run_thread) {
        akool::client client(net, opts, topts);
        client.async_generate(req, gen, diag, on_done);
        std::thread runner([&net] { net.run(); });
        runner.join();
    } else {
        frame_queue main_thread;  // where every handler of the client runs
        akool::basic_client<akool::beast_transport, frame_queue::executor_type> client(
            main_thread.get_executor(), akool::beast_transport(net.get_executor(), topts), opts);
        client.async_generate(req, gen, diag, on_done);
        // Between a reply (handled on the frame queue) and the next timer or request, `net`
        // has no work of its own: without this guard poll() would find it out of work, stop
        // it, and every later poll() would return at once.
        auto keep_polling = asio::make_work_guard(net);

        // The game loop: ~60 frames a second, each polls the network and drains the queue.
        const auto net_budget = std::chrono::microseconds(1600);
        auto next = clock::now();
        while (!done) {
            auto t0 = clock::now();
            const std::clock_t c0 = std::clock();
            // The network's share of the frame: ready handlers, within net_budget. A bare
            // poll() runs until nothing is ready, which on a fast link is several whole images
            // in one frame (5,766 handlers, 209 ms measured against the emulator). A handler is
            // not started when the longest one run in this frame so far would end past the
            // budget, so a frame overruns it only by a handler longer than those before it
            // (bench/README.md).
            auto longest = clock::duration::zero();
            for (auto h0 = t0; h0 - t0 + longest <= net_budget; h0 = clock::now()) {
                if (net.poll_one() == 0) break;
                longest = (std::max)(longest, clock::now() - h0);
            }
            main_thread.drain();
            stats.ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
            cpu.ms.push_back(1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
            ++frame;  // ... update and render the game here ...
            next += std::chrono::milliseconds(16);
            std::this_thread::sleep_until(next);
        }
    }
    double secs = std::chrono::duration<double>(clock::now() - start).count();
    std::cout << std::fixed << std::setprecision(2) << "frames=" << frame << " saved=" << saved
              << " max_frame_ms=" << stats.max() << " p99_frame_ms=" << stats.p99() << " secs=" << secs
              << " cpu_max_frame_ms=" << cpu.max() << " cpu_p99_frame_ms=" << cpu.p99() << "\n";
    return result ? 1 : 0;
}
