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
#include <akool/detail/address_policy.hpp>
#include <akool/detail/warnings.hpp>
#include <akool/detail/was_cancelled.hpp>
#include <akool/detail/protocol.hpp>
#include <akool/detail/request_gate.hpp>
#include <akool/detail/sansio/download.hpp>
#include <akool/detail/sansio/exchange.hpp>
#include <akool/detail/sansio/generate.hpp>
#include <akool/detail/sansio/wait.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/errc.hpp>

#include <atomic>
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

// ---- what every operation of one client shares ---------------------------------------

template <class Transport>
struct client_state {
    using executor_type = typename Transport::executor_type;
    using timer_type = net::basic_waitable_timer<steady, net::wait_traits<steady>, executor_type>;

    Transport transport;
    client_options opts;
    retry_policy retry;
    exchange_gate gate;
    sansio::renewed_token renewed;  // the token got with opts.credentials, when there is one
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

    struct state final : gate_waiter, std::enable_shared_from_this<state> {
        // The client's state, declared first so that it outlives `algo`, whose end leaves the
        // client's gate (gate_place): also when a wake-up's lock of this state is its last.
        std::shared_ptr<cstate> cs;
        diagnostics own_diag;
        typename cstate::timer_type timer;
        algo_type algo;
        sansio::exchange_action::kind_t pending = sansio::exchange_action::done;
        bool terminal_only = false;  // the cancellation filter of a send that must not repeat
        std::atomic<unsigned> waits_ended{0};  // gate and token waits ended so far

        state(std::shared_ptr<cstate> client, diagnostics* user_diag, http_request req, error_code build_ec,
              Decode dec, request_kind kind)
            : cs(std::move(client)), timer(cs->transport.get_executor()),
              algo(std::move(req), build_ec, cs->gate, *this, cs->retry, kind, std::move(dec), cs->jitter(),
                   user_diag ? *user_diag : own_diag, &cs->opts.on_exchange,
                   renews_token<Decode> ? &cs->opts : nullptr, &cs->renewed)
        {
        }
        // Wakes the gate or token wait under way, or about to start (the request gate's
        // `leave`, the end of another exchange's token request), from any thread: a blocking
        // exchange on another thread calls it too. The timer is touched on the operation's
        // executor only (inline when already there), and only while that wait lasts.
        void cancel() noexcept override
        {
            net::dispatch(timer.get_executor(), [weak = this->weak_from_this(), n = waits_ended.load()] {
                auto s = weak.lock();
                if (s && s->waits_ended.load() == n && s->pending == sansio::exchange_action::wait_gate)
                    s->timer.cancel();
            });
        }
    };

    explicit exchange_op(std::shared_ptr<state> st) : st_(std::move(st))
    {
        (void)&probe_completion<Transport>;  // a transport completing otherwise fails with a clear message
    }
    // Move-only, as the other operations are: a copy would share the state, so a deferred
    // operation launched twice (Asio copies it for each launch from an lvalue) would drive
    // one exchange from two handlers. Launching it twice does not compile.
    exchange_op(exchange_op&&) = default;
    exchange_op& operator=(exchange_op&&) = default;
    exchange_op(const exchange_op&) = delete;
    exchange_op& operator=(const exchange_op&) = delete;

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
            auto ex = st_->cs->transport.get_executor();  // before `self` (and st_ with it) moves
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
            ++st.waits_ended;
            return act(self, st.algo.resume(steady::now(), net::error::operation_aborted, was_cancelled(self)));
        case sansio::exchange_action::sleep: {
            // A cancellation that came after the backoff's timer expired, before this handler
            // ran, is the caller's word too: the retry is not sent.
            if (!ec && was_cancelled(self)) ec = net::error::operation_aborted;
            return act(self, st.algo.resume(steady::now(), ec));
        }
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
            return st.cs->transport.async_send(st.algo.take_request(), std::move(self));
        case sansio::exchange_action::sleep:  // saturated: a backoff may be milliseconds::max()
            st.timer.expires_at(from_now(a.delay));
            return st.timer.async_wait(std::move(self));
        case sansio::exchange_action::done: break;
        }
        error_code ec = st.algo.error();
        // The algorithm's own cancellation code (it has no Asio: a cancellation it found after a
        // token exchange) as Asio's operations report one; a transport's own code is left alone.
        if (ec == make_error_code(boost::system::errc::operation_canceled) && was_cancelled(self))
            ec = net::error::operation_aborted;
        result_type value = std::move(st.algo.value());
        const std::shared_ptr<cstate> client = st.cs;  // as long as the handler runs, as before
        st_.reset();
        self.complete(ec, std::move(value));
    }

    // Shared: a wake-up posted to the executor holds it weakly. It shares the client's state
    // (st_->cs): moving or destroying the client is safe.
    std::shared_ptr<state> st_;
};

// ---- wait: the async driver of sansio::wait_algo -------------------------------------------

// Carries out the wait algorithm's actions: a poll is a get-result exchange (start_get_result,
// retried as async_get_result), a sleep one timer.
template <class Client>
class wait_op {
public:
    struct state {
        diagnostics own_diag;  // when the caller passed none
        typename Client::core client;
        wait_options opts;
        diagnostics* diag;
        typename Client::timer_type timer;
        sansio::wait_algo algo;
        bool done_at_start = false;

        state(const typename Client::core& c, std::string id, std::size_t index, wait_options o, diagnostics* d,
              std::optional<image_status> known)
            : client(c), opts(std::move(o)), diag(d ? d : &own_diag), timer(c.st->transport.get_executor()),
              algo(std::move(id), index, opts, known, c.st->jitter(), *diag, steady::now())
        {
        }
    };

    explicit wait_op(std::unique_ptr<state> st) : st_(std::move(st)) {}

    // Start (and, when the algorithm is done at once, the post that completes it).
    template <class Self>
    void operator()(Self& self)
    {
        auto& st = *st_;
        if (st.done_at_start) return act(self, sansio::wait_action{});
        // Polling has no side effect: every cancellation type applies.
        self.reset_cancellation_state(net::enable_total_cancellation());
        sansio::wait_action a = st.algo.start(steady::now());
        if (a.kind == sansio::wait_action::done) {
            st.done_at_start = true;
            auto ex = st.client.ex;  // never complete inside the initiating call
            return net::post(ex, std::move(self));
        }
        act(self, a);
    }
    // The delay before the next poll ended, or was cancelled (also after its timer expired,
    // before this handler ran: the next poll is not sent).
    template <class Self>
    void operator()(Self& self, error_code ec)
    {
        const bool cancelled = ec || was_cancelled(self);
        act(self, st_->algo.on_slept(steady::now(), cancelled ? error_code(net::error::operation_aborted) : error_code{}));
    }
    // A poll ended.
    template <class Self>
    void operator()(Self& self, error_code ec, image_result r)
    {
        if (!ec && was_cancelled(self)) return act(self, st_->algo.stop(net::error::operation_aborted));
        act(self, st_->algo.on_polled(steady::now(), ec, std::move(r)));
    }

private:
    template <class Self>
    void act(Self& self, const sansio::wait_action& a)
    {
        auto& st = *st_;
        switch (a.kind) {
        case sansio::wait_action::poll:
            return Client::start_get_result(st.client, st.algo.id(), *st.diag, a.timeout, std::move(self));
        case sansio::wait_action::sleep:
            st.timer.expires_at(a.wake_at);
            return st.timer.async_wait(std::move(self));
        case sansio::wait_action::done: break;
        }
        error_code ec = st.algo.error();
        image_result r = std::move(st.algo.value());
        st_.reset();
        self.complete(ec, std::move(r));
    }

    std::unique_ptr<state> st_;
};

// ---- download: the async driver of sansio::download_algo ---------------------------------

// Each hop one exchange (client->start_fetch); the algorithm decides whether to follow a
// redirect, and its body sink has written the body as it arrived.
AKOOL_DETAIL_CORO_WARNINGS_PUSH

template <class Client, class Result>
class download_op : net::coroutine {
public:
    struct state {
        diagnostics own_diag;  // when the caller passed none
        typename Client::core client;
        sansio::download_algo algo;
        diagnostics* diag;
        state(const typename Client::core& c, std::string url, const download_options& o, sansio::download_target t,
              diagnostics* d)
            : client(c), algo(std::move(url), o, std::move(t), public_downloads_only(o, c.st->opts.base_url)),
              diag(d ? d : &own_diag)
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
                if (was_cancelled(self)) {  // came with the redirect: it is not followed
                    ec = net::error::operation_aborted;
                    break;
                }
            }
            st.algo.finish(ec, *st.diag);
            self.complete(ec, sansio::take_download(st.algo, static_cast<Result*>(nullptr)));
        }
    }

private:
    std::unique_ptr<state> st_;
};

// ---- generate: the async driver of sansio::generate_algo -----------------------------------

// Carries out the generate algorithm's actions: the create, then every poll and download it
// asks for, concurrently (each with its own cancellation signal), one timer for the next
// poll that is due. A poll or download that ends wakes the timer so that the algorithm is
// asked again.
template <class Client>
class generate_op : net::coroutine {
public:
    struct state {
        diagnostics own_diag;  // when the caller passed none
        typename Client::core client;
        image_request request;
        generate_options opts;
        diagnostics* diag;
        typename Client::timer_type timer;
        sansio::generate_algo algo;
        std::unique_ptr<net::cancellation_signal[]> signals;
        bool cancel_sent = false;

        state(const typename Client::core& c, image_request r, generate_options o, diagnostics* d)
            : client(c), request(std::move(r)), opts(std::move(o)), diag(d ? d : &own_diag),
              timer(c.st->transport.get_executor()), algo(opts, *diag, c.st->jitter())
        {
        }
    };

    explicit generate_op(std::unique_ptr<state> st) : st_(std::move(st)) {}

    template <class Self>
    void operator()(Self& self, error_code = {})
    {
        step(self);
    }
    template <class Self>
    void operator()(Self& self, error_code ec, std::vector<image_task> tasks)
    {
        st_->algo.on_created(steady::now(), ec, std::move(tasks));
        step(self);
    }

private:
    template <class Self>
    void step(Self& self)
    {
        auto& st = *st_;
        BOOST_ASIO_CORO_REENTER(this)
        {
            // Terminal and partial: the tasks a create made stay made (and charged), so a
            // cancelled generate has side effects, and total cancellation cannot be honoured.
            self.reset_cancellation_state(net::enable_partial_cancellation());
            if (st.algo.start().kind == sansio::generate_action::done) {
                BOOST_ASIO_CORO_YIELD net::post(st.client.ex, std::move(self));  // never inside the call
                return complete(self);
            }
            BOOST_ASIO_CORO_YIELD Client::start_create(st.client, st.request, *st.diag, std::move(self));
            if (!st.algo.value().empty()) st.signals.reset(new net::cancellation_signal[st.algo.value().size()]);
            while (start_due(self)) {
                BOOST_ASIO_CORO_YIELD st.timer.async_wait(std::move(self));
            }
            complete(self);
        }
    }

    template <class Self>
    void complete(Self& self)
    {
        error_code ec = st_->algo.error();
        std::vector<generated_image> out = std::move(st_->algo.value());
        st_.reset();
        self.complete(ec, std::move(out));
    }

    // Starts every action the algorithm has now; false when it is done, else the timer is set
    // to the next poll that is due.
    template <class Self>
    bool start_due(Self& self)
    {
        auto& st = *st_;
        if (was_cancelled(self) && !st.cancel_sent) {
            st.cancel_sent = true;
            st.algo.cancel(net::error::operation_aborted);
            for (std::size_t i = 0; i < st.algo.value().size(); ++i)
                st.signals[i].emit(net::cancellation_type::terminal);
        }
        for (;;) {
            sansio::generate_action a = st.algo.next(steady::now());
            switch (a.kind) {
            case sansio::generate_action::poll: start_poll(self, a); break;
            case sansio::generate_action::download: start_download(self, a.task); break;
            case sansio::generate_action::idle: st.timer.expires_at(a.wake_at); return true;
            default: return false;
            }
        }
    }

    template <class Self>
    void start_poll(Self& self, const sansio::generate_action& a)
    {
        state* st = st_.get();
        const std::size_t i = a.task;
        auto ex = net::get_associated_executor(self, st->client.ex);
        Client::start_get_result(st->client, st->algo.task_id(i), st->algo.task_diag(i), a.timeout,
                                 net::bind_cancellation_slot(
                                     st->signals[i].slot(), net::bind_executor(ex, [st, i](error_code ec, image_result r) {
                                         st->algo.on_polled(i, steady::now(), ec, std::move(r));
                                         st->timer.cancel();  // ask the algorithm again
                                     })));
    }

    template <class Self>
    void start_download(Self& self, std::size_t i)
    {
        state* st = st_.get();
        auto ex = net::get_associated_executor(self, st->client.ex);
        Client::template start_download<sansio::download_outcome>(
            st->client, st->algo.download_url(i), st->algo.download_limits(), st->algo.target(i),
            &st->algo.task_diag(i),
            net::bind_cancellation_slot(st->signals[i].slot(),
                                        net::bind_executor(ex, [st, i](error_code ec, sansio::download_outcome d) {
                                            st->algo.on_downloaded(i, ec, std::move(d));
                                            st->timer.cancel();
                                        })));
    }

    std::unique_ptr<state> st_;
};

AKOOL_DETAIL_CORO_WARNINGS_POP

} // namespace detail
} // namespace akool

#endif
