// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// Precompiled header of the integration tests (real sockets): unit.hpp plus the networking,
// TLS and JSON headers that cost several seconds per translation unit. Same rules as unit.hpp.
#ifndef AKOOL_TEST_PCH_INTEGRATION_HPP
#define AKOOL_TEST_PCH_INTEGRATION_HPP

#include "unit.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#endif
