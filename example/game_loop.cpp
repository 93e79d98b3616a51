// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// A game loop that generates an image without a background thread and without run():
// the client's completion handlers go to the engine's own task queue (`frame_queue`), which
// the loop drains once per frame; the sockets make progress through a non-blocking poll()
// of an io_context, also once per frame. Progress is printed per frame.
//
// Usage: game_loop [PROMPT]   (AKOOL_BASE_URL, AKOOL_API_KEY, AKOOL_CA_FILE from the environment)
// Try it against the emulator: akool-emulator --queue-ms 300 --process-ms 700 &
//                              AKOOL_BASE_URL=http://127.0.0.1:PORT AKOOL_API_KEY=dev ./game_loop

#include <akool/beast_transport.hpp>

#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

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

int main(int argc, char** argv)
{
    const char* base = std::getenv("AKOOL_BASE_URL");
    const char* key = std::getenv("AKOOL_API_KEY");
    const char* ca = std::getenv("AKOOL_CA_FILE");
    if (!key) {
        std::cerr << "set AKOOL_API_KEY (and AKOOL_BASE_URL to use the emulator)\n";
        return 2;
    }

    akool::client_options opts;
    if (base) opts.base_url = base;
    opts.api_key = key;
    akool::beast_transport_options topts;
    if (ca) topts.ca_file = ca;

    asio::io_context net{1};  // sockets and timers; polled, never run()
    frame_queue main_thread;  // where every handler of the client runs
    akool::basic_client<akool::beast_transport, frame_queue::executor_type> client(
        main_thread.get_executor(), akool::beast_transport(net.get_executor(), topts), opts);

    auto req = akool::image_request::text_to_image(argc > 1 ? argv[1] : "A pixel-art castle on a hill at dawn");
    req.resolution = akool::image_resolution::p1080;

    long frame = 0;
    bool done = false;
    akool::generate_options gen;
    gen.output_dir = ".";
    gen.wait.schedule.initial_delay = std::chrono::milliseconds(250);
    gen.wait.on_progress = [&frame](const akool::progress_event& e) {
        std::cout << "frame " << frame << ": task " << e.task_id << " " << akool::to_string(e.status) << " after "
                  << e.elapsed.count() << " ms\n";
    };
    akool::diagnostics diag;
    client.async_generate(req, gen, diag, [&](akool::error_code ec, std::vector<akool::generated_image> images) {
        done = true;
        if (ec) {
            std::cerr << "frame " << frame << ": failed: " << ec.message() << " (" << diag.summary() << ")\n";
            return;
        }
        for (auto& im : images) std::cout << "frame " << frame << ": saved " << im.file_path << "\n";
    });

    // The game loop: ~60 frames a second, each polls the network and drains the queue.
    using clock = std::chrono::steady_clock;
    auto next = clock::now();
    while (!done) {
        net.poll();
        main_thread.drain();
        ++frame;  // ... update and render the game here ...
        next += std::chrono::milliseconds(16);
        std::this_thread::sleep_until(next);
    }
    std::cout << "finished after " << frame << " frames\n";
    return diag.summary().empty() ? 0 : 1;
}
