// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMPL_DIAGNOSTICS_IPP
#define AKOOL_IMPL_DIAGNOSTICS_IPP

// Out of line so that, in the compiled mode, a TU that includes diagnostics.hpp neither
// compiles the summary's string building nor includes <boost/throw_exception.hpp>.

#include <akool/diagnostics.hpp>

#include <boost/throw_exception.hpp>

#include <string>

namespace akool {

AKOOL_DECL std::string diagnostics::summary() const
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

AKOOL_DECL void throw_on_error(const error_code& ec, const diagnostics& diag)
{
    if (ec) boost::throw_exception(error_with_diagnostics(ec, diag));
}

} // namespace akool

#endif
