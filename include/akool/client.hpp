// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_CLIENT_HPP
#define AKOOL_CLIENT_HPP

/// @file client.hpp
/// `basic_client<Transport, Executor>`: the service's operations over any transport.
///
/// Every operation comes in three forms:
///  - `async_x(args..., [diagnostics&,] token)`: any Asio completion token (callback,
///    `use_future`, `use_awaitable`, `deferred`, `yield_context`). The handler runs on its
///    associated executor, by default the client's. Per-operation cancellation: emit on the
///    handler's cancellation slot (any type); the transport stops and the operation completes
///    with `asio::error::operation_aborted`. A create cancelled after it was sent may still
///    have been processed (diagnostics say so).
///  - `x(args..., error_code&, [diagnostics&])`: synchronous, never throws for an operation
///    failure;
///  - `x(args...)`: synchronous, throws `error_with_diagnostics` through boost::throw_exception.
/// The synchronous forms block the calling thread. Create, get-result and get-token run the
/// exchange on the calling thread through the transport's blocking `send` (same retry
/// decisions as the async forms; retry delays are slept, the request gate is waited on): they
/// never run, poll or restart the client's io_context, and may be called from any thread,
/// including one that runs it. Wait, generate and the downloads still drive the client's
/// io_context until the operation completes: call them only when no other thread runs that
/// io_context (they need an executor of an io_context).
///
/// An invalid request fails with `error::validation_failed`, the validator's findings in
/// `diagnostics::issues`, and sends no byte.

#include <akool/client_options.hpp>
#include <akool/config.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>
#include <akool/transport.hpp>
#include <akool/workflow.hpp>
#include <akool/detail/blocking_driver.hpp>
#include <akool/detail/client_ops.hpp>
#include <akool/detail/protocol.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace akool {
namespace detail {

template <class Executor, class = void>
struct has_io_context : std::false_type {};
template <class Executor>
struct has_io_context<Executor, std::enable_if_t<std::is_convertible_v<
                                    decltype(boost::asio::query(std::declval<const Executor&>(),
                                                                boost::asio::execution::context)),
                                    boost::asio::io_context&>>> : std::true_type {};

} // namespace detail

/// The client over any `Transport` (see transport.hpp; checked member by member), with its
/// completion handlers on `Executor` by default.
template <class Transport, class Executor = typename Transport::executor_type>
#if AKOOL_HAS_CONCEPTS
    requires transport<Transport>
#endif
class basic_client {
#if !AKOOL_HAS_CONCEPTS
    static_assert(detail::check_transport<Transport>::value);
#endif
    using state_type = detail::client_state<Transport>;

public:
    using transport_type = Transport;
    using executor_type = Executor;
    /// Timers of the workflow (poll delays, backoff) run on the transport's executor.
    using timer_type = typename state_type::timer_type;
    template <class T>
    using default_token = boost::asio::default_completion_token_t<Executor>;

    /// A client whose handlers default to the transport's executor.
    explicit basic_client(Transport transport, client_options opts = {})
        : ex_(transport.get_executor()), st_(std::make_unique<state_type>(std::move(transport), std::move(opts)))
    {
    }

    /// A client whose handlers default to `ex`.
    basic_client(const Executor& ex, Transport transport, client_options opts = {})
        : ex_(ex), st_(std::make_unique<state_type>(std::move(transport), std::move(opts)))
    {
    }

    executor_type get_executor() const noexcept { return ex_; }
    Transport& transport() noexcept { return st_->transport; }
    const client_options& options() const noexcept { return st_->opts; }

    /// Authenticates with an API key from now on (`x-api-key`), dropping any token.
    void set_api_key(std::string key)
    {
        st_->opts.api_key = std::move(key);
        st_->opts.token.clear();
    }
    /// Authenticates with a bearer token from now on; it takes precedence over the API key.
    void set_token(std::string token) { st_->opts.token = std::move(token); }

    /// The retry policy of operations started from now on.
    const retry_policy& get_retry_policy() const noexcept { return st_->retry; }
    void set_retry_policy(const retry_policy& p) { st_->retry = p; }

    /// Limits on exchanges in flight and on the request rate, for every operation of this client.
    rate_limits get_limits() const { return st_->gate.limits(); }
    void set_limits(const rate_limits& l) { st_->gate.set_limits(l); }

    /// Seeds the jitter of poll and retry delays (for reproducible runs).
    void seed_jitter(unsigned seed)
    {
        std::lock_guard<std::mutex> lock(st_->rng_mtx);
        st_->rng.seed(seed);
    }

    // ---- create ------------------------------------------------------------------------

    /// Starts a generation: validates `req` (nothing is sent when it is invalid), posts it,
    /// and completes with the created tasks, always as a sequence (one per image of the batch).
    /// Handler: `void(error_code, std::vector<image_task>)`. `diag` must outlive the operation;
    /// `req` is encoded at initiation and need not. Retried only where no byte can have
    /// reached the service (see retry_policy).
    template <class CompletionToken = default_token<void>>
    auto async_create(const image_request& req, diagnostics& diag, CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_create(req, diag, std::forward<CompletionToken>(token));
    }
    template <class CompletionToken = default_token<void>>
    auto async_create(const image_request& req, CompletionToken&& token = default_token<void>{})
    {
        return start_exchange<detail::decode_create>(
            [&](error_code& ec, diagnostics& d) { return detail::make_create_request(st_->opts, req, ec, d); },
            nullptr, request_kind::create, {}, std::forward<CompletionToken>(token));
    }
    std::vector<image_task> create(const image_request& req, error_code& ec, diagnostics& diag)
    {
        diag.clear();
        return exchange_blocking<detail::decode_create>(
            [&](error_code& e, diagnostics& d) { return detail::make_create_request(st_->opts, req, e, d); }, diag, request_kind::create, ec);
    }
    std::vector<image_task> create(const image_request& req, error_code& ec)
    {
        diagnostics diag;
        return create(req, ec, diag);
    }
    std::vector<image_task> create(const image_request& req)
    {
        return or_throw<std::vector<image_task>>([&](error_code& ec, diagnostics& d) { return create(req, ec, d); });
    }

    // ---- get result --------------------------------------------------------------------

    /// Reads a task's state (`infobymodelid`), retrying transient failures.
    /// Handler: `void(error_code, image_result)`.
    template <class CompletionToken = default_token<void>>
    auto async_get_result(std::string_view task_id, diagnostics& diag, CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_get_result(task_id, diag, milliseconds(0), std::forward<CompletionToken>(token));
    }
    template <class CompletionToken = default_token<void>>
    auto async_get_result(std::string_view task_id, CompletionToken&& token = default_token<void>{})
    {
        return start_exchange<detail::decode_result>(
            [&](error_code& ec, diagnostics& d) { return detail::make_result_request(st_->opts, task_id, ec, d); },
            nullptr, request_kind::read, {}, std::forward<CompletionToken>(token));
    }
    image_result get_result(std::string_view task_id, error_code& ec, diagnostics& diag)
    {
        diag.clear();
        return exchange_blocking<detail::decode_result>(
            [&](error_code& e, diagnostics& d) { return detail::make_result_request(st_->opts, task_id, e, d); }, diag, request_kind::read, ec);
    }
    image_result get_result(std::string_view task_id, error_code& ec)
    {
        diagnostics diag;
        return get_result(task_id, ec, diag);
    }
    image_result get_result(std::string_view task_id)
    {
        return or_throw<image_result>([&](error_code& ec, diagnostics& d) { return get_result(task_id, ec, d); });
    }

    // ---- get token ---------------------------------------------------------------------

    /// Exchanges client credentials for a bearer token (`getToken`). It does not install the
    /// token: call `set_token` with it. Handler: `void(error_code, std::string)`.
    template <class CompletionToken = default_token<void>>
    auto async_get_token(const client_credentials& creds, diagnostics& diag,
                         CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_exchange<detail::decode_token>(
            [&](error_code& ec, diagnostics& d) { return detail::make_token_request(st_->opts, creds, ec, d); },
            &diag, request_kind::read, {}, std::forward<CompletionToken>(token));
    }
    template <class CompletionToken = default_token<void>>
    auto async_get_token(const client_credentials& creds, CompletionToken&& token = default_token<void>{})
    {
        return start_exchange<detail::decode_token>(
            [&](error_code& ec, diagnostics& d) { return detail::make_token_request(st_->opts, creds, ec, d); },
            nullptr, request_kind::read, {}, std::forward<CompletionToken>(token));
    }
    std::string get_token(const client_credentials& creds, error_code& ec, diagnostics& diag)
    {
        diag.clear();
        return exchange_blocking<detail::decode_token>(
            [&](error_code& e, diagnostics& d) { return detail::make_token_request(st_->opts, creds, e, d); }, diag, request_kind::read, ec);
    }
    std::string get_token(const client_credentials& creds, error_code& ec)
    {
        diagnostics diag;
        return get_token(creds, ec, diag);
    }
    std::string get_token(const client_credentials& creds)
    {
        return or_throw<std::string>([&](error_code& ec, diagnostics& d) { return get_token(creds, ec, d); });
    }

    // ---- wait --------------------------------------------------------------------------

    /// Polls a task on `opts.schedule` until it completes, calling `opts.on_progress` on every
    /// status change. Completes with the final result; a failed generation (status 4) is
    /// `error::generation_failed` naming the task (the result is still passed); the deadline
    /// is `error::timeout`. Cancellation stops polling at once (`operation_aborted`).
    /// Handler: `void(error_code, image_result)`.
    template <class CompletionToken = default_token<void>>
    auto async_wait(std::string task_id, wait_options opts, diagnostics& diag,
                    CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_wait(std::move(task_id), 0, std::move(opts), diag, std::nullopt,
                          std::forward<CompletionToken>(token));
    }
    image_result wait(std::string task_id, wait_options opts, error_code& ec, diagnostics& diag)
    {
        return run_sync<image_result>(
            [&](auto&& h) { async_wait(std::move(task_id), std::move(opts), diag, std::move(h)); }, ec);
    }
    image_result wait(std::string task_id, wait_options opts = {})
    {
        return or_throw<image_result>(
            [&](error_code& ec, diagnostics& d) { return wait(std::move(task_id), std::move(opts), ec, d); });
    }

    // ---- generate ----------------------------------------------------------------------

    /// The whole job: create, wait for every task of the batch concurrently, and download each
    /// image (to memory, or atomically to `opts.output_dir`). Completes with one entry per
    /// image, in request order. On the first failure in request order the operation reports
    /// it (diagnostics name the task) and still returns the images that finished.
    /// Cancellation stops every wait and download. Handler:
    /// `void(error_code, std::vector<generated_image>)`.
    template <class CompletionToken = default_token<void>>
    auto async_generate(const image_request& req, generate_options opts, diagnostics& diag,
                        CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        using op = detail::generate_op<basic_client>;
        return boost::asio::async_compose<CompletionToken, void(error_code, std::vector<generated_image>)>(
            op(std::make_unique<typename op::state>(this, req, std::move(opts), &diag)), token, ex_);
    }
    std::vector<generated_image> generate(const image_request& req, generate_options opts, error_code& ec,
                                          diagnostics& diag)
    {
        return run_sync<std::vector<generated_image>>(
            [&](auto&& h) { async_generate(req, std::move(opts), diag, std::move(h)); }, ec);
    }
    std::vector<generated_image> generate(const image_request& req, generate_options opts = {})
    {
        return or_throw<std::vector<generated_image>>(
            [&](error_code& ec, diagnostics& d) { return generate(req, std::move(opts), ec, d); });
    }

    // ---- download ----------------------------------------------------------------------

    /// Fetches a result image into memory through the same transport (no credentials go to
    /// the image host), checking its size and that it is an image. Handler:
    /// `void(error_code, std::string)`.
    template <class CompletionToken = default_token<void>>
    auto async_download(std::string url, download_options opts, diagnostics& diag,
                        CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_download(url, opts, diag, std::forward<CompletionToken>(token));
    }
    std::string download(std::string url, download_options opts, error_code& ec, diagnostics& diag)
    {
        return run_sync<std::string>([&](auto&& h) { async_download(url, opts, diag, std::move(h)); }, ec);
    }
    std::string download(std::string url, download_options opts = {})
    {
        return or_throw<std::string>([&](error_code& ec, diagnostics& d) { return download(url, opts, ec, d); });
    }

    /// Fetches a result image into `path`, atomically: a temporary file in the same directory,
    /// renamed into place only when complete. Handler: `void(error_code, std::uint64_t size)`.
    template <class CompletionToken = default_token<void>>
    auto async_download_to_file(std::string url, std::string path, download_options opts, diagnostics& diag,
                                CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        using op = detail::download_file_op<basic_client>;
        return boost::asio::async_compose<CompletionToken, void(error_code, std::uint64_t)>(
            op(std::make_unique<typename op::state>(
                typename op::state{this, std::move(url), std::move(path), opts, &diag})),
            token, ex_);
    }
    std::uint64_t download_to_file(std::string url, std::string path, download_options opts, error_code& ec,
                                   diagnostics& diag)
    {
        return run_sync<std::uint64_t>(
            [&](auto&& h) { async_download_to_file(std::move(url), std::move(path), opts, diag, std::move(h)); }, ec);
    }
    std::uint64_t download_to_file(std::string url, std::string path, download_options opts = {})
    {
        return or_throw<std::uint64_t>([&](error_code& ec, diagnostics& d) {
            return download_to_file(std::move(url), std::move(path), opts, ec, d);
        });
    }

    // ---- internals used by the composed operations --------------------------------------

    /// (Internal) the state shared by this client's operations.
    state_type& state() noexcept { return *st_; }

    template <class CompletionToken>
    auto start_create(const image_request& req, diagnostics& diag, CompletionToken&& token)
    {
        return start_exchange<detail::decode_create>(
            [&](error_code& ec, diagnostics& d) { return detail::make_create_request(st_->opts, req, ec, d); },
            &diag, request_kind::create, {}, std::forward<CompletionToken>(token));
    }

    template <class CompletionToken>
    auto start_get_result(std::string_view task_id, diagnostics& diag, milliseconds timeout, CompletionToken&& token)
    {
        return start_exchange<detail::decode_result>(
            [&](error_code& ec, diagnostics& d) {
                auto r = detail::make_result_request(st_->opts, task_id, ec, d);
                r.timeout = timeout;
                return r;
            },
            &diag, request_kind::read, {}, std::forward<CompletionToken>(token));
    }

    template <class CompletionToken>
    auto start_download(std::string_view url, const download_options& opts, diagnostics& diag,
                        CompletionToken&& token)
    {
        return start_exchange<detail::decode_download>(
            [&](error_code& ec, diagnostics& d) { return detail::make_download_request(url, opts.max_bytes, ec, d); },
            &diag, request_kind::read, detail::decode_download{opts.require_image},
            std::forward<CompletionToken>(token));
    }

    template <class CompletionToken>
    auto start_wait(std::string task_id, std::size_t index, wait_options opts, diagnostics& diag,
                    std::optional<image_status> known_status, CompletionToken&& token)
    {
        using op = detail::wait_op<basic_client>;
        return boost::asio::async_compose<CompletionToken, void(error_code, image_result)>(
            op(std::make_unique<typename op::state>(this, std::move(task_id), index, std::move(opts), &diag,
                                                    known_status)),
            token, ex_);
    }

private:
    template <class Decode, class Build, class CompletionToken>
    auto start_exchange(Build&& build, diagnostics* user_diag, request_kind kind, Decode decode,
                        CompletionToken&& token)
    {
        using op = detail::exchange_op<Transport, Decode>;
        // Build eagerly: the caller's arguments need not outlive this call.
        error_code build_ec;
        diagnostics* build_diag = user_diag;
        diagnostics scratch;
        if (!build_diag) build_diag = &scratch;
        http_request request = build(build_ec, *build_diag);
        auto st = std::make_unique<typename op::state>(*st_, user_diag, std::move(request), build_ec, std::move(decode),
                                                       kind);
        if (!user_diag) st->own_diag = std::move(scratch);
        return boost::asio::async_compose<CompletionToken, void(error_code, typename op::result_type)>(
            op(*st_, std::move(st)), token, ex_);
    }

    template <class R, class F>
    R or_throw(F&& f)
    {
        error_code ec;
        diagnostics diag;
        R r = f(ec, diag);
        throw_on_error(ec, diag);
        return r;
    }

    // The synchronous exchange: the exchange algorithm carried out on the calling thread by the
    // blocking driver (the transport's blocking send; no executor involved).
    template <class Decode, class Build>
    auto exchange_blocking(Build&& build, diagnostics& diag, request_kind kind, error_code& ec)
    {
        auto& cs = *st_;
        error_code build_ec;
        http_request request = build(build_ec, diag);
        detail::blocking_waiter waiter;
        detail::sansio::exchange_algo<Decode> algo(std::move(request), build_ec, cs.gate, waiter, cs.retry, kind,
                                                   Decode{}, cs.jitter(), diag);
        detail::run_blocking(cs.transport, algo, waiter);
        ec = algo.error();
        return std::move(algo.value());
    }

    // The old synchronous path of wait, generate and the downloads: drives the client's
    // io_context until the async form completes.
    template <class R, class Initiate>
    R run_sync(Initiate&& initiate, error_code& ec)
    {
        static_assert(detail::has_io_context<Executor>::value,
                      "the synchronous forms need an executor of an io_context; use the async forms otherwise");
        boost::asio::io_context& ioc = boost::asio::query(ex_, boost::asio::execution::context);
        std::optional<R> out;
        initiate([&](error_code e, R r) {
            ec = e;
            out.emplace(std::move(r));
        });
        int idle_rounds = 0;
        while (!out) {
            if (ioc.stopped()) ioc.restart();
            if (ioc.run_one() == 0 && !out && ++idle_rounds > 1) {
                ec = boost::asio::error::shut_down;  // nothing left to run: the context was stopped
                return R{};
            }
        }
        return std::move(*out);
    }

    Executor ex_;
    std::unique_ptr<state_type> st_;
};
} // namespace akool

#endif
