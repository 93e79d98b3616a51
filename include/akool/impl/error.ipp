// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMPL_ERROR_IPP
#define AKOOL_IMPL_ERROR_IPP

#include <akool/error.hpp>
#include <akool/detail/warnings.hpp>

#include <cstdio>
#include <string>

namespace akool {
namespace detail {

inline const char* error_message(int v) noexcept
{
    switch (static_cast<error>(v)) {
    case error::validation_failed: return "the request failed validation and was not sent";
    case error::bad_response: return "a reply (or a request body read back) could not be decoded as the JSON the API describes";
    case error::http_status: return "the server (the service, or a download's host) answered with an unexpected HTTP status";
    case error::generation_failed: return "image generation failed (the task ended with status 4)";
    case error::timeout: return "the operation timed out";
    case error::unexpected_api_code: return "the service answered with an unexpected business code";
    case error::response_too_large: return "the reply exceeded its size limit (the configured body limit, or 256 KiB of chunk framing)";
    case error::invalid_url: return "the URL is not an absolute http or https URL";
    case error::request_not_sent:
        return "the request was not processed: it was not sent, or the service refused it before processing and it "
               "was not sent again";
    case error::outcome_unknown:
        return "the request may have reached the service (the connection failed, or the operation was cancelled "
               "or timed out, after it was sent); it may have been processed";
    case error::not_an_image: return "the downloaded content is not an image";
    case error::no_credentials: return "no API key, token or client credentials are configured; nothing was sent";
    case error::webhook_bad_signature: return "the webhook signature does not match";
    case error::webhook_stale: return "the webhook timestamp is outside the accepted window";
    case error::webhook_bad_base64: return "the webhook payload is not valid base64";
    case error::webhook_decrypt_failed: return "the webhook payload could not be decrypted (bad padding, key or IV), or a payload could not be encrypted";
    case error::webhook_bad_json: return "the webhook body or payload is not valid JSON";
    case error::webhook_missing_field: return "the webhook body or payload lacks a required field";
    case error::webhook_bad_credentials:
        return "the webhook credentials cannot decrypt: the client secret must be 16, 24 or 32 bytes (AES-128, 192 "
               "or 256) and the client id 16 bytes (the IV)";
    case error::webhook_duplicate: return "the webhook callback was already accepted (same ciphertext): a resend or a replay";
    case error::invalid_task_id:
        return "the task id is not of a task id's shape (is_valid_task_id), or differs from another task's of the "
               "batch only in letter case; it was not used as a file name";
    case error::too_many_redirects:
        return "the download was redirected more than 5 times or in a loop; the redirects were not followed further";
    case error::insecure_redirect: return "the download over https was redirected to plain http, which is refused";
    case error::bad_redirect: return "the download's redirect has no Location, or one that is not an http(s) URL";
    case error::proxy_refused:
        return "the proxy refused the tunnel (its credentials are missing or wrong, or its policy refuses the "
               "host); nothing reached the service";
    case error::address_not_allowed:
        return "the download's host is, or resolves only to, an address that is not public (loopback, private, "
               "link-local, ...), which download_options::addresses does not allow; nothing was sent";
    case error::api_parameter_error: return "parameter error or parameter validation error (API code 1003)";
    case error::api_needs_verification: return "the account needs verification (API code 1004)";
    case error::api_frequent_operation: return "operation too frequent, try again later (API code 1005)";
    case error::api_insufficient_quota: return "insufficient quota: top up the account (API code 1006)";
    case error::api_content_not_found: return "the content does not exist (API code 1008)";
    case error::api_no_permission: return "no permission for this operation (API code 1009)";
    case error::api_cannot_operate_content: return "this content cannot be operated on (API code 1010)";
    case error::api_not_paid: return "the account is not paid or the payment is overdue (API code 1103)";
    case error::api_insufficient_credit: return "insufficient credit: top up the account (API code 1104)";
    case error::api_account_not_found: return "the account does not exist (API code 1109)";
    case error::api_subscription_required: return "a subscription is required (API code 1213)";
    case error::api_subscription_required_1221: return "a subscription is required (API code 1221)";
    case error::api_invalid_authorization:
        return "invalid authorization or the request token has expired (API code 1101)";
    case error::api_authorization_empty: return "authorization cannot be empty (API code 1102)";
    case error::api_generation_error: return "image generate error, please try again later (API code 1108)";
    case error::api_account_banned: return "the account has been banned (API code 1200)";
    }
    return nullptr;
}

AKOOL_DETAIL_CATEGORY_WARNINGS_PUSH
class error_category_impl final : public boost::system::error_category {
public:
    // A fixed id makes categories from different TUs and shared objects compare equal.
    constexpr error_category_impl() noexcept : boost::system::error_category(0xa6001c3e91f05d27ULL) {}

    const char* name() const noexcept override { return "akool"; }

    std::string message(int v) const override
    {
        char buf[96];
        return message(v, buf, sizeof(buf));
    }

    const char* message(int v, char* buf, std::size_t len) const noexcept override
    {
        if (const char* m = error_message(v)) return m;
        if (v > max_client_error)
            std::snprintf(buf, len, "the service answered with API code %d", v);
        else
            std::snprintf(buf, len, "unknown akool error %d", v);
        return buf;
    }
};
AKOOL_DETAIL_CATEGORY_WARNINGS_POP

} // namespace detail

AKOOL_DECL const boost::system::error_category& get_error_category() noexcept
{
    static const detail::error_category_impl instance;
    return instance;
}

} // namespace akool

#endif
