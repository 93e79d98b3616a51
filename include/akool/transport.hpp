// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TRANSPORT_HPP
#define AKOOL_TRANSPORT_HPP

/// @file transport.hpp
/// The Transport concept and the plain HTTP request/response values that cross it. No Asio,
/// Beast or OpenSSL type appears here: a transport can sit on libcurl, WinHTTP, an engine's
/// HTTP module or a test script.
///
/// A type `T` models `akool::transport` when it has
///  - `typename T::executor_type`, and `t.get_executor()` returning it;
///  - `t.async_send(http_request&& req, Handler&& h)`, which sends `req` and later invokes
///    `h(error_code, http_response)` exactly once, through the handler's associated executor
///    (for example with `asio::post`/`asio::dispatch`, as every Asio operation does), never
///    from inside `async_send` itself. A transport should honour the handler's associated
///    cancellation slot; the client relies on its own deadline otherwise.
/// On failure the transport sets `http_response::maybe_sent` when any byte of the request may
/// have reached the server, and may describe the failed step in `failure_detail`.
/// Under C++20 `akool::transport<T>` is a concept; under C++17 it is a constexpr bool with
/// the same name, for `static_assert(akool::transport<T>)`.

#include <akool/config.hpp>
#include <akool/error.hpp>

#include <chrono>
#include <cstddef>
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

/// The handler type the concept checks `async_send` against.
struct transport_handler_archetype {
    transport_handler_archetype() = default;
    transport_handler_archetype(transport_handler_archetype&&) = default;
    transport_handler_archetype& operator=(transport_handler_archetype&&) = default;
    void operator()(error_code, http_response) {}
};

template <class T, class = void>
struct is_transport_impl : std::false_type {};

template <class T>
struct is_transport_impl<
    T, std::void_t<typename T::executor_type,
                   decltype(std::declval<T&>().async_send(std::declval<http_request&&>(),
                                                          std::declval<transport_handler_archetype&&>())),
                   std::enable_if_t<std::is_convertible_v<decltype(std::declval<T&>().get_executor()),
                                                          typename T::executor_type>>>> : std::true_type {};

} // namespace detail

#if AKOOL_HAS_CONCEPTS
/// A transport: sends one http_request and completes with (error_code, http_response).
template <class T>
concept transport = requires(T& t, http_request&& req, detail::transport_handler_archetype&& h) {
    typename T::executor_type;
    { t.get_executor() } -> std::convertible_to<typename T::executor_type>;
    t.async_send(std::move(req), std::move(h));
};
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
