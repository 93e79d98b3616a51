// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_BEAST_CLIENT_HPP
#define AKOOL_BEAST_CLIENT_HPP

/// @file beast_client.hpp
/// `akool::client`: the client most programs want, over the Beast transport on any
/// `any_io_executor`. Not a template: its asynchronous operations take any completion token
/// and hand a type-erased handler (`asio::any_completion_handler`) to bodies that are
/// compiled once, by `<akool/src.hpp>`, under `AKOOL_SEPARATE_COMPILATION`. This header then
/// reaches neither Beast nor the client's templates, so a TU that uses the client compiles
/// in seconds. In header-only mode (the default) it includes those bodies, inline.
///
/// Behaviour, retries, limits, cancellation and the three forms of each operation are those
/// of `basic_client` (client.hpp), which stays for custom transports and executors.

#include <akool/detail/needs_exceptions.hpp> // first: without exceptions, its message comes before any other
#include <akool/beast_transport_options.hpp>
#include <akool/client_options.hpp>
#include <akool/config.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>
#include <akool/workflow.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution_context.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace akool {

template <class Executor>
class basic_beast_transport;

/// The service's operations over the Beast transport (TLS verified by default), on an
/// `any_io_executor`: `basic_client<basic_beast_transport<any_io_executor>>` behind an
/// interface compiled once in compiled mode (its members templates of one parameter, always
/// void, only so that a header-only TU compiles just the ones it calls).
///
/// Every operation comes in the three forms of `basic_client`: `async_x(args..., token)`
/// (any completion token: a callback, `use_future`, `use_awaitable`, `deferred`; the handler
/// runs through its associated executor, by default the client's; per-operation
/// cancellation as `basic_client` documents for each), `x(args..., ec[, diag])` and a
/// throwing `x(args...)`. The arguments of an asynchronous operation are copied when it is
/// started (with `deferred`, when it is launched), so they may go when the call returns;
/// `diag` must live until the handler runs.
///
/// Threads: as `basic_client` (not thread-safe; one strand, or an io_context run by one
/// thread; the synchronous forms may be called from any thread). Moving the client, or
/// destroying it, while operations run is safe: they run to their end. Not copyable.
class client {
public:
    /// The default executor of completion handlers and of the transport.
    using executor_type = boost::asio::any_io_executor;

    /// A client whose transport and handlers run on `ex`.
    explicit client(executor_type ex, client_options opts = {}, beast_transport_options topts = {});
    /// A client on `ctx`'s executor (an `io_context`; a thread pool's only through a strand,
    /// `client(asio::make_strand(pool))`: the client is not thread-safe).
    template <class ExecutionContext,
              class = std::enable_if_t<std::is_convertible<ExecutionContext&, boost::asio::execution_context&>::value>>
    explicit client(ExecutionContext& ctx, client_options opts = {}, beast_transport_options topts = {})
        : client(executor_type(ctx.get_executor()), std::move(opts), std::move(topts))
    {
    }
    /// Operations that run go on; the transport closes when the last of them ends.
    ~client();
    /// Safe while operations run; `other` may then only be assigned to or destroyed.
    client(client&& other) noexcept;
    /// As the move constructor.
    client& operator=(client&& other) noexcept;
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// The default executor of completion handlers.
    executor_type get_executor() const noexcept;
    /// The transport, for its statistics and `close_idle()`; include beast_transport.hpp to
    /// call it.
    basic_beast_transport<executor_type>& transport() noexcept;
    /// The options given to the constructor, as changed by `set_api_key` and `set_token`.
    const client_options& options() const noexcept;
    /// Authenticates with an API key from now on, dropping any token.
    void set_api_key(std::string key);
    /// Authenticates with a bearer token from now on.
    void set_token(std::string token);
    /// The retry policy of operations started from now on.
    const retry_policy& get_retry_policy() const noexcept;
    /// Sets the retry policy of operations started from now on.
    void set_retry_policy(const retry_policy& p);
    /// Limits on exchanges in flight and on the request rate.
    rate_limits get_limits() const;
    /// Sets the limits on exchanges in flight and on the request rate.
    void set_limits(const rate_limits& l);
    /// Seeds the jitter of poll and retry delays (for reproducible runs).
    void seed_jitter(unsigned seed);
    /// Exchanges of this client in flight now.
    unsigned exchanges_in_flight() const;

    using create_signature = void(error_code, std::vector<image_task>);          ///< create's handler
    using result_signature = void(error_code, image_result);                     ///< get_result's, wait's
    using string_signature = void(error_code, std::string);                      ///< get_token's, download's
    using generate_signature = void(error_code, std::vector<generated_image>);   ///< generate's
    using size_signature = void(error_code, std::uint64_t);                      ///< download_to_file's

    /// Starts a generation: `basic_client::async_create` (validated first; nothing is sent when
    /// invalid). Retried only where the service cannot have processed it (see retry_policy).
    /// @par Handler signature
    /// `void(error_code, std::vector<image_task>)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Every type until the request is handed to the transport (`asio::error::operation_aborted`,
    /// nothing sent), then terminal only: `error::outcome_unknown` once the request may have
    /// left, never resent (as `basic_client::async_create`).
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then); `diag` must stay alive until the handler runs.
    template <class CompletionToken>
    auto async_create(const image_request& req, diagnostics& diag, CompletionToken&& token)
    {
        return start<create_signature>(&client::launch_create<deferred_t<CompletionToken>>,
                                       std::forward<CompletionToken>(token), req, &diag);
    }
    /// `async_create`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::vector<image_task>)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Every type until the request is handed to the transport (`asio::error::operation_aborted`,
    /// nothing sent), then terminal only: `error::outcome_unknown` once the request may have
    /// left, never resent (as `basic_client::async_create`).
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then).
    template <class CompletionToken, class = detail::not_diagnostics<CompletionToken>>
    auto async_create(const image_request& req, CompletionToken&& token)
    {
        return start<create_signature>(&client::launch_create<deferred_t<CompletionToken>>,
                                       std::forward<CompletionToken>(token), req, static_cast<diagnostics*>(nullptr));
    }
    /// Reads a task's state: `basic_client::async_get_result`.
    /// @par Handler signature
    /// `void(error_code, image_result)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal, partial and total: `asio::error::operation_aborted` at once (as `basic_client`).
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then); `diag` must stay alive until the handler runs.
    template <class CompletionToken>
    auto async_get_result(std::string_view task_id, diagnostics& diag, CompletionToken&& token)
    {
        return start<result_signature>(&client::launch_get_result<deferred_t<CompletionToken>>,
                                       std::forward<CompletionToken>(token), std::string(task_id), &diag);
    }
    /// `async_get_result`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, image_result)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal, partial and total: `asio::error::operation_aborted` at once (as `basic_client`).
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then).
    template <class CompletionToken, class = detail::not_diagnostics<CompletionToken>>
    auto async_get_result(std::string_view task_id, CompletionToken&& token)
    {
        return start<result_signature>(&client::launch_get_result<deferred_t<CompletionToken>>,
                                       std::forward<CompletionToken>(token), std::string(task_id),
                                       static_cast<diagnostics*>(nullptr));
    }
    /// Exchanges client credentials for a bearer token: `basic_client::async_get_token`.
    /// @par Handler signature
    /// `void(error_code, std::string)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal, partial and total: `asio::error::operation_aborted` at once (as `basic_client`).
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then); `diag` must stay alive until the handler runs.
    template <class CompletionToken>
    auto async_get_token(const client_credentials& creds, diagnostics& diag, CompletionToken&& token)
    {
        return start<string_signature>(&client::launch_get_token<deferred_t<CompletionToken>>,
                                       std::forward<CompletionToken>(token), creds, &diag);
    }
    /// `async_get_token`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::string)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal, partial and total: `asio::error::operation_aborted` at once (as `basic_client`).
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then).
    template <class CompletionToken, class = detail::not_diagnostics<CompletionToken>>
    auto async_get_token(const client_credentials& creds, CompletionToken&& token)
    {
        return start<string_signature>(&client::launch_get_token<deferred_t<CompletionToken>>,
                                       std::forward<CompletionToken>(token), creds, static_cast<diagnostics*>(nullptr));
    }
    /// Polls a task until it completes: `basic_client::async_wait`. `opts.on_progress` runs
    /// through the handler's executor.
    /// @par Handler signature
    /// `void(error_code, image_result)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal, partial and total stop polling at once: `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then); `diag` must stay alive until the handler runs.
    template <class CompletionToken>
    auto async_wait(std::string task_id, wait_options opts, diagnostics& diag, CompletionToken&& token)
    {
        return start<result_signature>(&client::launch_wait<deferred_t<CompletionToken>>,
                                       std::forward<CompletionToken>(token), std::move(task_id), std::move(opts),
                                       &diag);
    }
    /// `async_wait`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, image_result)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal, partial and total stop polling at once: `asio::error::operation_aborted`.
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then).
    template <class CompletionToken, class = detail::not_diagnostics<CompletionToken>>
    auto async_wait(std::string task_id, wait_options opts, CompletionToken&& token)
    {
        return start<result_signature>(&client::launch_wait<deferred_t<CompletionToken>>,
                                       std::forward<CompletionToken>(token), std::move(task_id), std::move(opts),
                                       static_cast<diagnostics*>(nullptr));
    }
    /// Create, wait for every task and download each image: `basic_client::async_generate`.
    /// @par Handler signature
    /// `void(error_code, std::vector<generated_image>)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal and partial (not total: the tasks a create made stay made); as `basic_client::async_generate`.
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then); `diag` must stay alive until the handler runs.
    template <class CompletionToken>
    auto async_generate(const image_request& req, generate_options opts, diagnostics& diag, CompletionToken&& token)
    {
        return start<generate_signature>(&client::launch_generate<deferred_t<CompletionToken>>,
                                         std::forward<CompletionToken>(token), req, std::move(opts), &diag);
    }
    /// `async_generate`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::vector<generated_image>)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal and partial (not total); as `basic_client::async_generate`.
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then).
    template <class CompletionToken, class = detail::not_diagnostics<CompletionToken>>
    auto async_generate(const image_request& req, generate_options opts, CompletionToken&& token)
    {
        return start<generate_signature>(&client::launch_generate<deferred_t<CompletionToken>>,
                                         std::forward<CompletionToken>(token), req, std::move(opts),
                                         static_cast<diagnostics*>(nullptr));
    }
    /// Fetches an image into memory, following redirects: `basic_client::async_download`.
    /// @par Handler signature
    /// `void(error_code, std::string)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal, partial and total: `asio::error::operation_aborted` at once (as `basic_client`).
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then); `diag` must stay alive until the handler runs.
    template <class CompletionToken>
    auto async_download(std::string url, download_options opts, diagnostics& diag, CompletionToken&& token)
    {
        return start<string_signature>(&client::launch_download<deferred_t<CompletionToken>>,
                                       std::forward<CompletionToken>(token), std::move(url), std::move(opts), &diag);
    }
    /// `async_download`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::string)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal, partial and total: `asio::error::operation_aborted` at once (as `basic_client`).
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then).
    template <class CompletionToken, class = detail::not_diagnostics<CompletionToken>>
    auto async_download(std::string url, download_options opts, CompletionToken&& token)
    {
        return start<string_signature>(&client::launch_download<deferred_t<CompletionToken>>,
                                       std::forward<CompletionToken>(token), std::move(url), std::move(opts),
                                       static_cast<diagnostics*>(nullptr));
    }
    /// Fetches an image into `path`, atomically: `basic_client::async_download_to_file`.
    /// @par Handler signature
    /// `void(error_code, std::uint64_t)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal, partial and total: `asio::error::operation_aborted`; the temporary file is removed and `path` untouched.
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then); `diag` must stay alive until the handler runs.
    template <class CompletionToken>
    auto async_download_to_file(std::string url, std::string path, download_options opts, diagnostics& diag,
                                CompletionToken&& token)
    {
        return start<size_signature>(&client::launch_download_to_file<deferred_t<CompletionToken>>,
                                     std::forward<CompletionToken>(token), std::move(url), std::move(path),
                                     std::move(opts), &diag);
    }
    /// `async_download_to_file`, the details of a failure dropped.
    /// @par Handler signature
    /// `void(error_code, std::uint64_t)`
    /// @par Executor
    /// The handler runs through its associated executor (kept by the erased handler), by
    /// default the client's (`get_executor()`); never inside this call.
    /// @par Per-operation cancellation
    /// Terminal, partial and total: `asio::error::operation_aborted`; the temporary file is removed and `path` untouched.
    /// @par Object lifetimes
    /// The arguments are copied when the operation starts (with `deferred`, when it is
    /// launched: the client may be gone by then).
    template <class CompletionToken, class = detail::not_diagnostics<CompletionToken>>
    auto async_download_to_file(std::string url, std::string path, download_options opts, CompletionToken&& token)
    {
        return start<size_signature>(&client::launch_download_to_file<deferred_t<CompletionToken>>,
                                     std::forward<CompletionToken>(token), std::move(url), std::move(path),
                                     std::move(opts), static_cast<diagnostics*>(nullptr));
    }

    // The synchronous forms are templates of one parameter, always void, as the launch_
    // bodies are (below): header-only, a TU compiles one, and basic_client's blocking path
    // under it, only when it calls it; in compiled mode src.hpp instantiates each once.

    /// `basic_client::create`: blocks on the calling thread; never runs the executor.
    template <class Deferred = void>
    std::vector<image_task> create(const image_request& req, error_code& ec, diagnostics& diag);
    /// `create`, without diagnostics.
    template <class Deferred = void>
    std::vector<image_task> create(const image_request& req, error_code& ec);
    /// `create`; throws `error_with_diagnostics` on failure.
    template <class Deferred = void>
    std::vector<image_task> create(const image_request& req);
    /// `basic_client::get_result`.
    template <class Deferred = void>
    image_result get_result(std::string_view task_id, error_code& ec, diagnostics& diag);
    /// `get_result`, without diagnostics.
    template <class Deferred = void>
    image_result get_result(std::string_view task_id, error_code& ec);
    /// `get_result`; throws on failure.
    template <class Deferred = void>
    image_result get_result(std::string_view task_id);
    /// `basic_client::get_token`.
    template <class Deferred = void>
    std::string get_token(const client_credentials& creds, error_code& ec, diagnostics& diag);
    /// `get_token`, without diagnostics.
    template <class Deferred = void>
    std::string get_token(const client_credentials& creds, error_code& ec);
    /// `get_token`; throws on failure.
    template <class Deferred = void>
    std::string get_token(const client_credentials& creds);
    /// `basic_client::wait`.
    template <class Deferred = void>
    image_result wait(std::string task_id, wait_options opts, error_code& ec, diagnostics& diag);
    /// `wait`, without diagnostics.
    template <class Deferred = void>
    image_result wait(std::string task_id, wait_options opts, error_code& ec);
    /// `wait`; throws on failure.
    template <class Deferred = void>
    image_result wait(std::string task_id, wait_options opts = {});
    /// `basic_client::generate`.
    template <class Deferred = void>
    std::vector<generated_image> generate(const image_request& req, generate_options opts, error_code& ec,
                                          diagnostics& diag);
    /// `generate`, without diagnostics.
    template <class Deferred = void>
    std::vector<generated_image> generate(const image_request& req, generate_options opts, error_code& ec);
    /// `generate`; throws on failure (the images that finished are not returned then: see
    /// `basic_client::generate`).
    template <class Deferred = void>
    std::vector<generated_image> generate(const image_request& req, generate_options opts = {});
    /// `basic_client::download`.
    template <class Deferred = void>
    std::string download(std::string url, download_options opts, error_code& ec, diagnostics& diag);
    /// `download`, without diagnostics.
    template <class Deferred = void>
    std::string download(std::string url, download_options opts, error_code& ec);
    /// `download`; throws on failure.
    template <class Deferred = void>
    std::string download(std::string url, download_options opts = {});
    /// `basic_client::download_to_file`.
    template <class Deferred = void>
    std::uint64_t download_to_file(std::string url, std::string path, download_options opts, error_code& ec,
                                   diagnostics& diag);
    /// `download_to_file`, without diagnostics.
    template <class Deferred = void>
    std::uint64_t download_to_file(std::string url, std::string path, download_options opts, error_code& ec);
    /// `download_to_file`; throws on failure.
    template <class Deferred = void>
    std::uint64_t download_to_file(std::string url, std::string path, download_options opts = {});

private:
    struct impl;
    std::shared_ptr<impl> impl_;  // shared with the initiations of deferred operations

    template <class Signature>
    using handler = boost::asio::any_completion_handler<Signature>;

    // The bodies: each starts the basic_client operation with the erased handler. Templates
    // of one parameter, always void (`deferred_t<CompletionToken>` names it from the async_
    // function): header-only, a TU compiles the body, and the client operation under it, only
    // when it starts that operation; in compiled mode src.hpp instantiates each once.
    template <class>
    using deferred_t = void;
    template <class Deferred>
    static void launch_create(impl&, handler<create_signature>, const image_request&, diagnostics*);
    template <class Deferred>
    static void launch_get_result(impl&, handler<result_signature>, const std::string&, diagnostics*);
    template <class Deferred>
    static void launch_get_token(impl&, handler<string_signature>, const client_credentials&, diagnostics*);
    template <class Deferred>
    static void launch_wait(impl&, handler<result_signature>, std::string, wait_options, diagnostics*);
    template <class Deferred>
    static void launch_generate(impl&, handler<generate_signature>, const image_request&, generate_options,
                                diagnostics*);
    template <class Deferred>
    static void launch_download(impl&, handler<string_signature>, std::string, download_options, diagnostics*);
    template <class Deferred>
    static void launch_download_to_file(impl&, handler<size_signature>, std::string, std::string, download_options,
                                        diagnostics*);

    // The initiation: erases the handler and calls a compiled body. It keeps the client's
    // state alive, so a deferred operation may be launched after the client is gone.
    template <class Signature, class Launch>
    struct initiation {
        std::shared_ptr<impl> st;
        Launch launch;
        template <class Handler, class... Args>
        void operator()(Handler&& h, Args&&... args) const
        {
            launch(*st, handler<Signature>(std::forward<Handler>(h)), std::forward<Args>(args)...);
        }
    };

    template <class Signature, class Launch, class CompletionToken, class... Args>
    auto start(Launch launch, CompletionToken&& token, Args&&... args)
    {
        return boost::asio::async_initiate<CompletionToken, Signature>(initiation<Signature, Launch>{impl_, launch},
                                                                      token, std::forward<Args>(args)...);
    }
};

} // namespace akool

#ifdef AKOOL_HEADER_ONLY
#include <akool/impl/beast_client.ipp>
#else
#include <akool/detail/abi_check_asio.hpp>  // this TU's Asio settings must be the library's
#endif

#endif
