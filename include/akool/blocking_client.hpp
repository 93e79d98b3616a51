// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_BLOCKING_CLIENT_HPP
#define AKOOL_BLOCKING_CLIENT_HPP

/// @file blocking_client.hpp
/// `akool::blocking_client`: the service's operations as plain blocking calls (create,
/// get_result, get_token, wait, generate, download, download_to_file), for code that wants no
/// Asio in its translation units (a game engine's TU, a tool). Under
/// `AKOOL_SEPARATE_COMPILATION` this header reaches no Asio, Beast or OpenSSL header (a
/// standalone test checks it): its implementation is compiled once by `<akool/src.hpp>`. In
/// header-only mode (the default) it includes its implementation.
///
/// Each call runs on the calling thread over the Beast transport (TLS verified by default)
/// and a private io_context; it returns when done, failed or cancelled. `cancel()`, from any
/// thread, ends the running call promptly.

#include <akool/beast_transport_options.hpp>
#include <akool/client_options.hpp>
#include <akool/config.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>
#include <akool/workflow.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace akool {

/// The client as blocking calls, with no Asio type in its interface. Each call has an
/// `error_code` form (with or without `diagnostics`, which hold the server's words) and a
/// throwing form (`error_with_diagnostics`, through `boost::throw_exception`).
///
/// Thread safety: one call at a time (calls from several threads must be serialized by the
/// caller, and a callback must not call back into the same client); `cancel()`, `stop()` and
/// `restart()` may be called from any thread at any time, but not while another thread moves
/// to, moves from or destroys the client. The callbacks of the options
/// (`on_progress`, `client_options::on_exchange`) run on the calling thread, inside the
/// call; an exception one throws cancels the running call and leaves it.
/// Movable, not copyable.
///
/// Without exceptions (`-fno-exceptions`), use the forms with an `error_code`: the others
/// report a failure through `boost::throw_exception`, which ends the program there.
///
/// Options, the constructors' included, are taken by `const&` and the constructors have no
/// default arguments: the copies and the default `beast_transport_options` are made in the
/// compiled library, not in the caller's TU (a TU that constructs a client and calls generate
/// compiled 6% fewer instructions for the operations' options, then 3% for the constructors').
class blocking_client {
public:
    /// A client with default options (credentials from `set_api_key` or `set_token`). Opens no
    /// connection.
    blocking_client();
    /// A client with `opts` (base URL, credentials, reply size limit, exchange hook) over the
    /// default Beast transport; retries come from `set_retry_policy`. The rate limits
    /// (`set_limits`), the jitter seed and the transport's statistics are the Asio client's only.
    explicit blocking_client(const client_options& opts);
    /// A client with `opts` over the Beast transport set up by `topts` (timeouts, TLS, proxy).
    blocking_client(const client_options& opts, const beast_transport_options& topts);
    /// Closes the idle connections. Must not be called while a call runs.
    ~blocking_client();
    /// Takes `other`'s connections and settings; `other` may only be destroyed or assigned to.
    blocking_client(blocking_client&& other) noexcept;
    /// Closes this client's connections, then takes `other`'s. Not while a call runs on either.
    blocking_client& operator=(blocking_client&& other) noexcept;
    blocking_client(const blocking_client&) = delete;
    blocking_client& operator=(const blocking_client&) = delete;

    /// Replaces the API key (`x-api-key`); takes effect on the next call.
    void set_api_key(std::string key);
    /// Replaces the bearer token (it takes precedence over the API key); next call on.
    void set_token(std::string token);
    /// The retries of failed exchanges (`basic_client::get_retry_policy`).
    const retry_policy& get_retry_policy() const noexcept;
    /// Replaces the retry policy; takes effect on the next call.
    void set_retry_policy(const retry_policy& p);

    /// Ends the running call, if any, promptly with `boost::asio::error::operation_aborted`
    /// (a wait, a generate's polls, a download, a retry backoff). A create whose bytes may
    /// already have reached the service ends in `error::outcome_unknown` instead, never resent
    /// (a generate too, while its create is out): test for both. Without Asio in the TU, test
    /// the first with `ec == boost::system::errc::operation_canceled`. Does nothing when no
    /// call runs, and the next call is not affected: a cancel() that comes just before a call
    /// starts on another thread is lost. To end a worker's calls for good (an engine's quit),
    /// use `stop()`. Thread-safe.
    void cancel() noexcept;
    /// Ends the running call, if any, as `cancel()` does, and every call made after it, which
    /// then fails at once with `operation_aborted`, nothing sent, until `restart()`. Unlike
    /// `cancel()` it cannot come too early: stop(), then join the thread making the calls.
    /// Thread-safe.
    void stop() noexcept;
    /// Lets calls run again after `stop()`. Thread-safe.
    void restart() noexcept;
    /// True after `stop()`, until `restart()`.
    bool stopped() const noexcept;

    /// Creates the tasks of `req` (one per image): `basic_client::create`.
    std::vector<image_task> create(const image_request& req, error_code& ec, diagnostics& diag);
    /// `create`, without diagnostics.
    std::vector<image_task> create(const image_request& req, error_code& ec);
    /// `create`; throws `error_with_diagnostics` on failure.
    std::vector<image_task> create(const image_request& req);

    /// One poll of a task: `basic_client::get_result`.
    image_result get_result(std::string_view task_id, error_code& ec, diagnostics& diag);
    /// `get_result`, without diagnostics.
    image_result get_result(std::string_view task_id, error_code& ec);
    /// `get_result`; throws `error_with_diagnostics` on failure.
    image_result get_result(std::string_view task_id);

    /// A bearer token for `creds`: `basic_client::get_token`. Does not install it (see
    /// `client_options::token`).
    std::string get_token(const client_credentials& creds, error_code& ec, diagnostics& diag);
    /// `get_token`, without diagnostics.
    std::string get_token(const client_credentials& creds, error_code& ec);
    /// `get_token`; throws `error_with_diagnostics` on failure.
    std::string get_token(const client_credentials& creds);

    /// Polls a task until it completes: `basic_client::wait`. `opts.on_progress` runs on the
    /// calling thread.
    image_result wait(std::string task_id, const wait_options& opts, error_code& ec, diagnostics& diag);
    /// `wait`, without diagnostics.
    image_result wait(std::string task_id, const wait_options& opts, error_code& ec);
    /// `wait`; throws `error_with_diagnostics` on failure.
    image_result wait(std::string task_id, const wait_options& opts = {});

    /// Create, wait and download, every task of the batch at once: `basic_client::generate`.
    /// Callbacks in `opts` run on the calling thread.
    std::vector<generated_image> generate(const image_request& req, const generate_options& opts, error_code& ec,
                                          diagnostics& diag);
    /// `generate`, without diagnostics.
    std::vector<generated_image> generate(const image_request& req, const generate_options& opts, error_code& ec);
    /// `generate`; throws `error_with_diagnostics` on failure: the images that finished are not
    /// returned then (their files stay in `output_dir`); the error_code form returns them.
    std::vector<generated_image> generate(const image_request& req, const generate_options& opts = {});

    /// Downloads `url` into memory: `basic_client::download`.
    std::string download(std::string url, const download_options& opts, error_code& ec, diagnostics& diag);
    /// `download`, without diagnostics.
    std::string download(std::string url, const download_options& opts, error_code& ec);
    /// `download`; throws `error_with_diagnostics` on failure.
    std::string download(std::string url, const download_options& opts = {});

    /// Downloads `url` into the file `path`, atomically: `basic_client::download_to_file`.
    /// Returns the bytes written.
    std::uint64_t download_to_file(std::string url, std::string path, const download_options& opts, error_code& ec,
                                   diagnostics& diag);
    /// `download_to_file`, without diagnostics.
    std::uint64_t download_to_file(std::string url, std::string path, const download_options& opts, error_code& ec);
    /// `download_to_file`; throws `error_with_diagnostics` on failure.
    std::uint64_t download_to_file(std::string url, std::string path, const download_options& opts = {});

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace akool

#ifdef AKOOL_HEADER_ONLY
#include <akool/impl/blocking_client.ipp>
#endif

#endif
