// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_SRC_HPP
#define AKOOL_SRC_HPP

/// @file src.hpp
/// Separate compilation: define AKOOL_SEPARATE_COMPILATION in every TU of your program and
/// include this file in exactly one of them. It compiles the library's non-template code once:
/// the core, the batch journal, `akool::client` and the blocking facade. The webhook verifier
/// has its own file, `<akool/src_webhook.hpp>`.

#ifndef AKOOL_SEPARATE_COMPILATION
#error "define AKOOL_SEPARATE_COMPILATION in every TU before including <akool/src.hpp>"
#endif

#include <akool/impl/error.ipp>
#include <akool/impl/diagnostics.ipp>
#include <akool/impl/validate.ipp>
#include <akool/impl/json_encode.ipp>
#include <akool/impl/json_decode.ipp>
#include <akool/impl/batch_journal.ipp>
#include <akool/impl/beast_client.ipp>
#include <akool/impl/blocking_client.ipp>

// The library's settings, which each TU's must match (detail/abi_check.hpp): defined here,
// whatever was included before this file.
#include <akool/detail/abi_check_asio.hpp>
#if defined(AKOOL_ABI_CHECKED)
AKOOL_ABI_STD(AKOOL_ABI_DEFINE)
AKOOL_ABI_ASIO(AKOOL_ABI_DEFINE)
#endif

#endif
