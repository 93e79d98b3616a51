// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DIAGNOSTICS_HPP
#define AKOOL_DIAGNOSTICS_HPP

/// @file diagnostics.hpp
/// What a person needs to act on a failure, beside its error_code: the validator's findings,
/// the service's own message and code, the HTTP status, the task id. Never a credential.

#include <akool/config.hpp>
#include <akool/error.hpp>
#include <akool/validation_issue.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace akool {

/// Details of the last failure of an operation. Operations clear it when they start.
struct diagnostics {
    /// The validator's findings (errors and warnings) for the request.
    std::vector<validation_issue> issues;
    /// The service's business code (`code`), 0 when no reply carried one.
    int api_code = 0;
    /// The service's `msg`, verbatim (`summary()` shows it escaped and cut).
    std::string server_message;
    /// The HTTP status of the reply, 0 when no reply arrived.
    int http_status = 0;
    /// The task the failure concerns, when there is one: its id as given (by you, or by the
    /// service: any bytes, any length; `summary()` shows it escaped and cut).
    std::string task_id;
    /// The delay asked for in a Retry-After header of a reply other than 200 (429 and 503 send
    /// it; any status is read), if any.
    std::optional<std::chrono::seconds> retry_after;
    /// The client's own explanation: the JSON field that failed to decode, the step that
    /// timed out, the TLS verification failure.
    std::string client_message;

    /// Empties every field (operations call it when they start).
    void clear()
    {
        issues.clear();
        api_code = 0;
        server_message.clear();
        http_status = 0;
        task_id.clear();
        retry_after.reset();
        client_message.clear();
    }

    /// True when the validator found at least one blocking error.
    bool has_validation_errors() const noexcept
    {
        for (const auto& i : issues)
            if (i.severity == severity::error) return true;
        return false;
    }

    /// One line for a log or an exception: the client's and the server's words and the
    /// first validation error, if any. Control characters (C0, DEL, C1) and bytes of no
    /// UTF-8 character are shown as hexadecimal escapes, and the server's message is cut
    /// after 300 bytes, so a hostile reply cannot break the line or drive a terminal.
    AKOOL_DECL std::string summary() const;
};

/// The exception the throwing forms raise: an error_code plus the diagnostics.
class error_with_diagnostics : public boost::system::system_error {
public:
    /// `what()` is system_error's: `diag.summary()`, then ": " and the error's message and
    /// category (`[akool:N]`); `code()` is `ec`.
    error_with_diagnostics(const error_code& ec, diagnostics diag)
        : boost::system::system_error(ec, diag.summary()), diag_(std::move(diag))
    {
    }
    /// The details of the failure.
    const diagnostics& get_diagnostics() const noexcept { return diag_; }

private:
    diagnostics diag_;
};

/// Throws `error_with_diagnostics` (through boost::throw_exception) when `ec` is set.
AKOOL_DECL void throw_on_error(const error_code& ec, const diagnostics& diag);

namespace detail {
// Takes an asynchronous overload without diagnostics out of overload resolution when its
// "token" is a diagnostics: the overload with diagnostics applies then, or a call that forgot
// its token fails as "no matching function" rather than deep inside Asio.
template <class T>
using not_diagnostics = std::enable_if_t<!std::is_same_v<std::decay_t<T>, diagnostics>>;

// The throwing form of an `(error_code&, diagnostics&)` call: returns `f(ec, diag)`, or
// throws its failure (throw_on_error).
template <class F>
auto call_or_throw(F&& f)
{
    error_code ec;
    diagnostics diag;
    auto r = std::forward<F>(f)(ec, diag);
    throw_on_error(ec, diag);
    return r;
}
} // namespace detail

} // namespace akool

#ifdef AKOOL_HEADER_ONLY
#include <akool/impl/diagnostics.ipp>
#endif

#endif
