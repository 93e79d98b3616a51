// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_JSON_DECODE_HPP
#define AKOOL_JSON_DECODE_HPP

/// @file json_decode.hpp
/// The JSON decoders of the wire codec (Boost.JSON), which read the service's envelope
/// `{code, msg, data}`. The forms with an `error_code` never throw and never crash, whatever
/// the input: a reply that is not the documented JSON yields `error::bad_response` naming the
/// field in `diagnostics::client_message`; a code other than 1000 yields the API error, with
/// the service's `msg` in `diagnostics::server_message`. Unknown fields are ignored. The forms
/// without one throw that failure as `error_with_diagnostics` (through boost::throw_exception).
/// <akool/json.hpp> includes this header and the encoders.
///
/// Users of Boost.JSON header-only must include <boost/json/src.hpp> in one TU or link
/// Boost::json; the CMake target `akool::akool` and the Meson dependency `akool` do the latter.

#include <akool/config.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace akool {

/// Decodes a create reply. `data` may be an object (batch of 1) or an array: the result is
/// always a sequence, in the service's order. A task id given twice fails with
/// `error::bad_response` (diagnostics name it). On failure returns an empty vector.
AKOOL_DECL std::vector<image_task> decode_create_response(std::string_view body, error_code& ec, diagnostics& diag);
/// `decode_create_response`, the details of a failure dropped.
AKOOL_DECL std::vector<image_task> decode_create_response(std::string_view body, error_code& ec);
/// `decode_create_response`; throws `error_with_diagnostics` on failure.
AKOOL_DECL std::vector<image_task> decode_create_response(std::string_view body);

/// Decodes a get-result reply.
AKOOL_DECL image_result decode_result_response(std::string_view body, error_code& ec, diagnostics& diag);
/// `decode_result_response`, the details of a failure dropped.
AKOOL_DECL image_result decode_result_response(std::string_view body, error_code& ec);
/// `decode_result_response`; throws `error_with_diagnostics` on failure.
AKOOL_DECL image_result decode_result_response(std::string_view body);

/// Decodes a getToken reply; the token sits at the top level, beside `code`.
AKOOL_DECL std::string decode_token_response(std::string_view body, error_code& ec, diagnostics& diag);
/// `decode_token_response`, the details of a failure dropped.
AKOOL_DECL std::string decode_token_response(std::string_view body, error_code& ec);
/// `decode_token_response`; throws `error_with_diagnostics` on failure.
AKOOL_DECL std::string decode_token_response(std::string_view body);

/// Reads only the envelope's `code` and `msg` (for replies with an unexpected HTTP status).
/// Returns true and sets `code`/`msg` when the body is a JSON object with an integer code.
AKOOL_DECL bool peek_api_code(std::string_view body, int& code, std::string& msg);

/// Decodes a create body as the service would (the server side, for the emulator and for
/// users' own fakes). Every problem found is reported in `diag.issues` (wrong JSON types as
/// `invalid_value` on their field) and `ec` is set to `error::validation_failed`; a body that
/// is not a JSON object sets `error::bad_response`.
/// The caller runs `validate` on the result for the value rules.
AKOOL_DECL image_request decode_image_request(std::string_view body, error_code& ec, diagnostics& diag);
/// `decode_image_request`; throws `error_with_diagnostics`: `validation_failed` with the issues
/// when a field breaks a rule it checks, `bad_response` when the body is not a JSON object.
AKOOL_DECL image_request decode_image_request(std::string_view body);

} // namespace akool

#ifdef AKOOL_HEADER_ONLY
#include <akool/impl/json_decode.ipp>
#endif

#endif
