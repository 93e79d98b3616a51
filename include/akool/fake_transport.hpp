// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_FAKE_TRANSPORT_HPP
#define AKOOL_FAKE_TRANSPORT_HPP

/// @file fake_transport.hpp
/// A scripted transport for unit tests, yours and ours: queue replies or failures, let a
/// request hang until it is cancelled, and read back every request that was sent. Copies
/// share one script and one record, so a test can keep a copy after handing one to a client.
/// It also shows how little a transport needs (example/custom_transport.cpp is a whole one in
/// under 100 lines).

#include <akool/config.hpp>
#include <akool/transport.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace akool {

/// A scripted transport over executor type `Executor`: models `akool::transport`. Every
/// member is thread-safe.
template <class Executor = boost::asio::any_io_executor>
class basic_fake_transport {
public:
    /// The executor that completions are posted to.
    using executor_type = Executor;

    /// One scripted outcome. `respond`, when set, computes the reply from the request.
    struct step {
        error_code ec;           ///< the failure to report; empty for a reply
        http_response response;  ///< the reply (or, on failure, `maybe_sent` and `failure_detail`)
        std::function<http_response(const http_request&)> respond;  ///< computes `response` when set
        bool hang = false;  ///< never completes until the operation is cancelled
    };

    /// An empty script whose completions are posted to `ex`.
    explicit basic_fake_transport(const Executor& ex) : ex_(ex), state_(std::make_shared<state>()) {}

    /// The executor given to the constructor.
    executor_type get_executor() const noexcept { return ex_; }

    /// Queues a reply with this status, body and headers.
    basic_fake_transport& push_reply(int status, std::string body, std::vector<http_field> headers = {})
    {
        step s;
        s.response.status = status;
        s.response.body = std::move(body);
        s.response.headers = std::move(headers);
        return push(std::move(s));
    }

    /// Queues a failure. `maybe_sent` tells the client whether the request may have arrived:
    /// left false, a create that fails with `error::timeout` ends as `error::request_not_sent`
    /// (not processed), as after a connect that timed out.
    basic_fake_transport& push_failure(error_code ec, bool maybe_sent = false)
    {
        step s;
        s.ec = ec;
        s.response.maybe_sent = maybe_sent;
        s.response.failure_detail = "scripted failure: " + ec.message();
        return push(std::move(s));
    }

    /// Queues a reply computed from the request.
    basic_fake_transport& push_handler(std::function<http_response(const http_request&)> f)
    {
        step s;
        s.respond = std::move(f);
        return push(std::move(s));
    }

    /// Queues a request that completes only when its operation is cancelled.
    basic_fake_transport& push_hang()
    {
        step s;
        s.hang = true;
        return push(std::move(s));
    }

    /// Queues any step.
    basic_fake_transport& push(step s)
    {
        std::lock_guard<std::mutex> lock(state_->mtx);
        state_->script.push_back(std::move(s));
        return *this;
    }

    /// Answers every request once the script is empty (a router for concurrent requests,
    /// whose order is not fixed).
    basic_fake_transport& set_fallback(std::function<http_response(const http_request&)> f)
    {
        std::lock_guard<std::mutex> lock(state_->mtx);
        state_->fallback = std::move(f);
        return *this;
    }

    /// Delivers a body to a request's `body_sink` in chunks of `n` bytes (0, the default:
    /// the whole body in one call).
    basic_fake_transport& set_sink_chunk(std::size_t n)
    {
        std::lock_guard<std::mutex> lock(state_->mtx);
        state_->sink_chunk = n;
        return *this;
    }
    /// Whether a body sink is told the body's length before its chunks (`announce_length`,
    /// as a reply with Content-Length does); on by default. Off: a body of unknown length.
    basic_fake_transport& set_sink_length(bool on)
    {
        std::lock_guard<std::mutex> lock(state_->mtx);
        state_->sink_length = on;
        return *this;
    }
    /// Every request sent so far, in order.
    std::vector<http_request> sent() const
    {
        std::lock_guard<std::mutex> lock(state_->mtx);
        return state_->sent;
    }

    /// Scripted steps not consumed yet.
    std::size_t pending() const
    {
        std::lock_guard<std::mutex> lock(state_->mtx);
        return state_->script.size();
    }

    /// Sends `req`: records it and completes with the next scripted step, else the fallback,
    /// else `asio::error::not_connected`.
    ///
    /// @par Handler signature
    /// `void(error_code, http_response)`.
    /// @par Executor
    /// The outcome is posted to this transport's executor and delivered through the handler's
    /// associated executor; never inside `async_send`.
    /// @par Per-operation cancellation
    /// Only a hanging step (`push_hang`) reads the handler's cancellation slot: any signal
    /// completes it with `asio::error::operation_aborted` and `maybe_sent` set. A hanging step
    /// whose handler has no slot is dropped, never completed. Other steps ignore cancellation.
    /// @par Object lifetimes
    /// `req` is taken over (recorded in `sent()`); the script is shared by copies of the
    /// transport, so the handler may outlive this object.
    template <class Handler>
    void async_send(http_request&& req, Handler&& handler)
    {
        step s = next(std::move(req));
        if (s.hang) return hang(std::forward<Handler>(handler));
        boost::asio::post(ex_, boost::asio::append(std::forward<Handler>(handler), s.ec, std::move(s.response)));
    }

    /// The blocking form: records a copy of `req` and returns the next scripted step in `out`
    /// and `ec` on the calling thread. A `push_hang` step cannot be cancelled here: it fails
    /// at once with `asio::error::timed_out` (maybe_sent set), standing for a timeout (the Beast
    /// transport's is `error::timeout`).
    void send(const http_request& req, http_response& out, error_code& ec)
    {
        step s = next(http_request(req));
        if (s.hang) {
            s.ec = boost::asio::error::timed_out;
            s.response = http_response{};
            s.response.maybe_sent = true;
            s.response.failure_detail = "fake transport: a hung request timed out";
        }
        ec = s.ec;
        out = std::move(s.response);
    }

private:
    // Records `req` and takes the step that answers it.
    step next(http_request&& req)
    {
        step s;
        std::lock_guard<std::mutex> lock(state_->mtx);
        state_->sent.push_back(std::move(req));
        if (state_->script.empty() && state_->fallback) {
            s.respond = state_->fallback;
        } else if (state_->script.empty()) {
            s.ec = boost::asio::error::not_connected;
            s.response.failure_detail = "fake transport: no scripted reply left";
        } else {
            s = std::move(state_->script.front());
            state_->script.pop_front();
        }
        if (s.respond) s.response = s.respond(state_->sent.back());
        auto& sink = state_->sent.back().body_sink;
        if (!s.ec && !s.hang && sink && s.response.status == 200) {
            // The body through the request's sink, as every transport must: its length first
            // (unless set_sink_length(false)), then chunks of `sink_chunk` bytes (the whole
            // body at once by default).
            std::string body = std::move(s.response.body);
            s.response.body.clear();
            if (state_->sink_length) sink.announce_length(body.size());
            std::size_t step_size = state_->sink_chunk ? state_->sink_chunk : body.size();
            for (std::size_t at = 0; at < body.size() && !s.ec; at += step_size)
                sink(std::string_view(body).substr(at, step_size), s.ec);
            if (s.ec) s.response.failure_detail = "fake transport: the body sink refused a chunk: " + s.ec.message();
        }
        return s;
    }

    // A wait that only a cancellation ends: a timer that never expires, pending in the
    // io_context like any operation, so destroying the context destroys the handler too (it
    // used to sit in the slot's own handler: a handler that owns its signal, as a
    // parallel_group's does, was never freed).
    template <class Handler>
    void hang(Handler&& handler)
    {
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        if (!slot.is_connected()) return;  // nothing can ever complete it: dropped, as a dead peer would be
        using timer_type = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                             boost::asio::wait_traits<std::chrono::steady_clock>, Executor>;
        auto timer = std::make_unique<timer_type>(ex_, timer_type::time_point::max());
        auto& t = *timer;
        t.async_wait(boost::asio::bind_cancellation_slot(
            slot, [timer = std::move(timer), ex = ex_, h = std::forward<Handler>(handler)](error_code) mutable {
                http_response r;
                r.maybe_sent = true;
                r.failure_detail = "fake transport: cancelled while waiting";
                boost::asio::post(ex, boost::asio::append(std::move(h), error_code(boost::asio::error::operation_aborted),
                                                          std::move(r)));
            }));
    }

    struct state {
        mutable std::mutex mtx;
        std::deque<step> script;
        std::vector<http_request> sent;
        std::function<http_response(const http_request&)> fallback;
        std::size_t sink_chunk = 0;
        bool sink_length = true;
    };
    Executor ex_;
    std::shared_ptr<state> state_;
};

/// The fake transport over `any_io_executor`.
using fake_transport = basic_fake_transport<>;

} // namespace akool

#endif
