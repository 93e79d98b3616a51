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
/// Defined (as 1) unless `AKOOL_SEPARATE_COMPILATION` is: the library is used header-only.
#define AKOOL_HEADER_ONLY 1
/// Prefix of the functions defined in `impl/*.ipp` (and of akool::client's member templates
/// that src.hpp instantiates): `inline` when header-only, empty under
/// `AKOOL_SEPARATE_COMPILATION`.
#define AKOOL_DECL inline
#endif

/// @def AKOOL_COLD
/// Marks a function that runs only when something failed (a validation message builder): g++
/// and clang++ compile it for size and lay out the paths that call it as unlikely. It is also
/// cheaper to compile, which matters for header-only code compiled in every TU.
/// @def AKOOL_NOINLINE
/// Keeps a small helper out of line where inlining it at every call site would multiply the
/// code that each TU compiles for no measurable speed (one call per JSON member written).
#if defined(__GNUC__) || defined(__clang__)
#define AKOOL_COLD __attribute__((cold))
#define AKOOL_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define AKOOL_COLD
#define AKOOL_NOINLINE __declspec(noinline)
#else
#define AKOOL_COLD
#define AKOOL_NOINLINE
#endif

/// @def AKOOL_HAS_CONCEPTS
/// 1 when the compiler and standard library support concepts (C++20): `akool::transport` is
/// then a concept; 0 otherwise (a constexpr bool of the same name).
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

#define AKOOL_VERSION_MAJOR 0        ///< The library's major version.
#define AKOOL_VERSION_MINOR 1        ///< The library's minor version.
#define AKOOL_VERSION_PATCH 0        ///< The library's patch version.
#define AKOOL_VERSION_STRING "0.1.0" ///< "MAJOR.MINOR.PATCH".

// Compiled mode: a TU whose settings differ from the library's fails to link, naming the setting.
#include <akool/detail/abi_check.hpp>

#endif
