// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TRANSPORT_HPP
#define AKOOL_TRANSPORT_HPP

/// @file transport.hpp
/// The Transport concept and the plain HTTP request/response values that cross it. No Asio,
/// Beast or OpenSSL type appears here: a transport can sit on libcurl, WinHTTP, an engine's
/// HTTP module or a test script. Every requirement of a transport is listed here.
///
/// @par Members (nothing else is looked for)
///  - `typename T::executor_type`: an I/O executor (of an io_context, a strand of one,
///    `any_io_executor`): the client runs its timers (rate limits, backoff, poll delays) on
///    it, and it is the default executor of the client's handlers.
///  - `executor_type t.get_executor()`.
///  - `void t.async_send(http_request&& req, Handler&& h)` (any return type): sends `req`
///    and later invokes `h(error_code, http_response)`. The transport owns `req` from the call on.
///  - `void t.send(const http_request& req, http_response& out, error_code& ec)`: the same
///    exchange on the calling thread, returning when it is over; `req` is only read. The
///    client's synchronous forms (client.hpp says which) call it on the thread that called
///    them, possibly from several threads at once: it must not run, poll or need the
///    executor's execution context (the user's io_context may be stopped, or run by this
///    very thread).
///
/// @par Threads and executors
/// The client calls `async_send` on the thread that started the operation or on a thread
/// running the executor its operation resumes on: the completion handler's associated
/// executor, by default the client's (the transport's, unless another was given to
/// basic_client's constructor; `bind_executor` or a coroutine on another executor change it).
/// A transport that must be used from one thread needs the operations' handlers to run
/// there. One exchange per call,
/// several exchanges at once when operations overlap. The exchange's own I/O may
/// run anywhere: on the executor, or on a thread of the transport (libcurl workers, an
/// engine's HTTP module).
///
/// @par Completion
/// `h` is invoked exactly once, never from inside `async_send` itself, as Asio's I/O objects
/// do: from the transport's executor, through the handler's associated executor.
/// `asio::post(get_executor(), asio::append(std::move(h), ec, std::move(resp)))` does both,
/// from any thread (a transport with threads of its own calls it from them). Posting straight
/// to the handler's associated executor is not enough: for `use_future` it is the system
/// executor, and the client's operation would resume on a thread of the system's pool (or
/// the transport's), racing with the rest of it. Keep the executor's context busy until then
/// (`asio::make_work_guard(get_executor())`) when no Asio operation of the transport is
/// pending. `h` is move-only. The handler's associated cancellation slot should be
/// honoured (at least terminal cancellation): abandon the exchange, close its connection and
/// complete with `asio::error::operation_aborted`; without it the client relies on the
/// request's timeout.
///
/// @par Errors to report
///  - `error::request_not_sent` (or `errc::connection_refused`, `host_unreachable`,
///    `network_unreachable`, `address_not_available`, a name resolution or TLS handshake
///    error; `is_not_sent_failure` in workflow.hpp): no byte of the request left. Only these let the
///    client retry a create.
///  - `error::timeout`: `http_request::timeout` (connect included) or one of the transport's
///    own timeouts elapsed. With `maybe_sent` clear (the flag's default: set it unless sure),
///    a create's timeout says it was not processed (`error::request_not_sent`).
///  - `error::response_too_large`: the reply's body exceeded `http_request::max_response_bytes`.
///  - `asio::error::operation_aborted`: cancelled through the handler's slot.
///  - the sink's error code, when `body_sink` refused a chunk; any other code for anything else
///    (connection reset, malformed reply).
/// A reply with any HTTP status is a success (`ec` clear, `status` set): the client decides
/// what a 4xx or 5xx means. On failure set `http_response::maybe_sent` when any byte of the
/// request may have reached the server (it was written, even in part, or its fate is
/// unknown), and may describe the failed step in `failure_detail` (never a credential). The
/// transport never reports `error::outcome_unknown`: the client turns a failure of a request
/// that is not `replay_safe` with `maybe_sent` set into it.
///
/// @par Replies the client reads
/// `status`, `body`, `ended_by_close` (a download's body framed by the close), and the headers
/// `Retry-After` (delay seconds, on a reply other than 200) and `Location` (a download's
/// redirects), looked up case-insensitively with `header()`.
///
/// @par Body sink
/// When `http_request::body_sink` is set, the body of a reply with status 200 goes to the
/// sink, chunk by chunk in order as it arrives (one call with the whole body will do), and
/// `http_response::body` stays empty; a reply with any other status keeps its body in
/// `http_response::body`, or only its start (the Beast transport keeps 64 KiB, reads no
/// further and closes the connection: the client reads a redirect's Location header and an
/// error's API code, not a long body). A sink
/// that sets its `error_code` ends the exchange: the transport stops reading, drops the
/// connection and completes with that error. The sink is called by
/// one thread at a time, before the completion: the thread doing the exchange.
///
/// @par Requests that must not be sent twice
/// `replay_safe == false` (a create, which charges the account) forbids any resend by the
/// transport. Several HTTP stacks resend on their own when a reused keep-alive connection
/// turns out closed: libcurl before 8.16 resends a POST when a reused connection dies before
/// the reply, and so can a WinHTTP or engine module with retries. Such a create may then be
/// processed and charged twice. Prevent it: give such requests a connection that was never
/// used and is not kept (libcurl: `CURLOPT_FRESH_CONNECT` and `CURLOPT_FORBID_REUSE`), and
/// turn the stack's own retries off. A replay-safe request may be resent, only before any
/// byte reached the sink.
///
/// @par Checks
/// Under C++20 `akool::transport<T>` is a concept made of one named concept per member
/// (`detail::transport_has_executor_type`, `..._get_executor`, `..._async_send`,
/// `..._blocking_send`), so that the compiler's note names the one that fails; under C++17 it
/// is a constexpr bool and `basic_client` has one `static_assert` per member. In both, a TU that
/// starts an asynchronous operation also instantiates `async_send` with a handler that fails to
/// compile with a message ("akool transport: async_send must complete its handler with
/// (error_code, http_response)") when the transport calls it with other arguments. These checks
/// need only `async_send`'s declaration when it names its return type, as the Beast
/// transport's does: a header-only TU that holds an `akool::client` compiles no exchange.
/// example/custom_transport.cpp is a short transport; example/curl_transport.hpp a complete one.

#include <akool/config.hpp>
#include <akool/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#if AKOOL_HAS_CONCEPTS
#include <concepts>
#endif

namespace akool {

/// The HTTP methods the service's API uses.
enum class http_method {
    get,   ///< GET: reads (get-result, downloads)
    post,  ///< POST: create and get-token, with a JSON body
};

/// The method's name on the wire ("GET", "POST").
constexpr std::string_view to_string(http_method m) noexcept { return m == http_method::post ? "POST" : "GET"; }

/// One header line.
struct http_field {
    std::string name;   ///< e.g. `Content-Type`
    std::string value;  ///< without the trailing CRLF
};

/// Where a transport delivers a reply's body chunk by chunk instead of storing it (see the
/// file comment): a function and its context, so that it costs no allocation. The client
/// sets it for downloads, which go to a file (or a string) as they arrive.
struct http_body_sink {
    /// Receives the next chunk (never empty); sets `ec` to stop the exchange with that error.
    void (*write)(void* ctx, std::string_view chunk, error_code& ec) = nullptr;
    void* ctx = nullptr;  ///< the first argument of `write`
    /// Optional: told the body's length (the reply's Content-Length), before its first chunk,
    /// by a transport that knows it. A transport may skip it; the body is then of unknown length.
    void (*length)(void* ctx, std::uint64_t bytes) = nullptr;

    /// True when set.
    explicit operator bool() const noexcept { return write != nullptr; }
    /// Delivers `chunk`; `ec` is cleared first.
    void operator()(std::string_view chunk, error_code& ec) const
    {
        ec.clear();
        write(ctx, chunk, ec);
    }
    /// Announces the body's length, when `length` is set.
    void announce_length(std::uint64_t bytes) const
    {
        if (length) length(ctx, bytes);
    }
};

/// An HTTP request as the client hands it to a transport.
struct http_request {
    http_method method = http_method::get;  ///< GET or POST
    /// Absolute http:// or https:// URL (the transport splits it).
    std::string url;
    /// Headers besides Host and Content-Length, which the transport adds.
    std::vector<http_field> headers;
    std::string body;  ///< empty for a GET
    /// False for a request that must never be sent twice (a create charges the account):
    /// a transport may transparently resend a replay-safe request when a reused keep-alive
    /// connection turns out closed, and must not resend any other.
    bool replay_safe = true;
    /// Largest response body accepted; 0 means the transport's own default.
    std::size_t max_response_bytes = 0;
    /// Upper bound for the whole exchange (connect included); 0 means the transport's own
    /// timeouts only. The client sets it from an operation's remaining deadline.
    std::chrono::milliseconds timeout{0};
    /// Connect only to a public address (the client sets it on a download whose
    /// `download_options::addresses` asks so): a transport skips any other address the host
    /// resolves to (loopback, private, link-local, ...: `download_addresses::public_only`),
    /// and fails with `error::address_not_allowed`, nothing sent, when none is left. A host
    /// private in its own words (an address in any form, a local name:
    /// detail::names_a_private_host) is refused before anything is resolved, which is all a
    /// transport can check through a proxy. A connection kept alive for a request without it
    /// is not used.
    bool public_address_only = false;
    /// When set, the body of a 200 reply goes here as it arrives, not into
    /// `http_response::body` (`max_response_bytes` still applies). Every transport honours it.
    http_body_sink body_sink;
};

/// An HTTP response as a transport hands it back.
struct http_response {
    int status = 0;                   ///< the HTTP status (0 when no reply arrived)
    std::vector<http_field> headers;  ///< in the order received
    std::string body;                 ///< the whole body, chunked encoding undone
    /// On failure: whether any byte of the request may have reached the server.
    bool maybe_sent = false;
    /// On failure: the step that failed and why, for diagnostics (never a credential).
    std::string failure_detail;
    /// The body had no length of its own (neither Content-Length nor chunked) and ended when
    /// the server closed the connection, so a body cut short looks whole: a download then
    /// checks that the image ends as its format does. A transport that cannot tell leaves it
    /// false.
    bool ended_by_close = false;

    /// The value of the first header named `name` (case-insensitive); empty when absent.
    std::string_view header(std::string_view name) const noexcept
    {
        for (const auto& f : headers)
            if (iequals(f.name, name)) return f.value;
        return {};
    }

private:
    static bool iequals(std::string_view a, std::string_view b) noexcept
    {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            char x = a[i], y = b[i];
            if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
            if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
            if (x != y) return false;
        }
        return true;
    }
};

namespace detail {

/// The handler type the checks call `async_send` with. Calling it with anything but
/// (error_code, http_response) fails to compile with a message saying so.
struct transport_handler_archetype {
    transport_handler_archetype() = default;
    transport_handler_archetype(transport_handler_archetype&&) = default;
    transport_handler_archetype& operator=(transport_handler_archetype&&) = default;
    template <class... Args>
    void operator()(Args&&...)
    {
        static_assert(sizeof...(Args) == 2 && completes_with<Args...>::value,
                      "akool transport: async_send must complete its handler with (error_code, http_response)");
    }

private:
    template <class... Args>
    struct completes_with : std::false_type {};
    template <class E, class R>
    struct completes_with<E, R>
        : std::bool_constant<std::is_convertible_v<E, error_code> && std::is_convertible_v<R, http_response>> {};
};

/// True when `T::executor_type` names a type.
template <class T, class = void>
struct has_executor_type : std::false_type {};
template <class T>
struct has_executor_type<T, std::void_t<typename T::executor_type>> : std::true_type {};

/// `T::executor_type`, or `void` when it is missing (so that the checks, not a default
/// template argument, report it).
template <class T, class = void>
struct transport_executor {
    using type = void;
};
template <class T>
struct transport_executor<T, std::void_t<typename T::executor_type>> {
    using type = typename T::executor_type;
};

/// True when `t.get_executor()` returns something convertible to `T::executor_type`.
template <class T, class = void>
struct has_get_executor : std::false_type {};
template <class T>
struct has_get_executor<T, std::enable_if_t<std::is_convertible_v<decltype(std::declval<T&>().get_executor()),
                                                                   typename T::executor_type>>> : std::true_type {};

/// True when `t.async_send(http_request&&, handler)` is callable.
template <class T, class = void>
struct has_async_send : std::false_type {};
template <class T>
struct has_async_send<T, std::void_t<decltype(std::declval<T&>().async_send(
                             std::declval<http_request&&>(), std::declval<transport_handler_archetype&&>()))>>
    : std::true_type {};

/// True when `t.send(const http_request&, http_response&, error_code&)` is callable.
template <class T, class = void>
struct has_blocking_send : std::false_type {};
template <class T>
struct has_blocking_send<T, std::void_t<decltype(std::declval<T&>().send(std::declval<const http_request&>(),
                                                                         std::declval<http_response&>(),
                                                                         std::declval<error_code&>()))>>
    : std::true_type {};

/// Every requirement of the transport concept at once.
template <class T>
struct is_transport_impl
    : std::bool_constant<has_executor_type<T>::value && has_get_executor<T>::value && has_async_send<T>::value &&
                         has_blocking_send<T>::value> {};

/// One static_assert per requirement, so that the compiler names the member a transport
/// lacks. Instantiated by basic_client (C++17; under C++20 the concept does it).
template <class T>
struct check_transport {
    static_assert(has_executor_type<T>::value, "akool transport: missing member type `executor_type`");
    static_assert(has_get_executor<T>::value,
                  "akool transport: missing `executor_type get_executor()` (or it does not return executor_type)");
    static_assert(has_async_send<T>::value,
                  "akool transport: missing `async_send(http_request&&, Handler&&)` completing with "
                  "void(error_code, http_response)");
    static_assert(has_blocking_send<T>::value,
                  "akool transport: missing the blocking `send(const http_request&, http_response&, error_code&)`");
    static constexpr bool value = true;
};

/// Instantiates `async_send` with `transport_handler_archetype` (never called): a transport
/// that completes its handler with other arguments fails to compile with the archetype's
/// message. The client's exchange operation, the one caller of `async_send`, takes its address
/// (detail/client_ops.hpp), so a TU that sends nothing asynchronously does not compile it.
template <class T>
void probe_completion(T& t)
{
    t.async_send(http_request{}, transport_handler_archetype{});
}

#if AKOOL_HAS_CONCEPTS
/// `T::executor_type` names a type (first requirement of `akool::transport`).
template <class T>
concept transport_has_executor_type = requires { typename T::executor_type; };
/// `t.get_executor()` returns `T::executor_type` (second requirement).
template <class T>
concept transport_has_get_executor = requires(T& t) {
    { t.get_executor() } -> std::convertible_to<typename T::executor_type>;
};
/// `t.async_send(http_request&&, handler)` is callable (third requirement).
template <class T>
concept transport_has_async_send = requires(T& t, http_request&& req, transport_handler_archetype&& h) {
    t.async_send(std::move(req), std::move(h));
};
/// `t.send(const http_request&, http_response&, error_code&)` is callable (fourth requirement).
template <class T>
concept transport_has_blocking_send = requires(T& t, const http_request& req, http_response& out, error_code& ec) {
    t.send(req, out, ec);
};
#endif

} // namespace detail

#if AKOOL_HAS_CONCEPTS
/// A transport: sends one http_request, asynchronously or on the calling thread, and
/// completes with (error_code, http_response). See the file comment for each member.
template <class T>
concept transport = detail::transport_has_executor_type<T> && detail::transport_has_get_executor<T> &&
                    detail::transport_has_async_send<T> && detail::transport_has_blocking_send<T>;
#else
/// C++17 form of the concept: true when `T` models a transport.
template <class T>
inline constexpr bool transport = detail::is_transport_impl<T>::value;
#endif

/// The same test as a type trait, in either language mode.
template <class T>
struct is_transport : detail::is_transport_impl<T> {};

} // namespace akool

#endif
