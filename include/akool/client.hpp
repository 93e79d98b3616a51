// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_CLIENT_HPP
#define AKOOL_CLIENT_HPP

/// @file client.hpp
/// `basic_client<Transport, Executor>`: the service's operations over any transport.
///
/// Every operation comes in three forms:
///  - `async_x(args..., [diagnostics&,] token)`: any Asio completion token (callback,
///    `use_future`, `use_awaitable`, `deferred`, `yield_context`). The handler runs on its
///    associated executor, by default the client's. Per-operation cancellation: emit
///    `cancellation_type::terminal` on the handler's cancellation slot (partial and total are
///    not honoured); the transport stops and the operation completes with
///    `asio::error::operation_aborted`. A create cancelled after it was sent may still
///    have been processed (diagnostics say so). Each async function's reference details
///    its handler, executor, cancellation and the lifetimes it needs.
///  - `x(args..., error_code&, [diagnostics&])`: synchronous, never throws for an operation
///    failure;
///  - `x(args...)`: synchronous, throws `error_with_diagnostics` through boost::throw_exception.
/// The synchronous forms block the calling thread. Create, get-result and get-token run the
/// exchange on the calling thread through the transport's blocking `send` (same retry
/// decisions as the async forms; retry delays are slept, the request gate is waited on): they
/// never run, poll or restart the client's io_context, and may be called from any thread,
/// including one that runs it; so do the downloads (one blocking exchange per redirect hop).
/// Wait and generate still drive the client's io_context until the operation completes: call
/// them only when no other thread runs that io_context (they need an executor of an io_context).
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

/// The service's operations (create, get result, get token, wait, generate, download) over
/// any transport.
///
/// It owns the transport, the options, the retry policy and the rate limits, which every
/// operation of the client shares. Several operations may run at once (generate runs the
/// waits of a batch concurrently). The setters change what operations started afterwards use;
/// do not call them while another thread starts an operation. Asynchronous operations keep a
/// pointer to the client: it must outlive them and must not be moved while one runs. See
/// client.hpp for the three forms of each operation.
///
/// @tparam Transport a type that models `akool::transport` (transport.hpp, checked member by
///         member), e.g. `beast_transport` or `fake_transport`.
/// @tparam Executor the default executor of completion handlers; the transport's by default.
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
        : ex_(transport.get_executor()), st_(std::make_unique<state_type>(std::move(transport), std::move(opts)))
    {
    }

    /// A client whose handlers default to `ex`.
    basic_client(const Executor& ex, Transport transport, client_options opts = {})
        : ex_(ex), st_(std::make_unique<state_type>(std::move(transport), std::move(opts)))
    {
    }

    /// The default executor of completion handlers.
    executor_type get_executor() const noexcept { return ex_; }
    /// The transport the client owns (for its own settings and statistics).
    Transport& transport() noexcept { return st_->transport; }
    /// The options given to the constructor, as changed by `set_api_key` and `set_token`.
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
    /// Sets the retry policy of operations started from now on.
    void set_retry_policy(const retry_policy& p) { st_->retry = p; }

    /// Limits on exchanges in flight and on the request rate, for every operation of this client.
    rate_limits get_limits() const { return st_->gate.limits(); }
    /// Sets the limits on exchanges in flight and on the request rate.
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
    /// Retried only where no byte can have reached the service (see retry_policy).
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
    /// Terminal cancellation (partial and total are not honoured) completes the operation
    /// with `asio::error::operation_aborted`: a wait for the rate limits or before a retry
    /// ends at once, an exchange in flight is closed by the transport (the Beast transport
    /// cannot stop a name resolution: a signal during one is not seen by the exchange, which
    /// then runs to its end with no retry).
    /// A create cancelled after its bytes left may still have been processed and charged:
    /// `diag.client_message` says so, and it is not resent.
    /// @par Object lifetimes
    /// The client and `diag` must stay alive until the handler runs. `req` is validated and
    /// encoded in this call (also with a deferred token) and may go when it returns.
    template <class CompletionToken = default_token<void>>
    auto async_create(const image_request& req, diagnostics& diag, CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_create(req, diag, std::forward<CompletionToken>(token));
    }
    /// As the overload with `diag`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::vector<image_task>)`
    /// @par Executor
    /// As the overload with `diag`.
    /// @par Per-operation cancellation
    /// As the overload with `diag`: terminal only, `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The client must stay alive until the handler runs; `req` is encoded in this call.
    template <class CompletionToken = default_token<void>>
    auto async_create(const image_request& req, CompletionToken&& token = default_token<void>{})
    {
        return start_exchange<detail::decode_create>(
            [&](error_code& ec, diagnostics& d) { return detail::make_create_request(st_->opts, req, ec, d); },
            nullptr, request_kind::create, {}, std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_create`: blocks until done (see client.hpp). A failure is
    /// reported in `ec` and `diag`, never thrown.
    std::vector<image_task> create(const image_request& req, error_code& ec, diagnostics& diag)
    {
        diag.clear();
        return exchange_blocking<detail::decode_create>(
            [&](error_code& e, diagnostics& d) { return detail::make_create_request(st_->opts, req, e, d); }, diag, request_kind::create, ec);
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
        return or_throw<std::vector<image_task>>([&](error_code& ec, diagnostics& d) { return create(req, ec, d); });
    }

    // ---- get result --------------------------------------------------------------------

    /// Reads a task's state (`infobymodelid`), retrying transient failures.
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
    /// Terminal cancellation (partial and total are not honoured) completes the operation
    /// with `asio::error::operation_aborted`: a wait for the rate limits or before a retry
    /// ends at once, an exchange in flight is closed by the transport (the Beast transport
    /// cannot stop a name resolution: a signal during one is not seen by the exchange, which
    /// then runs to its end with no retry).
    /// @par Object lifetimes
    /// The client and `diag` must stay alive until the handler runs. `task_id` is copied into
    /// the request in this call and may go when it returns.
    template <class CompletionToken = default_token<void>>
    auto async_get_result(std::string_view task_id, diagnostics& diag, CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_get_result(task_id, diag, milliseconds(0), std::forward<CompletionToken>(token));
    }
    /// As the overload with `diag`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, image_result)`
    /// @par Executor
    /// As the overload with `diag`.
    /// @par Per-operation cancellation
    /// As the overload with `diag`: terminal only, `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The client must stay alive until the handler runs; `task_id` is copied in this call.
    template <class CompletionToken = default_token<void>>
    auto async_get_result(std::string_view task_id, CompletionToken&& token = default_token<void>{})
    {
        return start_exchange<detail::decode_result>(
            [&](error_code& ec, diagnostics& d) { return detail::make_result_request(st_->opts, task_id, ec, d); },
            nullptr, request_kind::read, {}, std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_get_result`: blocks until done (see client.hpp). A failure
    /// is reported in `ec` and `diag`, never thrown.
    image_result get_result(std::string_view task_id, error_code& ec, diagnostics& diag)
    {
        diag.clear();
        return exchange_blocking<detail::decode_result>(
            [&](error_code& e, diagnostics& d) { return detail::make_result_request(st_->opts, task_id, e, d); }, diag, request_kind::read, ec);
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
        return or_throw<image_result>([&](error_code& ec, diagnostics& d) { return get_result(task_id, ec, d); });
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
    /// Terminal cancellation (partial and total are not honoured) completes the operation
    /// with `asio::error::operation_aborted`: a wait for the rate limits or before a retry
    /// ends at once, an exchange in flight is closed by the transport (the Beast transport
    /// cannot stop a name resolution: a signal during one is not seen by the exchange, which
    /// then runs to its end with no retry).
    /// @par Object lifetimes
    /// The client and `diag` must stay alive until the handler runs. `creds` is encoded in
    /// this call and may go when it returns.
    template <class CompletionToken = default_token<void>>
    auto async_get_token(const client_credentials& creds, diagnostics& diag,
                         CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_exchange<detail::decode_token>(
            [&](error_code& ec, diagnostics& d) { return detail::make_token_request(st_->opts, creds, ec, d); },
            &diag, request_kind::read, {}, std::forward<CompletionToken>(token));
    }
    /// As the overload with `diag`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::string)`: the token.
    /// @par Executor
    /// As the overload with `diag`.
    /// @par Per-operation cancellation
    /// As the overload with `diag`: terminal only, `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The client must stay alive until the handler runs; `creds` is encoded in this call.
    template <class CompletionToken = default_token<void>>
    auto async_get_token(const client_credentials& creds, CompletionToken&& token = default_token<void>{})
    {
        return start_exchange<detail::decode_token>(
            [&](error_code& ec, diagnostics& d) { return detail::make_token_request(st_->opts, creds, ec, d); },
            nullptr, request_kind::read, {}, std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_get_token`: blocks until done (see client.hpp). A failure is
    /// reported in `ec` and `diag`, never thrown.
    std::string get_token(const client_credentials& creds, error_code& ec, diagnostics& diag)
    {
        diag.clear();
        return exchange_blocking<detail::decode_token>(
            [&](error_code& e, diagnostics& d) { return detail::make_token_request(st_->opts, creds, e, d); }, diag, request_kind::read, ec);
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
        return or_throw<std::string>([&](error_code& ec, diagnostics& d) { return get_token(creds, ec, d); });
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
    /// Terminal cancellation (partial and total are not honoured) stops polling at once: the
    /// delay before the next poll or the poll in flight ends, and the operation completes
    /// with `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The client and `diag` must stay alive until the handler runs. `task_id` and `opts` are
    /// taken by value; what `opts.on_progress` refers to must stay alive until the handler runs.
    template <class CompletionToken = default_token<void>>
    auto async_wait(std::string task_id, wait_options opts, diagnostics& diag,
                    CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_wait(std::move(task_id), 0, std::move(opts), diag, std::nullopt,
                          std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_wait`: runs the client's io_context until done (see
    /// client.hpp). A failure is reported in `ec` and `diag`, never thrown.
    image_result wait(std::string task_id, wait_options opts, error_code& ec, diagnostics& diag)
    {
        return run_sync<image_result>(
            [&](auto&& h) { async_wait(std::move(task_id), std::move(opts), diag, std::move(h)); }, ec);
    }
    /// Synchronous `async_wait`; throws `error_with_diagnostics` on failure.
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
    ///
    /// @param req the request (see `async_create`).
    /// @param opts how tasks are waited for and images downloaded.
    /// @param diag the details of the failure reported, naming its task; cleared in this call.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, std::vector<generated_image>)`: empty when the create failed, else
    /// one entry per task, also on failure.
    /// @par Executor
    /// The handler, and `opts.wait.on_progress` before it, run through the handler's
    /// associated executor, by default the client's (`get_executor()`). Each image is
    /// streamed to its file as it arrives and renamed into place on that executor when its
    /// download completes (see `async_download_to_file`; `download_limits.sync_to_disk`).
    /// @par Per-operation cancellation
    /// Terminal cancellation (partial and total are not honoured): during the create, as
    /// `async_create` (a create already sent may have been processed and charged); after
    /// it, every wait and download of the batch is cancelled, and the operation completes
    /// when they have all ended, with the first failure in request order (normally
    /// `asio::error::operation_aborted`). Images finished by then stay in the result, and
    /// their files on disk.
    /// @par Object lifetimes
    /// The client and `diag` must stay alive until the handler runs. `req` is copied in this
    /// call and `opts` taken by value; what `opts.wait.on_progress` refers to must stay alive
    /// until the handler runs.
    template <class CompletionToken = default_token<void>>
    auto async_generate(const image_request& req, generate_options opts, diagnostics& diag,
                        CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        using op = detail::generate_op<basic_client>;
        return boost::asio::async_compose<CompletionToken, void(error_code, std::vector<generated_image>)>(
            op(std::make_unique<typename op::state>(this, req, std::move(opts), &diag)), token, ex_);
    }
    /// Synchronous `async_generate`: runs the client's io_context until done (see
    /// client.hpp). A failure is reported in `ec` and `diag`, never thrown.
    std::vector<generated_image> generate(const image_request& req, generate_options opts, error_code& ec,
                                          diagnostics& diag)
    {
        return run_sync<std::vector<generated_image>>(
            [&](auto&& h) { async_generate(req, std::move(opts), diag, std::move(h)); }, ec);
    }
    /// Synchronous `async_generate`; throws `error_with_diagnostics` on failure.
    std::vector<generated_image> generate(const image_request& req, generate_options opts = {})
    {
        return or_throw<std::vector<generated_image>>(
            [&](error_code& ec, diagnostics& d) { return generate(req, std::move(opts), ec, d); });
    }

    // ---- download ----------------------------------------------------------------------

    /// Fetches a result image into memory through the same transport (no credentials go to
    /// the image host, nor to any host it redirects to), checking its size and that it is an
    /// image (by its first bytes, as they arrive). Retried like a read. Redirects (301, 302,
    /// 303, 307, 308; absolute or relative Location) are followed up to 5 hops; a sixth or a
    /// loop fails with `error::too_many_redirects`, https to http with
    /// `error::insecure_redirect`, a redirect without a usable Location with
    /// `error::bad_redirect` (diagnostics name the URL and the hop).
    ///
    /// @param url the image's absolute http(s) URL (`image_result::image_url`); any other
    ///        fails with `error::invalid_url`, nothing sent.
    /// @param opts the size limit and the image check.
    /// @param diag the details of a failure; cleared in this call.
    /// @param token an Asio completion token.
    /// @par Handler signature
    /// `void(error_code, std::string)`: the bytes.
    /// @par Executor
    /// As `async_get_result`.
    /// @par Per-operation cancellation
    /// As `async_get_result`: terminal only, `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The client and `diag` must stay alive until the handler runs. `url` and `opts` are
    /// taken by value.
    template <class CompletionToken = default_token<void>>
    auto async_download(std::string url, download_options opts, diagnostics& diag,
                        CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_download<std::string>(std::move(url), opts, {}, diag, std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_download`: blocks until done, on the calling thread (see client.hpp).
    /// A failure is reported in `ec` and `diag`, never thrown.
    std::string download(std::string url, download_options opts, error_code& ec, diagnostics& diag)
    {
        return download_blocking<std::string>(std::move(url), opts, {}, ec, diag);
    }
    /// Synchronous `async_download`; throws `error_with_diagnostics` on failure.
    std::string download(std::string url, download_options opts = {})
    {
        return or_throw<std::string>([&](error_code& ec, diagnostics& d) { return download(url, opts, ec, d); });
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
    /// As `async_get_result`. Each chunk is written (a buffered write, no fsync) by the
    /// transport's body sink as it arrives, on the thread running the transport's executor;
    /// the final flush, the fsync when `opts.sync_to_disk`, and the rename run on the client's
    /// executor just before the handler.
    /// @par Per-operation cancellation
    /// As `async_download`: terminal only, `asio::error::operation_aborted`; the temporary
    /// file is removed then and `path` is untouched.
    /// @par Object lifetimes
    /// The client and `diag` must stay alive until the handler runs. `url`, `path` and `opts`
    /// are taken by value.
    template <class CompletionToken = default_token<void>>
    auto async_download_to_file(std::string url, std::string path, download_options opts, diagnostics& diag,
                                CompletionToken&& token = default_token<void>{})
    {
        diag.clear();
        return start_download<std::uint64_t>(std::move(url), opts, {std::move(path)}, diag,
                                             std::forward<CompletionToken>(token));
    }
    /// Synchronous `async_download_to_file`: blocks until done, on the calling thread (see
    /// client.hpp). A failure is reported in `ec` and `diag`, never thrown.
    std::uint64_t download_to_file(std::string url, std::string path, download_options opts, error_code& ec,
                                   diagnostics& diag)
    {
        return download_blocking<std::uint64_t>(std::move(url), opts, {std::move(path)}, ec, diag);
    }
    /// Synchronous `async_download_to_file`; throws `error_with_diagnostics` on failure.
    std::uint64_t download_to_file(std::string url, std::string path, download_options opts = {})
    {
        return or_throw<std::uint64_t>([&](error_code& ec, diagnostics& d) {
            return download_to_file(std::move(url), std::move(path), opts, ec, d);
        });
    }

    // ---- internals used by the composed operations --------------------------------------
    /// @cond internal

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

    // A download (its redirects, its body to memory or streamed to `target`), completing
    // with `Result`: std::string (the bytes), std::uint64_t (the size) or detail::download_outcome.
    template <class Result, class CompletionToken>
    auto start_download(std::string url, const download_options& opts, detail::sansio::download_target target,
                        diagnostics& diag, CompletionToken&& token)
    {
        using op = detail::download_op<basic_client, Result>;
        return boost::asio::async_compose<CompletionToken, void(error_code, Result)>(
            op(std::make_unique<typename op::state>(this, std::move(url), opts, std::move(target), &diag)), token,
            ex_);
    }

    // One hop of a download: an exchange whose body goes to `algo`'s sink.
    template <class CompletionToken>
    auto start_fetch(detail::sansio::download_algo& algo, diagnostics& diag, CompletionToken&& token)
    {
        return start_exchange<detail::sansio::decode_streamed>(
            [&](error_code& ec, diagnostics& d) { return algo.request(ec, d); }, &diag, request_kind::read,
            detail::sansio::decode_streamed{&algo}, std::forward<CompletionToken>(token));
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
    /// @endcond

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
    auto exchange_blocking(Build&& build, diagnostics& diag, request_kind kind, error_code& ec, Decode decode = {})
    {
        auto& cs = *st_;
        error_code build_ec;
        http_request request = build(build_ec, diag);
        detail::blocking_waiter waiter;
        detail::sansio::exchange_algo<Decode> algo(std::move(request), build_ec, cs.gate, waiter, cs.retry, kind,
                                                   std::move(decode), cs.jitter(), diag);
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
        detail::sansio::download_algo algo(std::move(url), opts, std::move(target));
        do {
            exchange_blocking<detail::sansio::decode_streamed>(
                [&](error_code& e, diagnostics& d) { return algo.request(e, d); }, diag, request_kind::read, ec,
                detail::sansio::decode_streamed{&algo});
        } while (algo.resume(ec, diag));
        algo.finish(ec, diag);
        return detail::take_download(algo, static_cast<Result*>(nullptr));
    }

    // The old synchronous path of wait and generate: drives the client's
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
