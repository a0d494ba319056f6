#pragma once
// The one way node/rpc (and its tests) include cpp-httplib. Debian's libcpp-httplib 0.11 is
// compiled with OpenSSL, zlib and Brotli support (see its cpp-httplib.pc), and those macros
// change the layout of httplib::Client and ClientImpl. Including <httplib.h> without them
// would compile silently and then corrupt memory at run time (an ODR violation), so every
// translation unit that uses httplib includes this header instead. Keep it out of public
// headers: server.hpp and client.hpp hide httplib behind an Impl.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#ifndef CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#endif
#ifndef CPPHTTPLIB_BROTLI_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#endif
#include <httplib.h>
