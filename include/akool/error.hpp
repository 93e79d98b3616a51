// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_ERROR_HPP
#define AKOOL_ERROR_HPP

/// @file error.hpp
/// The library's error codes: the service's business codes and the client's own conditions,
/// in one enum with one `boost::system` error category ("akool").

#include <akool/config.hpp>

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <string>

namespace akool {

/// The error code type of every operation (`boost::system::error_code`).
using error_code = boost::system::error_code;

/// Error values. The service's codes keep their number: `error(1003)` is a parameter error,
/// and a code the library does not know, say 1234, travels as `error(1234)` with that value
/// (its message names the number). The client's own conditions use values 1 to 99; a service
/// code that would fall in that range (or is not positive) is reported as
/// `unexpected_api_code`, with the number in `diagnostics::api_code`.
enum class error : int {
    // The client's own conditions.
    validation_failed = 1,    ///< the request broke a validation rule; nothing was sent
    bad_response,             ///< the reply (or a request body read back, decode_image_request)
                              ///< was not the JSON the documentation describes
    http_status,              ///< the HTTP status was not 200, from the service (with no API code
                              ///< in the body, or code 1000) or from a download's host
    generation_failed,        ///< the task ended with status 4 (failed)
    timeout,                  ///< a deadline passed before the operation completed
    unexpected_api_code,      ///< the service sent a code below 100 or not positive
    response_too_large,       ///< the reply exceeded the configured body size limit, or its
                              ///< chunk framing (extensions, trailers) the fixed 256 KiB
    invalid_url,              ///< a URL could not be parsed or uses an unsupported scheme
    request_not_sent,         ///< the request was not processed: the connection failed before
                              ///< any byte of it was sent; or, for a create, the service refused
                              ///< each attempt before processing it (429, 503, 1005, 1108, its
                              ///< credentials) and the create ended before another could be sent
                              ///< (its deadline, no new token): it may be sent again
    outcome_unknown,          ///< the connection failed, or the operation was cancelled or timed
                              ///< out, after the request may have reached the service: it may
                              ///< have been processed (and charged)
    not_an_image,             ///< a downloaded body is not a PNG, JPEG, GIF or WebP image
    no_credentials,           ///< no API key, token or client credentials are configured
                              ///< (a create or a poll then sends nothing)
    webhook_bad_signature,    ///< a callback's signature does not match its content
    webhook_stale,            ///< a callback's timestamp is outside the accepted window
    webhook_bad_base64,       ///< a callback's `dataEncrypt` is not valid base64
    webhook_decrypt_failed,   ///< decryption failed: bad padding, wrong key or wrong IV (and
                              ///< make_webhook_body's encryption failed)
    webhook_bad_json,         ///< a callback body or its decrypted payload is not valid JSON
    webhook_missing_field,    ///< a callback or its payload lacks a required field
    webhook_bad_credentials,  ///< client id or secret has a length AES-CBC cannot use (secret
                              ///< 16, 24 or 32 bytes; client id 16 bytes, the IV)
    webhook_duplicate,        ///< a valid callback already accepted (same ciphertext) by the
                              ///< `webhook_options::replay_guard`
    invalid_task_id,          ///< a task id (of a create's reply, or a callback's `_id`) is not
                              ///< of a task id's shape (`is_valid_task_id`), or differs from
                              ///< another task's of the batch only in letter case; it was not
                              ///< used as a file name
    too_many_redirects,       ///< a download was redirected more than 5 times, or in a loop
    insecure_redirect,        ///< a download over https was redirected to plain http (refused)
    bad_redirect,             ///< a redirect had no Location, or one that is not an http(s) URL
    proxy_refused,            ///< the proxy refused the tunnel (CONNECT) with a 4xx other than
                              ///< 408 and 429 (407: its credentials are missing or wrong; 403:
                              ///< its policy); nothing reached the service, and it is not retried
    address_not_allowed,      ///< a download's host is, or resolves only to, an address that is not
                              ///< public (loopback, private, link-local, ...), which
                              ///< `download_options::addresses` does not allow; nothing was sent

    // The service's documented business codes (ai-tools-suite/error-code).
    api_parameter_error = 1003,        ///< parameter error or parameter validation error
    api_needs_verification = 1004,     ///< the account needs verification
    api_frequent_operation = 1005,     ///< operation too frequent: a refusal, retried like HTTP 429
    api_insufficient_quota = 1006,     ///< quota exhausted: top up the account
    api_content_not_found = 1008,      ///< the content does not exist
    api_no_permission = 1009,          ///< no permission for this operation
    api_cannot_operate_content = 1010, ///< this content cannot be operated on
    api_invalid_authorization = 1101,  ///< invalid authorization or expired token
    api_authorization_empty = 1102,    ///< authorization cannot be empty
    api_not_paid = 1103,               ///< not paid or the payment is overdue
    api_insufficient_credit = 1104,    ///< not enough credit: top up the account
    api_generation_error = 1108,       ///< image generate error, try again later
    api_account_not_found = 1109,      ///< the account does not exist
    api_account_banned = 1200,         ///< the account has been banned
    api_subscription_required = 1213,  ///< a subscription is required
    api_subscription_required_1221 = 1221,  ///< a subscription is required (the service's other code for it)
};

/// True for the service's codes that mean the account must be topped up (1006, 1104).
inline bool needs_top_up(int api_code) noexcept { return api_code == 1006 || api_code == 1104; }

/// The code the service uses for success.
inline constexpr int api_success_code = 1000;

/// The highest value the client's own conditions may use.
inline constexpr int max_client_error = 99;

/// The "akool" error category.
AKOOL_DECL const boost::system::error_category& get_error_category() noexcept;

/// Makes an error_code in the "akool" category.
inline error_code make_error_code(error e) noexcept
{
    return error_code(static_cast<int>(e), get_error_category());
}

/// The error a service `code` other than 1000 maps to (see `error`).
inline error_code make_api_error(int code) noexcept
{
    if (code <= max_client_error) return make_error_code(error::unexpected_api_code);
    return make_error_code(static_cast<error>(code));
}

/// True for an error carrying a service business code (as opposed to a client condition).
inline bool is_api_error(const error_code& ec) noexcept
{
    return ec.category() == get_error_category() && ec.value() > max_client_error;
}

} // namespace akool

namespace boost {
namespace system {
template <>
struct is_error_code_enum<::akool::error> : std::true_type {};
} // namespace system
} // namespace boost

#ifdef AKOOL_HEADER_ONLY
#include <akool/impl/error.ipp>
#endif

#endif
