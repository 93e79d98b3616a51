// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// Precompiled header of the unit tests (CMake option AKOOL_TEST_PCH): Boost.Test's internals,
// which cost a couple of seconds per translation unit. Third-party headers only, never an akool
// header, and nothing that a sans-io unit test may assert it does not see (no Boost.JSON, Asio,
// Beast or OpenSSL: test/unit/validate.cpp checks exactly that).
//
// <boost/test/unit_test.hpp> and <boost/test/unit_test_suite.hpp> must stay out: they define
// main() and the master suite's name from the BOOST_TEST_MODULE that each test file defines
// after this header is force-included. The build defines BOOST_TEST_MAIN for that reason.
#ifndef AKOOL_TEST_PCH_UNIT_HPP
#define AKOOL_TEST_PCH_UNIT_HPP

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/framework.hpp>
#include <boost/test/test_tools.hpp>
#include <boost/test/tree/auto_registration.hpp>
#include <boost/test/tree/global_fixture.hpp>
#include <boost/test/tree/test_case_template.hpp>

#endif
