// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// What every compile_fail file shares: a client over the file's `bad_transport`, and one
// asynchronous operation started (the client's exchange checks async_send's completion).
#include <akool/client.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
using ex_t = boost::asio::io_context::executor_type;

template <class Transport>
void make_client()
{
    boost::asio::io_context ioc;
    akool::basic_client<Transport> client(Transport{ioc.get_executor()});
    client.async_get_result("task", [](akool::error_code, akool::image_result) {});
}
