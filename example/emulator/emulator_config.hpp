// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_EMULATOR_CONFIG_HPP
#define AKOOL_EMULATOR_CONFIG_HPP

/// @file emulator_config.hpp
/// Build mode of the emulator. By default every definition is inline in the headers:
/// emulator.hpp includes server_impl.hpp at its end, webhook_sender.hpp includes
/// webhook_sender_impl.hpp. With `AKOOL_EMULATOR_SEPARATE_COMPILATION` defined, emulator.hpp and
/// webhook_sender.hpp only declare `server` and `webhook_sender`, and emulator.cpp compiles
/// both once: the test and bench builds link it as a library, so that each test file does not
/// compile the Beast server and client again.
#ifdef AKOOL_EMULATOR_SEPARATE_COMPILATION
#define AKOOL_EMULATOR_DECL
#else
#define AKOOL_EMULATOR_DECL inline
#endif

#endif
