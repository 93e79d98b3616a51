// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DIAGNOSTICS_HPP
#define AKOOL_DIAGNOSTICS_HPP

/// @file diagnostics.hpp
/// What a person needs to act on a failure, beside its error_code: the validator's findings,
/// the service's own message and code, the HTTP status, the task id. Never a credential.

#include <akool/config.hpp>
#include <akool/error.hpp>

#include <boost/throw_exception.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace akool {

/// Whether a validation finding blocks sending.
enum class severity {
    error,    ///< the request must not be sent
    warning,  ///< sent as is, but probably not what was meant (e.g. a field the mode ignores)
};

/// What kind of rule a validation finding broke.
enum class issue_code {
    missing,          ///< a required field is absent
    blank,            ///< a text field holds only white space
    out_of_range,     ///< a number outside its documented range
    not_finite,       ///< a number that is NaN or infinite
    invalid_value,    ///< a value outside the documented set
    invalid_url,      ///< not an absolute http or https URL
    mode_mismatch,    ///< a field that does not fit the request's mode (text/image-to-image)
    ignored,          ///< a value the service accepts but does not use
    invalid_utf8,     ///< text that is not valid UTF-8 (the message names the byte offset)
};

/// The wire name of an issue code ("out_of_range", ...).
constexpr const char* to_string(issue_code c) noexcept
{
    switch (c) {
    case issue_code::missing: return "missing";
    case issue_code::blank: return "blank";
    case issue_code::out_of_range: return "out_of_range";
    case issue_code::not_finite: return "not_finite";
    case issue_code::invalid_value: return "invalid_value";
    case issue_code::invalid_url: return "invalid_url";
    case issue_code::mode_mismatch: return "mode_mismatch";
    case issue_code::ignored: return "ignored";
    case issue_code::invalid_utf8: return "invalid_utf8";
    }
    return "unknown";
}

/// One validation finding: the JSON field it concerns (`source_images[1]` for an element),
/// what rule it broke, whether it blocks sending, and a sentence a person can act on.
struct validation_issue {
    std::string field;                            ///< the JSON field, e.g. `batch_quantity`
    issue_code code = issue_code::invalid_value;  ///< the rule it broke
    akool::severity severity = severity::error;   ///< whether it blocks sending
    std::string message;                          ///< a sentence naming the field and the fix
};

/// Details of the last failure of an operation. Operations clear it when they start.
struct diagnostics {
    /// The validator's findings (errors and warnings) for the request.
    std::vector<validation_issue> issues;
    /// The service's business code (`code`), 0 when no reply carried one.
    int api_code = 0;
    /// The service's `msg`, verbatim.
    std::string server_message;
    /// The HTTP status of the reply, 0 when no reply arrived.
    int http_status = 0;
    /// The task the failure concerns, when there is one.
    std::string task_id;
    /// The delay the service asked for in a Retry-After header (HTTP 429 or 503), if any.
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
    /// first validation error, if any.
    std::string summary() const
    {
        std::string out;
        auto add = [&out](const std::string& part) {
            if (part.empty()) return;
            if (!out.empty()) out += "; ";
            out += part;
        };
        for (const auto& i : issues)
            if (i.severity == severity::error) {
                add(i.field + ": " + i.message);
                break;
            }
        add(client_message);
        if (!server_message.empty()) add("server: " + server_message);
        if (api_code != 0) add("code " + std::to_string(api_code));
        if (http_status != 0 && http_status != 200) add("HTTP " + std::to_string(http_status));
        if (!task_id.empty()) add("task " + task_id);
        return out;
    }
};

/// The exception the throwing forms raise: an error_code plus the diagnostics.
class error_with_diagnostics : public boost::system::system_error {
public:
    /// `what()` is `diag.summary()`.
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
inline void throw_on_error(const error_code& ec, const diagnostics& diag)
{
    if (ec) boost::throw_exception(error_with_diagnostics(ec, diag));
}

} // namespace akool

#endif
