// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_AKOOL_HPP
#define AKOOL_AKOOL_HPP

/// @file akool.hpp
/// Everything: the model, validator and codec, the client with the Beast transport, the
/// generation workflow and the webhook verifier. Include the individual headers instead to
/// keep Asio (client.hpp), Beast (beast_transport.hpp) or OpenSSL (webhook.hpp) out of a TU.
/// The blocking facade, `<akool/blocking_client.hpp>`, is not included: it is its own entry
/// point, for TUs that want no Asio at all.

#include <akool/config.hpp>
#include <akool/model.hpp>
#include <akool/error.hpp>
#include <akool/diagnostics.hpp>
#include <akool/validate.hpp>
#include <akool/json.hpp>
#include <akool/client_options.hpp>
#include <akool/transport.hpp>
#include <akool/client.hpp>
#include <akool/beast_transport.hpp>
#include <akool/beast_client.hpp>
#include <akool/webhook.hpp>
#include <akool/batch_journal.hpp>

#endif
