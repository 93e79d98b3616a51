// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_NEEDS_EXCEPTIONS_HPP
#define AKOOL_DETAIL_NEEDS_EXCEPTIONS_HPP

// Included by the headers of the Beast transport and of akool::client. With Boost 1.81 they
// cannot serve code built without exceptions: Beast 1.81 has a bare `throw`
// (beast/core/impl/buffers_cat.hpp), so the transport, and the compiled library
// (akool::compiled) that holds it, need exceptions; and Asio's types change layout without
// them (detail::thread_info_base), so a TU that includes Asio without exceptions, linked
// with that library, corrupts memory at run time. Stopped here, with the way out, rather
// than deep in Beast or in a hang. The blocking facade's compiled-mode header includes no
// Asio and works without exceptions (test/standalone/no_exceptions_facade.cpp).

#include <boost/config.hpp>
#include <boost/version.hpp>

#if defined(BOOST_NO_EXCEPTIONS) && BOOST_VERSION <= 108100
#error "akool: the Beast transport and akool::client need C++ exceptions with Boost 1.81 (Beast 1.81 throws, and Asio's types differ without exceptions). In code built with -fno-exceptions, use <akool/blocking_client.hpp> under AKOOL_SEPARATE_COMPILATION, linked with akool::compiled, and include no Asio header in that code; or bring your own transport to basic_client (README: Without exceptions)."
#endif

#endif
