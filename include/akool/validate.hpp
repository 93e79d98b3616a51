// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_VALIDATE_HPP
#define AKOOL_VALIDATE_HPP

/// @file validate.hpp
/// Client-side validation of a create request: a pure function, standard library only, no
/// I/O. The client runs it before sending; an error blocks sending, a warning does not.

#include <akool/config.hpp>
#include <akool/model.hpp>
#include <akool/validation_issue.hpp>

#include <vector>

namespace akool {

/// Checks `req` against every documented rule and returns all findings at once, errors and
/// warnings, each naming its JSON field. An empty result means the request is clean.
AKOOL_DECL std::vector<validation_issue> validate(const image_request& req);

/// True when `issues` holds at least one finding of severity error.
inline bool has_errors(const std::vector<validation_issue>& issues) noexcept
{
    for (const auto& i : issues)
        if (i.severity == severity::error) return true;
    return false;
}

} // namespace akool

#ifdef AKOOL_HEADER_ONLY
#include <akool/impl/validate.ipp>
#endif

#endif
