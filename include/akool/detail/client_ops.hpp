// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_CLIENT_OPS_HPP
#define AKOOL_DETAIL_CLIENT_OPS_HPP

// The composed operations behind basic_client. Each carries out decisions taken by the
// sans-io code (protocol.hpp, workflow.hpp): it only sends, waits and hands values on.
// Operation state lives on the heap (one allocation per operation) so that timers and the
// request keep their addresses while the operation object moves between handlers.

#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/json.hpp>
#include <akool/model.hpp>
#include <akool/transport.hpp>
#include <akool/workflow.hpp>
#include <akool/detail/protocol.hpp>
#include <akool/detail/request_gate.hpp>
#include <akool/detail/sansio/download.hpp>
#include <akool/detail/sansio/exchange.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace akool {
namespace detail {

namespace net = boost::asio;
using steady = std::chrono::steady_clock;

// ---- decoders: body -> value ----------------------------------------------------------

struct decode_create {
    std::vector<image_task> operator()(std::string& body, error_code& ec, diagnostics& diag) const
    {
        return decode_create_response(body, ec, diag);
    }
};
struct decode_result {
    image_result operator()(std::string& body, error_code& ec, diagnostics& diag) const
    {
        return decode_result_response(body, ec, diag);
    }
};
struct decode_token {
    std::string operator()(std::string& body, error_code& ec, diagnostics& diag) const
    {
        return decode_token_response(body, ec, diag);
    }
};
// ---- what every operation of one client shares ---------------------------------------

template <class Transport>
struct client_state {
    using executor_type = typename Transport::executor_type;
    using timer_type = net::basic_waitable_timer<steady, net::wait_traits<steady>, executor_type>;

    Transport transport;
    client_options opts;
    retry_policy retry;
    exchange_gate gate;
    std::mutex rng_mtx;
    std::minstd_rand rng{std::random_device{}()};

    client_state(Transport t, client_options o) : transport(std::move(t)), opts(std::move(o)) {}

    double random_unit()
    {
        std::lock_guard<std::mutex> lock(rng_mtx);
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    }
    // random_unit, as the exchange algorithm takes it.
    sansio::jitter_source jitter() noexcept
    {
        return {[](void* self) { return static_cast<client_state*>(self)->random_unit(); }, this};
    }
};

template <class Self>
bool was_cancelled(Self& self) noexcept
{
    return self.get_cancellation_state().cancelled() != net::cancellation_type::none;
}

// ---- one exchange: the async driver of sansio::exchange_algo ---------------------------

// Carries out the exchange algorithm's actions with the transport's async_send and one timer
// (gate waits and backoff); it decides nothing itself. Its state lives on the heap so that
// the timer, the request and the gate's pointer to the waiter keep their addresses while the
// operation object moves between handlers.
template <class Transport, class Decode>
class exchange_op {
public:
    using cstate = client_state<Transport>;
    using algo_type = sansio::exchange_algo<Decode>;
    using result_type = typename algo_type::result_type;

    struct state final : gate_waiter {
        diagnostics own_diag;
        typename cstate::timer_type timer;
        algo_type algo;
        sansio::exchange_action::kind_t pending = sansio::exchange_action::done;
        bool terminal_only = false;  // the cancellation filter of a send that must not repeat

        state(cstate& cs, diagnostics* user_diag, http_request req, error_code build_ec, Decode dec,
              request_kind kind)
            : timer(cs.transport.get_executor()),
              algo(std::move(req), build_ec, cs.gate, *this, cs.retry, kind, std::move(dec), cs.jitter(),
                   user_diag ? *user_diag : own_diag, &cs.opts.on_exchange)
        {
        }
        void cancel() noexcept override { timer.cancel(); }
    };

    exchange_op(std::shared_ptr<cstate> cs, std::unique_ptr<state> st) : cs_(std::move(cs)), st_(std::move(st)) {}

    // Start. Every cancellation type applies until a request that must not be sent twice (a
    // create) is handed to the transport; while it is out, only terminal does (see act).
    template <class Self>
    void operator()(Self& self)
    {
        self.reset_cancellation_state(net::enable_total_cancellation());
        auto a = st_->algo.resume(steady::now());
        if (a.kind == sansio::exchange_action::done) {
            // Complete through the executor, never inside the initiating call.
            st_->pending = sansio::exchange_action::done;
            auto ex = cs_->transport.get_executor();  // before `self` (and cs_ with it) moves
            return net::post(ex, net::append(std::move(self), error_code{}));
        }
        act(self, a);
    }
    // A timer (gate wait, backoff) or the post above completed.
    template <class Self>
    void operator()(Self& self, error_code ec)
    {
        auto& st = *st_;
        switch (st.pending) {
        case sansio::exchange_action::wait_gate:
            return act(self, st.algo.resume(steady::now(), net::error::operation_aborted, was_cancelled(self)));
        case sansio::exchange_action::sleep: return act(self, st.algo.resume(steady::now(), ec));
        default: return act(self, sansio::exchange_action{});
        }
    }
    // The transport completed.
    template <class Self>
    void operator()(Self& self, error_code ec, http_response resp)
    {
        st_->algo.response() = std::move(resp);
        act(self, st_->algo.resume(steady::now(), ec, was_cancelled(self)));
    }

private:
    template <class Self>
    void act(Self& self, const sansio::exchange_action& a)
    {
        auto& st = *st_;
        st.pending = a.kind;
        const bool terminal_only = a.kind == sansio::exchange_action::send && !st.algo.request().replay_safe;
        if (terminal_only != st.terminal_only) {
            st.terminal_only = terminal_only;
            if (terminal_only)
                self.reset_cancellation_state(net::enable_terminal_cancellation());
            else
                self.reset_cancellation_state(net::enable_total_cancellation());
        }
        switch (a.kind) {
        case sansio::exchange_action::wait_gate:
            st.timer.expires_at(a.wake_at);
            return st.timer.async_wait(std::move(self));
        case sansio::exchange_action::send:
            return cs_->transport.async_send(st.algo.take_request(), std::move(self));
        case sansio::exchange_action::sleep:
            st.timer.expires_after(a.delay);
            return st.timer.async_wait(std::move(self));
        case sansio::exchange_action::done: break;
        }
        error_code ec = st.algo.error();
        result_type value = std::move(st.algo.value());
        st_.reset();
        self.complete(ec, std::move(value));
    }

    std::shared_ptr<cstate> cs_;  // shared with the client: moving or destroying it is safe
    std::unique_ptr<state> st_;
};

// ---- wait: poll a task until it completes or fails -------------------------------------

template <class Client>
class wait_op : net::coroutine {
public:
    struct state {
        typename Client::core client;
        std::string id;
        std::size_t index;
        wait_options opts;
        diagnostics* user_diag;
        diagnostics own_diag;
        typename Client::timer_type timer;
        steady::time_point start = steady::now();
        unsigned attempt = 0;
        std::optional<image_status> last;
        image_result result;

        state(const typename Client::core& c, std::string i, std::size_t idx, wait_options o, diagnostics* d,
              std::optional<image_status> known)
            : client(c), id(std::move(i)), index(idx), opts(std::move(o)), user_diag(d),
              timer(c.st->transport.get_executor()), last(known)
        {
        }
        diagnostics& diag() noexcept { return user_diag ? *user_diag : own_diag; }
        milliseconds elapsed() const
        {
            return std::chrono::duration_cast<milliseconds>(steady::now() - start);
        }
        // Time left before the deadline; nullopt when there is no deadline.
        std::optional<milliseconds> remaining() const
        {
            if (opts.deadline.count() <= 0) return std::nullopt;
            return opts.deadline - elapsed();
        }
    };

    explicit wait_op(std::unique_ptr<state> st) : st_(std::move(st)) {}

    template <class Self>
    void operator()(Self& self, error_code ec = {})
    {
        step(self, ec);
    }
    template <class Self>
    void operator()(Self& self, error_code ec, image_result r)
    {
        st_->result = std::move(r);
        step(self, ec);
    }

private:
    template <class Self>
    void finish(Self& self, error_code ec)
    {
        auto& st = *st_;
        if (ec) st.diag().task_id = st.id;
        self.complete(ec, ec && ec != error::generation_failed ? image_result{} : std::move(st.result));
    }

    template <class Self>
    void step(Self& self, error_code ec)
    {
        auto& st = *st_;
        BOOST_ASIO_CORO_REENTER(this)
        {
            // Polling has no side effect: every cancellation type applies.
            self.reset_cancellation_state(net::enable_total_cancellation());
            for (;;) {
                if (auto left = st.remaining(); left && left->count() <= 0) {
                    st.diag().client_message = "task " + st.id + " did not finish within the deadline";
                    return finish(self, error::timeout);
                }
                BOOST_ASIO_CORO_YIELD Client::start_get_result(
                    st.client, st.id, st.diag(), st.remaining().value_or(milliseconds(0)), std::move(self));
                if (!ec && was_cancelled(self)) return finish(self, net::error::operation_aborted);
                if (ec) {
                    if (ec == error::timeout && st.remaining() && st.remaining()->count() <= 0)
                        st.diag().client_message = "task " + st.id + " did not finish within the deadline";
                    return finish(self, ec);
                }
                if (!st.last || *st.last != st.result.status) {
                    st.last = st.result.status;
                    if (st.opts.on_progress) st.opts.on_progress({st.id, st.index, st.result.status, st.elapsed()});
                }
                if (st.result.status == image_status::completed) return finish(self, {});
                if (st.result.status == image_status::failed) {
                    st.diag().client_message = "generation of task " + st.id + " failed (status 4)";
                    return finish(self, error::generation_failed);
                }
                {
                    milliseconds d = st.opts.schedule.delay(st.attempt++, st.client.st->random_unit());
                    if (auto left = st.remaining(); left && *left < d) d = *left;
                    st.timer.expires_after(d);
                }
                BOOST_ASIO_CORO_YIELD st.timer.async_wait(std::move(self));
                if (ec) return finish(self, net::error::operation_aborted);
            }
        }
    }

    std::unique_ptr<state> st_;
};

// ---- download: the async driver of sansio::download_algo ---------------------------------

// What a download completes with, by the public operation's result type.
struct download_outcome {
    std::string data;       // to memory
    std::string path;       // the file written
    std::uint64_t size = 0; // bytes of the body
};
inline std::string take_download(sansio::download_algo& a, std::string*) { return std::move(a.data()); }
inline std::uint64_t take_download(sansio::download_algo& a, std::uint64_t*) { return a.size(); }
inline download_outcome take_download(sansio::download_algo& a, download_outcome*)
{
    return {std::move(a.data()), a.path(), a.size()};
}

// Each hop one exchange (client->start_fetch); the algorithm decides whether to follow a
// redirect, and its body sink has written the body as it arrived.
template <class Client, class Result>
class download_op : net::coroutine {
public:
    struct state {
        typename Client::core client;
        sansio::download_algo algo;
        diagnostics* diag;
        state(const typename Client::core& c, std::string url, const download_options& o, sansio::download_target t,
              diagnostics* d)
            : client(c), algo(std::move(url), o, std::move(t)), diag(d)
        {
        }
    };
    explicit download_op(std::unique_ptr<state> st) : st_(std::move(st)) {}

    template <class Self>
    void operator()(Self& self, error_code ec = {}, bool = false)
    {
        auto& st = *st_;
        BOOST_ASIO_CORO_REENTER(this)
        {
            // The target is replaced only once the whole body is in (a temporary file,
            // removed on failure): a cancelled download leaves nothing, every type applies.
            self.reset_cancellation_state(net::enable_total_cancellation());
            for (;;) {
                BOOST_ASIO_CORO_YIELD Client::start_fetch(st.client, st.algo, *st.diag, std::move(self));
                if (!st.algo.resume(ec, *st.diag)) break;
            }
            st.algo.finish(ec, *st.diag);
            self.complete(ec, take_download(st.algo, static_cast<Result*>(nullptr)));
        }
    }

private:
    std::unique_ptr<state> st_;
};

// ---- generate: create, wait for every task concurrently, download ---------------------

template <class Client>
class generate_op : net::coroutine {
public:
    struct child {
        net::cancellation_signal cancel;
        diagnostics diag;
        error_code ec;
    };
    struct state {
        typename Client::core client;
        image_request request;
        generate_options opts;
        diagnostics* user_diag;
        diagnostics own_diag;
        typename Client::timer_type join_timer;
        std::vector<image_task> tasks;
        std::vector<generated_image> out;
        std::unique_ptr<child[]> children;
        std::size_t pending = 0;
        bool cancel_sent = false;
        error_code early_failure;  // the output directory's, before anything is sent

        state(const typename Client::core& c, image_request r, generate_options o, diagnostics* d)
            : client(c), request(std::move(r)), opts(std::move(o)), user_diag(d),
              join_timer(c.st->transport.get_executor())
        {
        }
        diagnostics& diag() noexcept { return user_diag ? *user_diag : own_diag; }
    };

    explicit generate_op(std::unique_ptr<state> st) : st_(std::move(st)) {}

    template <class Self>
    void operator()(Self& self, error_code ec = {})
    {
        step(self, ec);
    }
    template <class Self>
    void operator()(Self& self, error_code ec, std::vector<image_task> tasks)
    {
        st_->tasks = std::move(tasks);
        step(self, ec);
    }

private:
    template <class Self>
    void step(Self& self, error_code ec)
    {
        auto& st = *st_;
        BOOST_ASIO_CORO_REENTER(this)
        {
            // Terminal and partial: the tasks a create made stay made (and charged), so a
            // cancelled generate has side effects, and total cancellation cannot be honoured.
            self.reset_cancellation_state(net::enable_partial_cancellation());
            // Where the images go must take files before the create spends credits.
            if (!output_dir_ready(st)) {
                BOOST_ASIO_CORO_YIELD net::post(st.client.ex, std::move(self));  // never inside the call
                return self.complete(st.early_failure, std::vector<generated_image>{});
            }
            BOOST_ASIO_CORO_YIELD Client::start_create(st.client, st.request, st.diag(), std::move(self));
            if (ec) return self.complete(ec, std::vector<generated_image>{});
            st.out.resize(st.tasks.size());
            st.children.reset(new child[st.tasks.size()]);
            st.pending = st.tasks.size();
            for (std::size_t i = 0; i < st.tasks.size(); ++i) {
                st.out[i].task = st.tasks[i];
                if (st.opts.wait.on_progress)
                    st.opts.wait.on_progress({st.tasks[i].id, i, st.tasks[i].status, milliseconds(0)});
            }
            for (std::size_t i = 0; i < st.tasks.size(); ++i) start_child(self, i);
            while (st.pending > 0) {
                st.join_timer.expires_at(steady::time_point::max());
                BOOST_ASIO_CORO_YIELD st.join_timer.async_wait(std::move(self));
                if (st.pending > 0 && was_cancelled(self) && !st.cancel_sent) {
                    st.cancel_sent = true;
                    for (std::size_t i = 0; i < st.tasks.size(); ++i)
                        st.children[i].cancel.emit(net::cancellation_type::terminal);
                }
            }
            // The first failure in request order decides the outcome; every image that did
            // finish is still returned, and every failed one carries its own failure.
            for (std::size_t i = 0; i < st.tasks.size(); ++i) {
                if (!st.children[i].ec) continue;
                st.out[i].ec = st.children[i].ec;
                st.out[i].diag = st.children[i].diag;
                if (st.out[i].diag.task_id.empty()) st.out[i].diag.task_id = st.tasks[i].id;
            }
            for (std::size_t i = 0; i < st.tasks.size(); ++i) {
                if (st.children[i].ec) {
                    error_code first = st.children[i].ec;
                    auto issues = std::move(st.diag().issues);
                    st.diag() = std::move(st.children[i].diag);
                    st.diag().issues = std::move(issues);
                    if (st.diag().task_id.empty()) st.diag().task_id = st.tasks[i].id;
                    return self.complete(first, std::move(st.out));
                }
            }
            self.complete(error_code{}, std::move(st.out));
        }
    }

    // False, with the reason in the diagnostics, when the images' directory takes no files.
    static bool output_dir_ready(state& st)
    {
        if (!st.opts.download || st.opts.output_dir.empty()) return true;
        std::string detail;
        if (prepare_output_dir(st.opts.output_dir, st.early_failure, detail)) return true;
        st.diag().client_message = std::move(detail) + " (nothing was sent)";
        return false;
    }

    template <class Self>
    void start_child(Self& self, std::size_t i)
    {
        state* st = st_.get();
        auto ex = net::get_associated_executor(self, st->client.ex);
        auto done = [st, i](error_code ec) {
            st->children[i].ec = ec;
            if (--st->pending == 0) st->join_timer.cancel();
        };
        auto on_waited = [st, i, done, ex](error_code ec, image_result r) mutable {
            st->out[i].result = std::move(r);
            if (ec || !st->opts.download) return done(ec);

            // To memory, or streamed to <output_dir>/<task id><extension of its first bytes>.
            sansio::download_target target;
            if (!st->opts.output_dir.empty()) {
                target.path = (std::filesystem::path(st->opts.output_dir) / st->tasks[i].id).string();
                target.add_extension = true;
            }
            Client::template start_download<download_outcome>(
                st->client, st->out[i].result.image_url, st->opts.download_limits, std::move(target),
                st->children[i].diag,
                net::bind_cancellation_slot(st->children[i].cancel.slot(),
                                            net::bind_executor(ex, [st, i, done](error_code e, download_outcome d) {
                                                st->out[i].data = std::move(d.data);
                                                st->out[i].file_path = std::move(d.path);
                                                done(e);
                                            })));
        };
        if (st->opts.download && !st->opts.output_dir.empty() && !is_valid_task_id(st->tasks[i].id)) {
            // Service data never becomes a path: a task whose id cannot name a file is not
            // polled (its id may not even fit in a URL), downloaded or written.
            auto& d = st->children[i].diag;
            d.task_id = quote_task_id(st->tasks[i].id);
            d.client_message = "the service's task id " + d.task_id +
                               " is not 1 to 64 characters of A-Z, a-z, 0-9, _ and -: it was not used as a file "
                               "name, nothing was written (the task exists on the service)";
            return done(make_error_code(error::invalid_task_id));
        }
        Client::start_wait(st->client, st->tasks[i].id, i, st->opts.wait, st->children[i].diag, st->tasks[i].status,
                               net::bind_cancellation_slot(st->children[i].cancel.slot(),
                                                           net::bind_executor(ex, std::move(on_waited))));
    }

    std::unique_ptr<state> st_;
};

} // namespace detail
} // namespace akool

#endif
