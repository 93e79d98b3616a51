// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_JSON_ENCODE_HPP
#define AKOOL_JSON_ENCODE_HPP

/// @file json_encode.hpp
/// The JSON encoders of the wire codec: request bodies, and the service's replies for the
/// emulator and for users' own fakes. Standard library only (no Boost.JSON), so a TU that only
/// builds request bodies stays light; <akool/json.hpp> includes this header and the decoders.

#include <akool/config.hpp>
#include <akool/model.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace akool {

/// The create body exactly as the service expects it; unset optional fields are left out.
/// The result is always valid JSON: text that is not valid UTF-8 (which `validate` reports,
/// so that the client never sends it) is written with each ill-formed sequence replaced by
/// U+FFFD, as every encoder in this header does.
AKOOL_DECL std::string encode_image_request(const image_request& req);

/// Appends the create body to `out` (no allocation when `out` has the capacity).
AKOOL_DECL void encode_image_request(const image_request& req, std::string& out);

/// The getToken body: `{"clientId": ..., "clientSecret": ...}`.
AKOOL_DECL std::string encode_token_request(const client_credentials& creds);

/// A create reply: `data` is the task object when `as_array` is false, else an array.
AKOOL_DECL std::string encode_create_response(const std::vector<image_task>& tasks, bool as_array);

/// A get-result reply.
AKOOL_DECL std::string encode_result_response(const image_result& result);

/// A getToken reply.
AKOOL_DECL std::string encode_token_response(std::string_view token);

/// A failure reply `{"code": code, "msg": msg}`.
AKOOL_DECL std::string encode_error_response(int code, std::string_view msg);

} // namespace akool

#ifdef AKOOL_HEADER_ONLY
#include <akool/impl/json_encode.ipp>
#endif

#endif
