// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_CLIENT_HPP
#define AKOOL_CLIENT_HPP

/// @file client.hpp
/// `basic_client<Transport, Executor>`: the service's operations over any transport.
///
/// Every operation comes in three forms:
///  - `async_x(args..., [diagnostics&,] token)`: any Asio completion token (callback,
///    `use_future`, `use_awaitable`, `deferred`, `yield_context`). The handler runs on its
///    associated executor, by default the client's. Per-operation cancellation through the
///    handler's cancellation slot: reads (get-result, get-token, wait, downloads) honour
///    terminal, partial and total, and stop at once; a create honours every type until it is
///    handed to the transport, then only terminal, which ends it in `error::outcome_unknown`
///    once the request may have left (it may have been processed and charged; it is never
///    resent), or `operation_aborted` while nothing was sent; generate honours
///    terminal and partial. Each async function's reference details its handler, executor,
///    cancellation and the lifetimes it needs.
///  - `x(args..., error_code&, [diagnostics&])`: synchronous, never throws for an operation
///    failure;
///  - `x(args...)`: synchronous, throws `error_with_diagnostics` through boost::throw_exception.
/// The synchronous forms block the calling thread and do their I/O on it, through the
/// transport's blocking `send`: the same algorithms as the async forms decide every step
/// (retries, polls, redirects), retry and poll delays are slept, the request gate is waited
/// on. They never run, poll or restart the client's io_context, and may be called from any
/// thread, including one that runs it; but there, while this client's asynchronous operations
/// hold every slot of `set_limits`' `max_in_flight` (only that thread can end them), the call
/// waits for a slot without end (a wait's polls: until the wait's deadline); and when the
/// service refuses its credentials while an asynchronous operation of this client is getting a
/// new token (`client_options::credentials`), the call waits for that token the same way. A
/// synchronous generate runs one action at a time: polls when due and downloads once ready,
/// the earliest first (a poll due before the deadline is made even after a long download).
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
#include <boost/asio/post.hpp>

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
/// The service's operations (create, get result, get token, wait, generate, download) over
/// any transport.
///
/// It owns the transport, the options, the retry policy and the rate limits, which every
/// operation of the client shares. Several operations may run at once (generate runs the
/// waits of a batch concurrently). Operations share the client's state, not the object: the
/// client may be moved, or destroyed, while they run (they then run to their end).
///
/// Threads: a client and its asynchronous operations are not thread-safe. Run them on one
/// strand, or on an io_context that one thread runs. With several threads on the io_context,
/// give the transport a strand (`basic_beast_transport<asio::strand<io_context::executor_type>>`):
/// the client's timers, exchanges and, by default, its handlers then all run on it; start
/// operations and call the setters from that strand. With one thread on the io_context, an
/// operation may also be started from another thread (a `use_future` caller) while no other
/// operation of the client runs. The synchronous forms may be called from any thread at once
/// (they share the request gate and the transport, which lock, and read the options and the
/// retry policy, which do not: call the setters only while no operation runs). See
/// client.hpp for the three forms of each operation.
///
/// @tparam Transport a type that models `akool::transport` (transport.hpp, checked member by
///         member), e.g. `beast_transport` or `fake_transport`.
/// @tparam Executor the default executor of completion handlers; the transport's by default.
template <class Transport, class Executor = typename detail::transport_executor<Transport>::type>
#if AKOOL_HAS_CONCEPTS
    requires transport<Transport>
#endif
class basic_client {
#if !AKOOL_HAS_CONCEPTS
    static_assert(detail::check_transport<Transport>::value);
#endif
    using state_type = detail::client_state<Transport>;

public:
    using transport_type = Transport;  ///< The transport the client owns.
    using executor_type = Executor;    ///< The default executor of completion handlers.
    /// Timers of the workflow (poll delays, backoff) run on the transport's executor.
    using timer_type = typename state_type::timer_type;
    /// The completion token used when none is given: `Executor`'s default completion token
    /// (e.g. an executor from `asio::use_awaitable_t<>::as_default_on`). With an executor
    /// that has none, such as an io_context's, pass a token.
    template <class T>
    using default_token = boost::asio::default_completion_token_t<Executor>;

    /// A client whose handlers default to the transport's executor.
    explicit basic_client(Transport transport, client_options opts = {})
        : c_{nullptr, transport.get_executor()}  // the executor before the transport moves
    {
        c_.st = std::make_shared<state_type>(std::move(transport), std::move(opts));
    }

    /// A client whose handlers default to `ex`.
    basic_client(const Executor& ex, Transport transport, client_options opts = {})
        : c_{std::make_shared<state_type>(std::move(transport), std::move(opts)), ex}
    {
    }

    /// Moving a client is safe while its operations run: they share its state (transport,
    /// options, limits), never the `basic_client` object. A moved-from client may only be
    /// assigned to or destroyed. Not copyable.
    basic_client(basic_client&&) noexcept = default;
    /// As the move constructor.
    basic_client& operator=(basic_client&&) noexcept = default;
    basic_client(const basic_client&) = delete;
    basic_client& operator=(const basic_client&) = delete;

    /// The default executor of completion handlers.
    executor_type get_executor() const noexcept { return c_.ex; }
    /// The transport the client owns (for its own settings and statistics).
    Transport& transport() noexcept { return c_.st->transport; }
    /// The options given to the constructor, as changed by `set_api_key` and `set_token`.
    const client_options& options() const noexcept { return c_.st->opts; }

    /// Authenticates with an API key from now on (`x-api-key`), dropping any token (also one
    /// the client got with `client_options::credentials`).
    void set_api_key(std::string key)
    {
        c_.st->opts.api_key = std::move(key);
        c_.st->opts.token.clear();
        c_.st->renewed.set({});
    }
    /// Authenticates with a bearer token from now on; it takes precedence over the API key,
    /// and replaces a token the client got with `client_options::credentials`.
    void set_token(std::string token)
    {
        c_.st->opts.token = std::move(token);
        c_.st->renewed.set({});
    }

    /// The retry policy of operations started from now on.
    const retry_policy& get_retry_policy() const noexcept { return c_.st->retry; }
    /// Sets the retry policy of operations started from now on.
    void set_retry_policy(const retry_policy& p) { c_.st->retry = p; }

    /// Limits on exchanges in flight and on the request rate, for every operation of this client.
    rate_limits get_limits() const { return c_.st->gate.limits(); }
    /// Sets the limits on exchanges in flight and on the request rate.
    void set_limits(const rate_limits& l) { c_.st->gate.set_limits(l); }

    /// Seeds the jitter of poll and retry delays (for reproducible runs).
    void seed_jitter(unsigned seed)
    {
        std::lock_guard<std::mutex> lock(c_.st->rng_mtx);
        c_.st->rng.seed(seed);
    }

    // ---- create ------------------------------------------------------------------------

    /// Starts a generation: validates `req` (nothing is sent when it is invalid), posts it,
    /// and completes with the created tasks, always as a sequence, in the reply's order: one
    /// per image of the batch, as many as the service returned.
    /// Retried only where the service cannot have processed it (see retry_policy).
    ///
    /// @param req the request.
    /// @param diag the details of a failure (validation findings, the service's code and
    ///        message); cleared in this call.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, std::vector<image_task>)`
    /// @par Executor
    /// The handler runs through its associated executor, by default the client's
    /// (`get_executor()`). A request refused while it is built (invalid arguments, base URL)
    /// completes through a post, never inside this call; so does every other outcome (a
    /// transport never completes inside `async_send`: the Beast transport posts the refusal of
    /// a header holding CR, LF or NUL, such as an API key with a line break).
    /// @par Per-operation cancellation
    /// Until the request is handed to the transport (a wait for the rate limits, or the wait
    /// before a retry) terminal, partial and total cancellation end the operation at once with
    /// `asio::error::operation_aborted`, nothing (more) sent; with
    /// `retry_policy::retry_ambiguous_creates`, once a retry followed an attempt that may have
    /// been processed (HTTP 500, a connection lost after sending), this and every other end
    /// without a task id is `error::outcome_unknown` instead (but a last attempt that is itself
    /// ambiguous keeps its own code: HTTP 500, ...). While the
    /// request is out only terminal cancellation is honoured: the transport abandons it and
    /// the operation completes with `error::outcome_unknown` when the request may have left
    /// (it may have been processed and charged; `diag.client_message` says so; it is never
    /// resent), or with `asio::error::operation_aborted` when the transport had sent nothing
    /// yet (resolving, connecting, TLS). Partial and total signals are then ignored and the
    /// create goes on.
    /// @par A create that was not processed
    /// When no attempt may have been processed (none was sent: a resolve, connect, TLS
    /// handshake or proxy tunnel timed out, `http_response::maybe_sent` clear; or the service
    /// refused each before processing it: 429, 503, 1005, 1108, its credentials) and the
    /// create ends before another is sent (its request timeout, no new token), it completes
    /// with `error::request_not_sent`, never with what would read as "may have been
    /// processed" (`create_may_have_been_processed`): it may be sent again.
    /// @par Object lifetimes
    /// `diag` must stay alive until the handler runs; the client may be moved or destroyed
    /// before (the operation shares its state, and runs to its end). `req` is validated and
    /// encoded in this call (also with a deferred token) and may go when it returns.
    template <class CompletionToken = default_token<void>>
    auto async_create(const image_request& req, diagnostics& diag, CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_create(c_, req, diag, std::forward<CompletionToken>(token));
    }
    /// As the overload with `diag`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::vector<image_task>)`
    /// @par Executor
    /// As the overload with `diag`.
    /// @par Per-operation cancellation
    /// As the overload with `diag`: every type until the request is handed to the transport
    /// (`asio::error::operation_aborted`), then terminal only (`error::outcome_unknown` once
    /// the request may have left).
    /// @par Object lifetimes
    /// The client may be moved or destroyed before the handler runs (the operation shares its
    /// state); `req` is encoded in this call.
    template <class CompletionToken = default_token<void>, class = detail::not_diagnostics<CompletionToken>>
    auto async_create(const image_request& req, CompletionToken&& token = default_token<void>{})
    {
        return start_exchange<detail::decode_create>(
            c_, [&](error_code& ec, diagnostics& d) { return detail::make_create_request(c_.st->opts, req, ec, d); },
            nullptr, request_kind::create, detail::decode_create{image_count(req)},
            std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_create`: blocks until done (see client.hpp). A failure is
    /// reported in `ec` and `diag`, never thrown.
    std::vector<image_task> create(const image_request& req, error_code& ec, diagnostics& diag)
    {
        diag.clear();
        return exchange_blocking<detail::decode_create>(
            [&](error_code& e, diagnostics& d) { return detail::make_create_request(c_.st->opts, req, e, d); }, diag,
            request_kind::create, ec, detail::decode_create{image_count(req)});
    }
    /// Synchronous `async_create`, without diagnostics; a failure is reported in `ec`.
    std::vector<image_task> create(const image_request& req, error_code& ec)
    {
        diagnostics diag;
        return create(req, ec, diag);
    }
    /// Synchronous `async_create`; throws `error_with_diagnostics` on failure.
    std::vector<image_task> create(const image_request& req)
    {
        return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return create(req, ec, d); });
    }

    // ---- get result --------------------------------------------------------------------

    /// Reads a task's state (`infobymodelid`), retrying transient failures. A reply about
    /// another task than `task_id`, or a completed task without an http(s) image URL, fails
    /// with `error::bad_response` (the diagnostics name the field), as `wait` and `generate`
    /// then do.
    ///
    /// @param task_id the task's id (`image_task::id`); an empty one fails with
    ///        `error::validation_failed`.
    /// @param diag the details of a failure; cleared in this call.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, image_result)`
    /// @par Executor
    /// The handler runs through its associated executor, by default the client's
    /// (`get_executor()`). A request refused while it is built (invalid arguments, base URL)
    /// completes through a post, never inside this call; so does every other outcome (a
    /// transport never completes inside `async_send`: the Beast transport posts the refusal of
    /// a header holding CR, LF or NUL, such as an API key with a line break).
    /// @par Per-operation cancellation
    /// Terminal, partial and total cancellation complete the operation at once with
    /// `asio::error::operation_aborted` (a read has no side effect): a wait for the rate
    /// limits or before a retry ends, an exchange in flight is closed by the transport, and
    /// no retry follows.
    /// @par Object lifetimes
    /// `diag` must stay alive until the handler runs; the client may be moved or destroyed
    /// before (the operation shares its state, and runs to its end). `task_id` is copied into
    /// the request in this call and may go when it returns.
    template <class CompletionToken = default_token<void>>
    auto async_get_result(std::string_view task_id, diagnostics& diag, CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_get_result(c_, task_id, diag, milliseconds(0), std::forward<CompletionToken>(token));
    }
    /// As the overload with `diag`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, image_result)`
    /// @par Executor
    /// As the overload with `diag`.
    /// @par Per-operation cancellation
    /// As the overload with `diag`: terminal, partial and total, `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The client may be moved or destroyed before the handler runs (the operation shares its
    /// state); `task_id` is copied in this call.
    template <class CompletionToken = default_token<void>, class = detail::not_diagnostics<CompletionToken>>
    auto async_get_result(std::string_view task_id, CompletionToken&& token = default_token<void>{})
    {
        return start_exchange<detail::decode_result>(
            c_, [&](error_code& ec, diagnostics& d) { return detail::make_result_request(c_.st->opts, task_id, ec, d); },
            nullptr, request_kind::read, detail::decode_result{std::string(task_id)},
            std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_get_result`: blocks until done (see client.hpp). A failure
    /// is reported in `ec` and `diag`, never thrown.
    image_result get_result(std::string_view task_id, error_code& ec, diagnostics& diag)
    {
        diag.clear();
        return get_result_blocking(task_id, diag, milliseconds(0), ec);
    }
    /// Synchronous `async_get_result`, without diagnostics; a failure is reported in `ec`.
    image_result get_result(std::string_view task_id, error_code& ec)
    {
        diagnostics diag;
        return get_result(task_id, ec, diag);
    }
    /// Synchronous `async_get_result`; throws `error_with_diagnostics` on failure.
    image_result get_result(std::string_view task_id)
    {
        return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return get_result(task_id, ec, d); });
    }

    // ---- get token ---------------------------------------------------------------------

    /// Exchanges client credentials for a bearer token (`getToken`). It does not install the
    /// token: call `set_token` with it. Retried like a read (issuing a token twice costs nothing).
    ///
    /// @param creds the client id and secret; both required (else `error::validation_failed`).
    /// @param diag the details of a failure; cleared in this call. It never holds the secret.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, std::string)`: the token.
    /// @par Executor
    /// The handler runs through its associated executor, by default the client's
    /// (`get_executor()`). A request refused while it is built (invalid arguments, base URL)
    /// completes through a post, never inside this call; so does every other outcome (a
    /// transport never completes inside `async_send`: the Beast transport posts the refusal of
    /// a header holding CR, LF or NUL, such as an API key with a line break).
    /// @par Per-operation cancellation
    /// Terminal, partial and total cancellation complete the operation at once with
    /// `asio::error::operation_aborted` (a read has no side effect): a wait for the rate
    /// limits or before a retry ends, an exchange in flight is closed by the transport, and
    /// no retry follows.
    /// @par Object lifetimes
    /// `diag` must stay alive until the handler runs; the client may be moved or destroyed
    /// before (the operation shares its state, and runs to its end). `creds` is encoded in
    /// this call and may go when it returns.
    template <class CompletionToken = default_token<void>>
    auto async_get_token(const client_credentials& creds, diagnostics& diag,
                         CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_exchange<detail::decode_token>(
            c_, [&](error_code& ec, diagnostics& d) { return detail::make_token_request(c_.st->opts, creds, ec, d); },
            &diag, request_kind::read, {}, std::forward<CompletionToken>(token));
    }
    /// As the overload with `diag`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::string)`: the token.
    /// @par Executor
    /// As the overload with `diag`.
    /// @par Per-operation cancellation
    /// As the overload with `diag`: terminal, partial and total, `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The client may be moved or destroyed before the handler runs (the operation shares its
    /// state); `creds` is encoded in this call.
    template <class CompletionToken = default_token<void>, class = detail::not_diagnostics<CompletionToken>>
    auto async_get_token(const client_credentials& creds, CompletionToken&& token = default_token<void>{})
    {
        return start_exchange<detail::decode_token>(
            c_, [&](error_code& ec, diagnostics& d) { return detail::make_token_request(c_.st->opts, creds, ec, d); },
            nullptr, request_kind::read, {}, std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_get_token`: blocks until done (see client.hpp). A failure is
    /// reported in `ec` and `diag`, never thrown.
    std::string get_token(const client_credentials& creds, error_code& ec, diagnostics& diag)
    {
        diag.clear();
        return exchange_blocking<detail::decode_token>(
            [&](error_code& e, diagnostics& d) { return detail::make_token_request(c_.st->opts, creds, e, d); }, diag, request_kind::read, ec);
    }
    /// Synchronous `async_get_token`, without diagnostics; a failure is reported in `ec`.
    std::string get_token(const client_credentials& creds, error_code& ec)
    {
        diagnostics diag;
        return get_token(creds, ec, diag);
    }
    /// Synchronous `async_get_token`; throws `error_with_diagnostics` on failure.
    std::string get_token(const client_credentials& creds)
    {
        return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return get_token(creds, ec, d); });
    }

    // ---- wait --------------------------------------------------------------------------

    /// Polls a task on `opts.schedule` until it completes, calling `opts.on_progress` on every
    /// status change. Completes with the final result; a failed generation (status 4) is
    /// `error::generation_failed` naming the task (the result is still passed); the deadline
    /// is `error::timeout`. Each poll is a get-result exchange, retried as `async_get_result`.
    ///
    /// @param task_id the task's id (`image_task::id`).
    /// @param opts the poll schedule, the deadline (`opts.deadline`, 0: none) and the
    ///        progress callback.
    /// @param diag the details of a failure, naming the task; cleared in this call.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, image_result)`: the final result, also with
    /// `error::generation_failed`; empty on any other failure.
    /// @par Executor
    /// The handler, and `opts.on_progress` before it, run through the handler's associated
    /// executor, by default the client's (`get_executor()`). The poll delays are timers on
    /// the transport's executor.
    /// @par Per-operation cancellation
    /// Terminal, partial and total cancellation stop polling at once: the delay before the
    /// next poll or the poll in flight ends, and the operation completes with
    /// `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// `diag` must stay alive until the handler runs; the client may be moved or destroyed
    /// before (the operation shares its state, and runs to its end). `task_id` and `opts` are
    /// taken by value; what `opts.on_progress` refers to must stay alive until the handler runs.
    template <class CompletionToken = default_token<void>>
    auto async_wait(std::string task_id, wait_options opts, diagnostics& diag,
                    CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_wait(c_, std::move(task_id), 0, std::move(opts), &diag, std::nullopt,
                          std::forward<CompletionToken>(token));
    }
    /// As the overload with `diag`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, image_result)`
    /// @par Executor
    /// As the overload with `diag`.
    /// @par Per-operation cancellation
    /// As the overload with `diag`: terminal, partial and total, `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The client may be moved or destroyed before the handler runs (the operation shares its
    /// state); what `opts.on_progress` refers to must stay alive until the handler runs.
    template <class CompletionToken = default_token<void>, class = detail::not_diagnostics<CompletionToken>>
    auto async_wait(std::string task_id, wait_options opts, CompletionToken&& token = default_token<void>{})
    {
        return start_wait(c_, std::move(task_id), 0, std::move(opts), nullptr, std::nullopt,
                          std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_wait`: blocks until done, polling on the calling thread (see
    /// client.hpp); `opts.on_progress` runs on it. A failure is reported in `ec` and `diag`,
    /// never thrown.
    image_result wait(std::string task_id, wait_options opts, error_code& ec, diagnostics& diag)
    {
        diag.clear();
        detail::sansio::wait_algo algo(std::move(task_id), 0, opts, std::nullopt, c_.st->jitter(), diag,
                                       std::chrono::steady_clock::now());
        for (auto a = algo.start(std::chrono::steady_clock::now()); a.kind != detail::sansio::wait_action::done;) {
            if (a.kind == detail::sansio::wait_action::poll) {
                error_code e;
                image_result r = get_result_blocking(algo.id(), diag, a.timeout, e);
                a = algo.on_polled(std::chrono::steady_clock::now(), e, std::move(r));
            } else {
                detail::sleep_in_steps_until(a.wake_at);
                a = algo.on_slept(std::chrono::steady_clock::now());
            }
        }
        ec = algo.error();
        return std::move(algo.value());
    }
    /// Synchronous `async_wait`, without diagnostics; a failure is reported in `ec`.
    image_result wait(std::string task_id, wait_options opts, error_code& ec)
    {
        diagnostics diag;
        return wait(std::move(task_id), std::move(opts), ec, diag);
    }
    /// Synchronous `async_wait`; throws `error_with_diagnostics` on failure.
    image_result wait(std::string task_id, wait_options opts = {})
    {
        return detail::call_or_throw(
            [&](error_code& ec, diagnostics& d) { return wait(std::move(task_id), std::move(opts), ec, d); });
    }

    // ---- generate ----------------------------------------------------------------------

    /// The whole job: create, wait for every task of the batch concurrently, and download each
    /// image (to memory, or atomically to `opts.output_dir`, which is created when absent and
    /// checked before the create: one that takes no files fails the operation with nothing
    /// sent). Completes with one entry per image, in request order. On the first failure in request order the operation reports
    /// it (diagnostics name the task) and still returns the images that finished.
    ///
    /// @param req the request (see `async_create`).
    /// @param opts how tasks are waited for and images downloaded.
    /// @param diag the details of the failure reported, naming its task; cleared in this call.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, std::vector<generated_image>)`: empty when the create failed or
    /// `opts.output_dir` cannot be used (nothing sent then), else
    /// one entry per task, also on failure.
    /// @par Executor
    /// The handler, and `opts.wait.on_progress` before it, run through the handler's
    /// associated executor, by default the client's (`get_executor()`). Each image is
    /// streamed to its file as it arrives and renamed into place on that executor when its
    /// download completes (see `async_download_to_file`; `download_limits.sync_to_disk`);
    /// `opts.download_limits.on_progress` runs on the thread running the transport's executor.
    /// @par Per-operation cancellation
    /// Terminal and partial cancellation (total is not honoured: the tasks a create made stay
    /// made and charged). During the create, as `async_create` (once the request is out only
    /// terminal applies, ending in `error::outcome_unknown` once the request may have left;
    /// a partial signal there ends the generate when the create completes, its tasks made and
    /// charged); after it, every wait and download of the batch is cancelled, and the
    /// operation completes when they have all ended, with the first failure in request order (normally
    /// `asio::error::operation_aborted`). Images finished by then stay in the result, and
    /// their files on disk.
    /// @par Object lifetimes
    /// `diag` must stay alive until the handler runs; the client may be moved or destroyed
    /// before (the operation shares its state, and runs to its end). `req` is copied in this
    /// call and `opts` taken by value; what `opts.wait.on_progress` refers to must stay alive
    /// until the handler runs.
    template <class CompletionToken = default_token<void>>
    auto async_generate(const image_request& req, generate_options opts, diagnostics& diag,
                        CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_generate(c_, req, std::move(opts), &diag, std::forward<CompletionToken>(token));
    }
    /// As the overload with `diag`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::vector<generated_image>)`
    /// @par Executor
    /// As the overload with `diag`.
    /// @par Per-operation cancellation
    /// As the overload with `diag`: terminal and partial, not total.
    /// @par Object lifetimes
    /// The client may be moved or destroyed before the handler runs (the operation shares its
    /// state); what `opts.wait.on_progress` refers to must stay alive until the handler runs.
    template <class CompletionToken = default_token<void>, class = detail::not_diagnostics<CompletionToken>>
    auto async_generate(const image_request& req, generate_options opts, CompletionToken&& token = default_token<void>{})
    {
        return start_generate(c_, req, std::move(opts), nullptr, std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_generate`: blocks until done, on the calling thread (see client.hpp):
    /// one action at a time, polls when due and downloads once ready, the earliest first (a
    /// poll that fell due before the deadline is made even after a long download);
    /// `opts.wait.on_progress` runs on that thread. A failure is reported in `ec` and `diag`, never thrown.
    std::vector<generated_image> generate(const image_request& req, generate_options opts, error_code& ec,
                                          diagnostics& diag)
    {
        using detail::sansio::generate_action;
        using clock = std::chrono::steady_clock;
        diag.clear();
        detail::sansio::generate_algo algo(opts, diag, c_.st->jitter());
        if (algo.start().kind == generate_action::create) {
            error_code e;
            auto tasks = create(req, e, diag);
            algo.on_created(clock::now(), e, std::move(tasks));
            for (generate_action a = algo.next(clock::now()); a.kind != generate_action::done;
                 a = algo.next(clock::now())) {
                const std::size_t i = a.task;
                if (a.kind == generate_action::poll) {
                    image_result r = get_result_blocking(algo.task_id(i), algo.task_diag(i), a.timeout, e);
                    algo.on_polled(i, clock::now(), e, std::move(r));
                } else if (a.kind == generate_action::download) {
                    auto d = download_blocking<detail::sansio::download_outcome>(
                        algo.download_url(i), algo.download_limits(), algo.target(i), e, algo.task_diag(i));
                    algo.on_downloaded(i, e, std::move(d));
                } else {
                    detail::sleep_in_steps_until(a.wake_at);  // idle: nothing is out here
                }
            }
        }
        ec = algo.error();
        return std::move(algo.value());
    }
    /// Synchronous `async_generate`, without diagnostics; a failure is reported in `ec`.
    std::vector<generated_image> generate(const image_request& req, generate_options opts, error_code& ec)
    {
        diagnostics diag;
        return generate(req, std::move(opts), ec, diag);
    }
    /// Synchronous `async_generate`; throws `error_with_diagnostics` on failure: the images
    /// that finished are not returned then (their files stay in `output_dir`); the error_code
    /// form returns them beside the failure.
    std::vector<generated_image> generate(const image_request& req, generate_options opts = {})
    {
        return detail::call_or_throw(
            [&](error_code& ec, diagnostics& d) { return generate(req, std::move(opts), ec, d); });
    }

    // ---- download ----------------------------------------------------------------------

    /// Fetches a result image into memory through the same transport (no credentials go to
    /// the image host, nor to any host it redirects to), checking its size and that it is an
    /// image (by its first bytes, as they arrive). The string holds the body and no more: sized
    /// once by the reply's Content-Length, or grown (never past `opts.max_bytes`) without one.
    /// Retried like a read, but for a body the download itself refused (too large, not an
    /// image, a file it cannot write: the same would happen again). A reply other than 200 and
    /// not a redirect followed is `error::http_status` whatever its body says (the image
    /// host's body is not an Akool reply). Redirects (301, 302, 303, 307, 308; absolute or relative
    /// Location) are followed up to 5 hops; a sixth or a loop fails with
    /// `error::too_many_redirects`, https to http with `error::insecure_redirect`, a redirect
    /// without a usable Location with `error::bad_redirect` (diagnostics name the URL and the
    /// hop).
    ///
    /// @param url the image's absolute http(s) URL (`image_result::image_url`); any other
    ///        fails with `error::invalid_url`, nothing sent.
    /// @param opts the size limit and the image check.
    /// @param diag the details of a failure; cleared in this call.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, std::string)`: the bytes.
    /// @par Executor
    /// As `async_get_result`; `opts.on_progress` runs on the thread running the transport's
    /// executor, as each chunk arrives.
    /// @par Per-operation cancellation
    /// As `async_get_result`: terminal, partial and total, `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// `diag` must stay alive until the handler runs; the client may be moved or destroyed
    /// before (the operation shares its state, and runs to its end). `url` and `opts` are
    /// taken by value.
    template <class CompletionToken = default_token<void>>
    auto async_download(std::string url, download_options opts, diagnostics& diag,
                        CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_download<std::string>(c_, std::move(url), opts, {}, &diag, std::forward<CompletionToken>(token));
    }
    /// As the overload with `diag`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::string)`
    /// @par Executor
    /// As the overload with `diag`.
    /// @par Per-operation cancellation
    /// As the overload with `diag`: terminal, partial and total, `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The client may be moved or destroyed before the handler runs (the operation shares its state).
    template <class CompletionToken = default_token<void>, class = detail::not_diagnostics<CompletionToken>>
    auto async_download(std::string url, download_options opts, CompletionToken&& token = default_token<void>{})
    {
        return start_download<std::string>(c_, std::move(url), opts, {}, nullptr, std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_download`: blocks until done, on the calling thread (see client.hpp).
    /// A failure is reported in `ec` and `diag`, never thrown.
    std::string download(std::string url, download_options opts, error_code& ec, diagnostics& diag)
    {
        return download_blocking<std::string>(std::move(url), opts, {}, ec, diag);
    }
    /// Synchronous `async_download`, without diagnostics; a failure is reported in `ec`.
    std::string download(std::string url, download_options opts, error_code& ec)
    {
        diagnostics diag;
        return download(std::move(url), std::move(opts), ec, diag);
    }
    /// Synchronous `async_download`; throws `error_with_diagnostics` on failure.
    std::string download(std::string url, download_options opts = {})
    {
        return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return download(url, opts, ec, d); });
    }

    /// Fetches a result image into `path`, atomically: the body is written to a temporary file
    /// in the same directory as it arrives (never held whole in memory), which is renamed into
    /// place only when complete and checked (fsync'd first when `opts.sync_to_disk`); on any
    /// failure it is removed and `path` is untouched. Redirects and checks as `async_download`.
    ///
    /// @param url the image's absolute http(s) URL.
    /// @param path the file to write; its directory must exist.
    /// @param opts the size limit and the image check.
    /// @param diag the details of a failure (the file step that failed); cleared in this call.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, std::uint64_t size)`: the bytes written.
    /// @par Executor
    /// As `async_get_result`. Each chunk is written (unbuffered: one write(2) into the
    /// system's cache, no fsync) by the transport's body sink as it arrives, on the thread
    /// running the transport's executor;
    /// the final flush, the fsync when `opts.sync_to_disk`, and the rename run on the client's
    /// executor just before the handler.
    /// @par Per-operation cancellation
    /// As `async_download`: terminal, partial and total, `asio::error::operation_aborted`;
    /// the temporary file is removed then and `path` is untouched.
    /// @par Object lifetimes
    /// `diag` must stay alive until the handler runs; the client may be moved or destroyed
    /// before (the operation shares its state, and runs to its end). `url`, `path` and `opts`
    /// are taken by value.
    template <class CompletionToken = default_token<void>>
    auto async_download_to_file(std::string url, std::string path, download_options opts, diagnostics& diag,
                                CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_download<std::uint64_t>(c_, std::move(url), opts, {std::move(path)}, &diag,
                                             std::forward<CompletionToken>(token));
    }
    /// As the overload with `diag`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::uint64_t size)`
    /// @par Executor
    /// As the overload with `diag`.
    /// @par Per-operation cancellation
    /// As the overload with `diag`: terminal, partial and total, `asio::error::operation_aborted`;
    /// the temporary file is removed then and `path` is untouched.
    /// @par Object lifetimes
    /// The client may be moved or destroyed before the handler runs (the operation shares its state).
    template <class CompletionToken = default_token<void>, class = detail::not_diagnostics<CompletionToken>>
    auto async_download_to_file(std::string url, std::string path, download_options opts,
                                CompletionToken&& token = default_token<void>{})
    {
        return start_download<std::uint64_t>(c_, std::move(url), opts, {std::move(path)}, nullptr,
                                             std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_download_to_file`: blocks until done, on the calling thread (see
    /// client.hpp). A failure is reported in `ec` and `diag`, never thrown.
    std::uint64_t download_to_file(std::string url, std::string path, download_options opts, error_code& ec,
                                   diagnostics& diag)
    {
        return download_blocking<std::uint64_t>(std::move(url), opts, {std::move(path)}, ec, diag);
    }
    /// Synchronous `async_download_to_file`, without diagnostics; a failure is reported in `ec`.
    std::uint64_t download_to_file(std::string url, std::string path, download_options opts, error_code& ec)
    {
        diagnostics diag;
        return download_to_file(std::move(url), std::move(path), std::move(opts), ec, diag);
    }
    /// Synchronous `async_download_to_file`; throws `error_with_diagnostics` on failure.
    std::uint64_t download_to_file(std::string url, std::string path, download_options opts = {})
    {
        return detail::call_or_throw([&](error_code& ec, diagnostics& d) {
            return download_to_file(std::move(url), std::move(path), opts, ec, d);
        });
    }

    /// Exchanges of this client in flight now (sent, or being sent), against
    /// `rate_limits::max_in_flight`.
    unsigned exchanges_in_flight() const { return c_.st->gate.in_flight(); }

private:
    // ---- internals used by the composed operations (detail/client_ops.hpp) --------------
    template <class>
    friend class detail::wait_op;
    template <class>
    friend class detail::generate_op;
    template <class, class>
    friend class detail::download_op;

    // What the client's operations keep of it: the shared state and the default executor of
    // their handlers. Operations never point at the `basic_client` object.
    struct core {
        std::shared_ptr<state_type> st;  // transport, options, retry policy, limits, jitter
        Executor ex;                     // the default executor of completion handlers
    };

    template <class CompletionToken>
    static auto start_create(const core& c, const image_request& req, diagnostics& diag, CompletionToken&& token)
    {
        return start_exchange<detail::decode_create>(
            c, [&](error_code& ec, diagnostics& d) { return detail::make_create_request(c.st->opts, req, ec, d); },
            &diag, request_kind::create, detail::decode_create{image_count(req)}, std::forward<CompletionToken>(token));
    }

    template <class CompletionToken>
    static auto start_get_result(const core& c, std::string_view task_id, diagnostics& diag, milliseconds timeout,
                                 CompletionToken&& token)
    {
        return start_exchange<detail::decode_result>(
            c,
            [&](error_code& ec, diagnostics& d) {
                auto r = detail::make_result_request(c.st->opts, task_id, ec, d);
                r.timeout = timeout;
                return r;
            },
            &diag, request_kind::read, detail::decode_result{std::string(task_id)},
            std::forward<CompletionToken>(token));
    }

    // A download (its redirects, its body to memory or streamed to `target`), completing
    // with `Result`: std::string (the bytes), std::uint64_t (the size) or detail::sansio::download_outcome.
    template <class Result, class CompletionToken>
    static auto start_download(const core& c, std::string url, const download_options& opts,
                               detail::sansio::download_target target, diagnostics* diag, CompletionToken&& token)
    {
        using op = detail::download_op<basic_client, Result>;
        return boost::asio::async_compose<CompletionToken, void(error_code, Result)>(
            op(std::make_unique<typename op::state>(c, std::move(url), opts, std::move(target), diag)), token, c.ex);
    }

    // One hop of a download: an exchange whose body goes to `algo`'s sink.
    template <class CompletionToken>
    static auto start_fetch(const core& c, detail::sansio::download_algo& algo, diagnostics& diag,
                            CompletionToken&& token)
    {
        return start_exchange<detail::sansio::decode_streamed>(
            c, [&](error_code& ec, diagnostics& d) { return algo.request(ec, d); }, &diag, request_kind::read,
            detail::sansio::decode_streamed{&algo}, std::forward<CompletionToken>(token));
    }

    template <class CompletionToken>
    static auto start_generate(const core& c, const image_request& req, generate_options opts, diagnostics* diag,
                               CompletionToken&& token)
    {
        using op = detail::generate_op<basic_client>;
        return boost::asio::async_compose<CompletionToken, void(error_code, std::vector<generated_image>)>(
            op(std::make_unique<typename op::state>(c, req, std::move(opts), diag)), token, c.ex);
    }

    template <class CompletionToken>
    static auto start_wait(const core& c, std::string task_id, std::size_t index, wait_options opts, diagnostics* diag,
                    std::optional<image_status> known_status, CompletionToken&& token)
    {
        using op = detail::wait_op<basic_client>;
        return boost::asio::async_compose<CompletionToken, void(error_code, image_result)>(
            op(std::make_unique<typename op::state>(c, std::move(task_id), index, std::move(opts), diag,
                                                    known_status)),
            token, c.ex);
    }

    template <class Decode, class Build, class CompletionToken>
    static auto start_exchange(const core& c, Build&& build, diagnostics* user_diag, request_kind kind, Decode decode,
                               CompletionToken&& token)
    {
        using op = detail::exchange_op<Transport, Decode>;
        // Build eagerly: the caller's arguments need not outlive this call.
        error_code build_ec;
        diagnostics* build_diag = user_diag;
        diagnostics scratch;
        if (!build_diag) build_diag = &scratch;
        http_request request = build(build_ec, *build_diag);
        auto st = std::make_shared<typename op::state>(c.st, user_diag, std::move(request), build_ec, std::move(decode),
                                                       kind);
        if (!user_diag) st->own_diag = std::move(scratch);
        return boost::asio::async_compose<CompletionToken, void(error_code, typename op::result_type)>(
            op(std::move(st)), token, c.ex);
    }

    // The synchronous exchange: the exchange algorithm carried out on the calling thread by the
    // blocking driver (the transport's blocking send; no executor involved).
    template <class Decode, class Build>
    auto exchange_blocking(Build&& build, diagnostics& diag, request_kind kind, error_code& ec, Decode decode = {})
    {
        auto& cs = *c_.st;
        error_code build_ec;
        http_request request = build(build_ec, diag);
        detail::blocking_waiter waiter;
        detail::sansio::exchange_algo<Decode> algo(std::move(request), build_ec, cs.gate, waiter, cs.retry, kind,
                                                   std::move(decode), cs.jitter(), diag, &cs.opts.on_exchange,
                                                   detail::renews_token<Decode> ? &cs.opts : nullptr, &cs.renewed);
        detail::run_blocking(cs.transport, algo, waiter);
        ec = algo.error();
        return std::move(algo.value());
    }

    // The synchronous download: the download algorithm with one blocking exchange per hop.
    template <class Result>
    Result download_blocking(std::string url, const download_options& opts, detail::sansio::download_target target,
                             error_code& ec, diagnostics& diag)
    {
        diag.clear();
        detail::sansio::download_algo algo(std::move(url), opts, std::move(target),
                                           detail::public_downloads_only(opts, c_.st->opts.base_url));
        do {
            exchange_blocking<detail::sansio::decode_streamed>(
                [&](error_code& e, diagnostics& d) { return algo.request(e, d); }, diag, request_kind::read, ec,
                detail::sansio::decode_streamed{&algo});
        } while (algo.resume(ec, diag));
        algo.finish(ec, diag);
        return detail::sansio::take_download(algo, static_cast<Result*>(nullptr));
    }

    // One get-result exchange on the calling thread, its timeout `timeout` (0: none).
    image_result get_result_blocking(std::string_view task_id, diagnostics& diag, milliseconds timeout,
                                     error_code& ec)
    {
        return exchange_blocking<detail::decode_result>(
            [&](error_code& e, diagnostics& d) {
                auto r = detail::make_result_request(c_.st->opts, task_id, e, d);
                r.timeout = timeout;
                return r;
            },
            diag, request_kind::read, ec, detail::decode_result{std::string(task_id)});
    }

    core c_;
};
} // namespace akool

#endif
