// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// The emulator's server compiled once (AKOOL_EMULATOR_SEPARATE_COMPILATION, see emulator.hpp):
// the library that the test and bench programs and akool-emulator link, so that each of them
// compiles only the thin `server` declaration.
#ifndef AKOOL_EMULATOR_SEPARATE_COMPILATION
#error "emulator.cpp is the separately compiled server: build it with AKOOL_EMULATOR_SEPARATE_COMPILATION"
#endif

#include "server_impl.hpp"
