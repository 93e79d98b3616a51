// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_JSON_HPP
#define AKOOL_JSON_HPP

/// @file json.hpp
/// The wire codec: the encoders of <akool/json_encode.hpp> (standard library only) and the
/// decoders of <akool/json_decode.hpp> (Boost.JSON), which read the service's envelope
/// `{code, msg, data}`. The decoders' error_code forms never throw (their throwing forms
/// throw error_with_diagnostics) and none crashes, whatever the input: a reply
/// that is not the documented JSON yields `error::bad_response` naming the field in
/// `diagnostics::client_message`; a code other than 1000 yields the API error, with the
/// service's `msg` in `diagnostics::server_message`. Unknown fields are ignored.
///
/// Users of Boost.JSON header-only must include <boost/json/src.hpp> in one TU or link
/// Boost::json; the CMake target `akool::akool` and the Meson dependency `akool` do the latter.

#include <akool/json_decode.hpp>
#include <akool/json_encode.hpp>

#endif
