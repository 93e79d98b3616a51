// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_CONFIG_HPP
#define AKOOL_CONFIG_HPP

/// @file config.hpp
/// Build-mode switches.
///
/// Header-only by default. Define `AKOOL_SEPARATE_COMPILATION` in every TU and include
/// `<akool/src.hpp>` in exactly one of them to compile the non-template code once.

#ifdef AKOOL_SEPARATE_COMPILATION
#define AKOOL_DECL
#else
#define AKOOL_HEADER_ONLY 1
#define AKOOL_DECL inline
#endif

#if defined(__cpp_concepts) && __cpp_concepts >= 201907L && defined(__cpp_lib_concepts)
#define AKOOL_HAS_CONCEPTS 1
#else
#if __has_include(<version>)
#include <version>
#endif
#if defined(__cpp_concepts) && __cpp_concepts >= 201907L && defined(__cpp_lib_concepts)
#define AKOOL_HAS_CONCEPTS 1
#else
#define AKOOL_HAS_CONCEPTS 0
#endif
#endif

#define AKOOL_VERSION_MAJOR 0
#define AKOOL_VERSION_MINOR 1
#define AKOOL_VERSION_PATCH 0
#define AKOOL_VERSION_STRING "0.1.0"

#endif
