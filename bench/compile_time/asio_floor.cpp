// Compile-time TU (bench/compile-time.sh): the floor under compiled_client.cpp, the same
// program shape with Asio alone and no akool header: an io_context, one callback operation
// (a timer) and one coroutine awaiting another with use_awaitable (-std=c++20). What
// compiled_client.cpp costs above this is akool's share.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> wait_once(asio::steady_timer& timer)
{
    try {
        co_await timer.async_wait(asio::use_awaitable);
        std::cout << "done\n";
    } catch (const boost::system::system_error& e) {
        std::cerr << e.code().message() << "\n";
    }
}

int main()
{
    asio::io_context ioc;
    asio::steady_timer a(ioc, std::chrono::milliseconds(1)), b(ioc, std::chrono::milliseconds(2));
    a.async_wait([](boost::system::error_code ec) { std::cout << ec.message() << "\n"; });
    asio::co_spawn(ioc, wait_once(b), asio::detached);
    ioc.run();
}
