# Every external dependency in one place. scripts/install-deps installs the Debian packages.
find_package(OpenSSL 3.0 REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(Boost 1.81 REQUIRED)
# One Asio/Beast configuration for every translation unit that includes them. They are header-only templates: two
# translation units compiled with different settings instantiate the same function with different object layouts,
# and the linker keeps one of them (an ODR violation ASan found as a stack-buffer-overflow in HttpsServer::start when
# a test program mixed prose_net with Asio code compiled without these definitions). Every target whose sources
# include Asio or Beast links prose_asio; src/prose/util/asio_config.h refuses to compile without it.
add_library(prose_asio INTERFACE)
target_link_libraries(prose_asio INTERFACE Boost::headers)
target_compile_definitions(prose_asio INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
find_package(LibXml2 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)

# Intel ipsec-mb ships no CMake or pkg-config file.
find_path(IPSEC_MB_INCLUDE_DIR intel-ipsec-mb.h REQUIRED)
find_library(IPSEC_MB_LIBRARY IPSec_MB REQUIRED)
add_library(ipsec_mb::ipsec_mb UNKNOWN IMPORTED)
set_target_properties(ipsec_mb::ipsec_mb PROPERTIES
  IMPORTED_LOCATION "${IPSEC_MB_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${IPSEC_MB_INCLUDE_DIR}")

if(PROSE_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(PROSE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
