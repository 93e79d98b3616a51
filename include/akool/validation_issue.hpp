// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_VALIDATION_ISSUE_HPP
#define AKOOL_VALIDATION_ISSUE_HPP

/// @file validation_issue.hpp
/// One finding of the request validator. Standard library only, so that `<akool/validate.hpp>`
/// stays light; `<akool/diagnostics.hpp>` includes it.

#include <string>

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

/// "error" or "warning".
constexpr const char* to_string(severity s) noexcept { return s == severity::warning ? "warning" : "error"; }

/// One validation finding: the JSON field it concerns (`source_images[1]` for an element),
/// what rule it broke, whether it blocks sending, and a sentence a person can act on.
struct validation_issue {
    std::string field;                            ///< the JSON field, e.g. `batch_quantity`
    issue_code code = issue_code::invalid_value;  ///< the rule it broke
    akool::severity severity = severity::error;   ///< whether it blocks sending
    std::string message;                          ///< a sentence naming the field and the fix
};

} // namespace akool

#endif
