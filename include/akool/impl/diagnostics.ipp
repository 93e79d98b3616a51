// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMPL_DIAGNOSTICS_IPP
#define AKOOL_IMPL_DIAGNOSTICS_IPP

// Out of line so that, in the compiled mode, a TU that includes diagnostics.hpp neither
// compiles the summary's string building nor includes <boost/throw_exception.hpp>.

#include <akool/diagnostics.hpp>
#include <akool/detail/utf8.hpp>

#include <boost/throw_exception.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace akool {

// Every part goes through detail::append_printable: the server's message and a task id are
// the service's (or a file's) bytes, and a summary is printed to logs and terminals, so it
// stays one line without control characters. The server's message is shown up to
// `max_server_message` bytes and the task id up to `max_task_id` (each field keeps all).
AKOOL_DECL std::string diagnostics::summary() const
{
    constexpr std::size_t max_server_message = 300;
    constexpr std::size_t max_task_id = 64;  // a valid id's longest (task_id_rule)
    std::string out;
    auto add = [&out](std::string_view label, std::string_view part, std::size_t max_bytes = std::string_view::npos) {
        if (part.empty()) return;
        if (!out.empty()) out += "; ";
        out += label;
        detail::append_printable(out, part, max_bytes);
    };
    for (const auto& i : issues)
        if (i.severity == severity::error) {
            // A message names its field as a rule's sentence does ("batch_quantity is 5 but
            // ..."): the field is written once.
            const bool named = i.message.compare(0, i.field.size(), i.field) == 0;
            add("", named ? i.message : i.field + ": " + i.message);
            break;
        }
    add("", client_message);
    add("server: ", server_message, max_server_message);
    if (api_code != 0) add("", "code " + std::to_string(api_code));
    if (http_status != 0 && http_status != 200) add("", "HTTP " + std::to_string(http_status));
    add("task ", task_id, max_task_id);
    return out;
}

AKOOL_DECL void throw_on_error(const error_code& ec, const diagnostics& diag)
{
    if (ec) boost::throw_exception(error_with_diagnostics(ec, diag));
}

} // namespace akool

#endif
