// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_SRC_WEBHOOK_HPP
#define AKOOL_SRC_WEBHOOK_HPP

/// @file src_webhook.hpp
/// Separate compilation of the webhook verifier (webhook.hpp): with
/// `AKOOL_SEPARATE_COMPILATION`, include this file in one `.cpp` of a program that verifies
/// webhooks, beside `<akool/src.hpp>`. Kept apart so that the compiled client does not bring
/// OpenSSL's digest and cipher code (EVP) into programs that never verify a callback.

#ifndef AKOOL_SEPARATE_COMPILATION
#error "define AKOOL_SEPARATE_COMPILATION in every TU before including <akool/src_webhook.hpp>"
#endif

#include <akool/impl/webhook.ipp>

#endif
