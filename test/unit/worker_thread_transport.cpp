// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// A transport that completes on a thread of its own (as libcurl workers or an engine's HTTP
// module do): async_send hands the request to a worker thread, which does the exchange and
// posts the completion to the transport's executor (which dispatches it to the handler's);
// the blocking send does the exchange on the calling thread. Every calling style of create,
// get-result, wait and generate works over it (run under ASan and TSan by test/run.sh).
#define BOOST_TEST_MODULE worker_thread_transport
#include <boost/test/unit_test.hpp>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <akool/client.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "calling_styles.hpp"
#include "fake_replies.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bdata = boost::unit_test::data;
namespace asio = boost::asio;
using akool_test::ok;
using akool_test::style;

namespace {

// What the fake service answers: a reply, or a failure with `maybe_sent`.
struct outcome {
    akool::error_code ec;
    akool::http_response response;
};
using router = std::function<outcome(const akool::http_request&)>;

// One exchange as the transport saw it.
struct exchange_record {
    std::string url;
    bool blocking = false;        // through `send` (else `async_send`)
    std::thread::id exchange_on;  // the thread that did the exchange (and fed the body sink)
};

// The worker: one thread, a queue of jobs; drained and joined when the last copy of the
// transport goes.
class worker {
public:
    worker() : thread_([this] { loop(); }) {}
    ~worker()
    {
        {
            std::lock_guard<std::mutex> lock(mtx_);
            stop_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }
    void push(std::function<void()> job)
    {
        {
            std::lock_guard<std::mutex> lock(mtx_);
            jobs_.push_back(std::move(job));
        }
        cv_.notify_one();
    }
    std::thread::id id() const { return thread_.get_id(); }

private:
    void loop()
    {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock<std::mutex> lock(mtx_);
                cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
                if (jobs_.empty()) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a reply takes a while
            job();
        }
    }
    std::mutex mtx_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool stop_ = false;
    std::thread thread_;  // last: started once the rest is ready
};

class worker_transport {
public:
    using executor_type = asio::io_context::executor_type;

    worker_transport(executor_type ex, router r) : ex_(ex), st_(std::make_shared<state>(std::move(r))) {}
    executor_type get_executor() const { return ex_; }

    // The exchange runs on the worker; the completion is posted to the transport's executor,
    // which dispatches the handler through its associated executor (transport.hpp): posting
    // straight to that executor would resume the client's operation on the worker thread when
    // it is use_future's (the system executor). Work is tracked until then.
    template <class Handler>
    void async_send(akool::http_request&& req, Handler&& handler)
    {
        auto work = asio::make_work_guard(ex_);
        // std::function needs a copyable job: the move-only handler goes behind a shared_ptr.
        auto h = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
        // A plain pointer: the state joins the worker before it goes, so it outlives each job
        // (a job holding the state could destroy it, and join, on the worker thread itself).
        state* st = st_.get();
        st->pool.push([st, h, work, r = std::move(req)]() mutable {
            akool::http_response resp;
            akool::error_code ec = st->exchange(r, resp, false);
            asio::post(work.get_executor(), asio::append(std::move(*h), ec, std::move(resp)));
        });
    }
    // The same exchange on the calling thread.
    void send(const akool::http_request& req, akool::http_response& out, akool::error_code& ec)
    {
        ec = st_->exchange(req, out, true);
    }

    std::vector<exchange_record> records() const
    {
        std::lock_guard<std::mutex> lock(st_->mtx);
        return st_->records;
    }
    std::thread::id worker_id() const { return st_->pool.id(); }

private:
    struct state {
        explicit state(router r) : route(std::move(r)) {}
        akool::error_code exchange(const akool::http_request& req, akool::http_response& out, bool blocking)
        {
            outcome o;
            {
                std::lock_guard<std::mutex> lock(mtx);
                records.push_back({req.url, blocking, std::this_thread::get_id()});
                o = route(req);
            }
            out = std::move(o.response);
            if (!o.ec && req.body_sink && out.status == 200) {  // on the thread doing the exchange
                std::string body = std::move(out.body);
                out.body.clear();
                req.body_sink(body, o.ec);
            }
            return o.ec;
        }
        mutable std::mutex mtx;
        router route;
        std::vector<exchange_record> records;
        worker pool;  // last: joined (its jobs drained) before the rest goes
    };
    executor_type ex_;
    std::shared_ptr<state> st_;
};

using test_client = akool::basic_client<worker_transport>;
static_assert(akool::is_transport<worker_transport>::value);

const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDRworker-png", 25);

std::string result_json(const std::string& id, int status)
{
    std::string s = R"({"code":1000,"msg":"OK","data":{"_id":")" + id + R"(","image_status":)" + std::to_string(status);
    if (status == 3) s += R"(,"image":"https://cdn.example.test/)" + id + R"(.png")";
    return s + "}}";
}

// The service: a create of `n` tasks, each queueing -> processing -> completed on successive polls.
router service(int n)
{
    auto polls = std::make_shared<std::map<std::string, int>>();  // used under the transport's lock
    return [n, polls](const akool::http_request& r) {
        if (r.url.find("createBySourcePrompt") != std::string::npos) {
            std::string s = R"({"code":1000,"msg":"OK","data":[)";
            for (int i = 0; i < n; ++i)
                s += std::string(i ? "," : "") + R"({"_id":"task)" + std::to_string(i) + R"(","image_status":1})";
            return outcome{{}, ok(s + "]}")};
        }
        if (r.url.find("infobymodelid") != std::string::npos) {
            int k = ++(*polls)[akool_test::id_of(r)];
            return outcome{{}, ok(result_json(akool_test::id_of(r), k >= 3 ? 3 : k))};
        }
        if (r.url.rfind("https://cdn.example.test/", 0) == 0) return outcome{{}, ok(png + r.url)};
        akool::http_response nf;
        nf.status = 404;
        return outcome{{}, nf};
    };
}

struct fixture {
    asio::io_context ioc;
    worker_transport transport;
    test_client client;
    akool::diagnostics diag;
    const std::thread::id main_thread = std::this_thread::get_id();

    explicit fixture(router r) : transport(ioc.get_executor(), std::move(r)), client(transport, options())
    {
        akool::retry_policy fast;
        fast.initial_backoff = std::chrono::milliseconds(1);
        fast.max_backoff = std::chrono::milliseconds(2);
        client.set_retry_policy(fast);
    }
    static akool::client_options options()
    {
        akool::client_options o;
        o.base_url = "https://api.example.test";
        o.api_key = "key-abc";
        return o;
    }
    // Fast polls; each progress event records the thread the client's operation ran on.
    akool::wait_options fast_wait()
    {
        akool::wait_options w;
        w.schedule = {std::chrono::milliseconds(1), 1.0, std::chrono::milliseconds(1), 0.0};
        w.deadline = std::chrono::milliseconds(5000);
        w.on_progress = [this](const akool::progress_event&) {
            std::lock_guard<std::mutex> lock(progress_mtx);
            progress_threads.push_back(std::this_thread::get_id());
        };
        return w;
    }
    std::mutex progress_mtx;
    std::vector<std::thread::id> progress_threads;

    auto create(style s, const akool::image_request& req)
    {
        return akool_test::run<std::vector<akool::image_task>>(
            s, ioc, diag, [&](auto token) { return client.async_create(req, diag, std::move(token)); },
            [&](akool::error_code& e) { return client.create(req, e, diag); }, [&] { return client.create(req); });
    }
    auto generate(style s, const akool::image_request& req, const akool::generate_options& g)
    {
        return akool_test::run<std::vector<akool::generated_image>>(
            s, ioc, diag, [&](auto token) { return client.async_generate(req, g, diag, std::move(token)); },
            [&](akool::error_code& e) { return client.generate(req, g, e, diag); },
            [&] { return client.generate(req, g); });
    }

    // Where each exchange ran: `async_send`'s on the worker thread, `send`'s on the caller.
    // `blocking_expected`: true when every exchange must have gone through `send`.
    void check_threads(style s, bool blocking_expected_for_sync)
    {
        const bool sync = s == style::sync_ec || s == style::sync_throw;
        auto recs = client.transport().records();
        BOOST_TEST(!recs.empty());
        for (const auto& r : recs) {
            if (r.blocking)
                BOOST_TEST((r.exchange_on == main_thread), "send ran off the calling thread: " << r.url);
            else
                BOOST_TEST((r.exchange_on == client.transport().worker_id()), "async_send off the worker: " << r.url);
            if (!sync) BOOST_TEST(!r.blocking, "an async form used the blocking send: " << r.url);
            if (sync && blocking_expected_for_sync) BOOST_TEST(r.blocking, "a sync form used async_send: " << r.url);
        }
        // The client's operation itself never runs on the worker: it resumes on the thread
        // running the io_context (here, in every style, this one), also under use_future.
        std::lock_guard<std::mutex> lock(progress_mtx);
        for (auto id : progress_threads) BOOST_TEST((id == main_thread), "the operation ran on another thread");
    }
};

const std::vector<style> styles = akool_test::all_styles();

} // namespace

BOOST_DATA_TEST_CASE(create_in_every_style, bdata::make(styles), s)
{
    fixture f(service(2));
    auto req = akool::image_request::text_to_image("two owls");
    req.batch_quantity = 2;
    auto [ec, tasks] = f.create(s, req);
    BOOST_TEST(!ec, ec.message() << " " << f.diag.summary());
    BOOST_REQUIRE_EQUAL(tasks.size(), 2u);
    BOOST_TEST(tasks[1].id == "task1");
    BOOST_TEST(f.client.transport().records().size() == 1u);
    f.check_threads(s, true);
}

// A failure reported from the worker: a create whose connection died after sending is
// outcome_unknown (made by the client from maybe_sent), not resent, in every style.
BOOST_DATA_TEST_CASE(create_failure_from_the_worker_is_outcome_unknown, bdata::make(styles), s)
{
    fixture f([](const akool::http_request&) {
        outcome o;
        o.ec = asio::error::connection_reset;
        o.response.maybe_sent = true;
        o.response.failure_detail = "worker: connection reset after the request was written";
        return o;
    });
    auto req = akool::image_request::text_to_image("one owl");
    auto [ec, tasks] = f.create(s, req);
    BOOST_TEST(ec == akool::error::outcome_unknown, ec.message());
    BOOST_TEST(tasks.empty());
    BOOST_TEST(f.client.transport().records().size() == 1u, "a create that may have been processed was resent");
    f.check_threads(s, true);
}

BOOST_DATA_TEST_CASE(get_result_in_every_style, bdata::make(styles), s)
{
    fixture f(service(1));
    auto [ec, result] = akool_test::run<akool::image_result>(
        s, f.ioc, f.diag, [&](auto token) { return f.client.async_get_result("task0", f.diag, std::move(token)); },
        [&](akool::error_code& e) { return f.client.get_result("task0", e, f.diag); },
        [&] { return f.client.get_result("task0"); });
    BOOST_TEST(!ec, ec.message() << " " << f.diag.summary());
    BOOST_TEST(result.id == "task0");
    BOOST_TEST((result.status == akool::image_status::queueing));
    f.check_threads(s, true);
}

// The sync wait and generate: today they run the client's io_context (the completions the
// worker posts to it arrive on the calling thread); once they use the blocking send they do
// every exchange on the calling thread. Either way the result is the same, so the sync cases
// accept both paths (check_threads(s, false)); the async ones never use the blocking send.
BOOST_DATA_TEST_CASE(wait_in_every_style, bdata::make(styles), s)
{
    fixture f(service(1));
    auto w = f.fast_wait();
    auto [ec, result] = akool_test::run<akool::image_result>(
        s, f.ioc, f.diag, [&](auto token) { return f.client.async_wait("task0", w, f.diag, std::move(token)); },
        [&](akool::error_code& e) { return f.client.wait("task0", w, e, f.diag); },
        [&] { return f.client.wait("task0", w); });
    BOOST_TEST(!ec, ec.message() << " " << f.diag.summary());
    BOOST_TEST((result.status == akool::image_status::completed));
    BOOST_TEST(result.image_url == "https://cdn.example.test/task0.png");
    BOOST_TEST(f.client.transport().records().size() == 3u);  // queueing, processing, completed
    BOOST_TEST(f.progress_threads.size() == 3u);
    f.check_threads(s, false);
}

// With the images downloaded to memory (through the body sink, on the worker thread) or not.
BOOST_DATA_TEST_CASE(generate_in_every_style, bdata::make(styles) * bdata::make({true, false}), s, download)
{
    fixture f(service(3));
    auto req = akool::image_request::text_to_image("three owls");
    req.batch_quantity = 3;
    akool::generate_options g;
    g.wait = f.fast_wait();
    g.download = download;
    auto [ec, images] = f.generate(s, req, g);
    BOOST_TEST(!ec, ec.message() << " " << f.diag.summary());
    BOOST_REQUIRE_EQUAL(images.size(), 3u);
    for (std::size_t i = 0; i < images.size(); ++i) {
        BOOST_TEST(!images[i].ec, images[i].ec.message());
        BOOST_TEST(images[i].task.id == "task" + std::to_string(i));
        BOOST_TEST((images[i].result.status == akool::image_status::completed));
        // Written by the body sink on the worker thread, read here after the completion.
        BOOST_TEST(images[i].data ==
                   (download ? png + "https://cdn.example.test/task" + std::to_string(i) + ".png" : std::string()));
    }
    // The create, three polls per task, and the downloads.
    BOOST_TEST(f.client.transport().records().size() == 1u + 3u * 3u + (download ? 3u : 0u));
    BOOST_TEST(f.progress_threads.size() == 3u * 3u);  // each task: queueing, processing, completed
    f.check_threads(s, false);
}
