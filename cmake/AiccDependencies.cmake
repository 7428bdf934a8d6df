# Every third-party dependency is found here, once (Debian 12 packages; see
# scripts/deps.sh). Modules link the imported targets below.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# Boost 1.81 (Debian's libboost1.81-dev): Asio, Beast, URL. EXACT so a stray
# 1.74 install is never picked up.
find_package(Boost 1.81.0 EXACT REQUIRED COMPONENTS url CONFIG)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(SPEEXDSP REQUIRED IMPORTED_TARGET speexdsp)
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
pkg_check_modules(PROTOBUF REQUIRED IMPORTED_TARGET protobuf)
pkg_check_modules(SYSTEMD IMPORTED_TARGET libsystemd)
# kainjow mustache (Debian's libkainjow-mustache-dev): one header, no CMake
# package or pkg-config file, so find the header and wrap it in a target.
find_path(KAINJOW_MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp REQUIRED)
add_library(aicc_kainjow_mustache INTERFACE)
target_include_directories(aicc_kainjow_mustache SYSTEM INTERFACE ${KAINJOW_MUSTACHE_INCLUDE_DIR})
find_program(PROTOC protoc REQUIRED)
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

if(NOT AICC_FUZZ)
  find_package(GTest REQUIRED)
  find_package(benchmark REQUIRED)
endif()

add_library(aicc_boost INTERFACE)
target_link_libraries(aicc_boost INTERFACE Boost::headers Boost::url Threads::Threads)
target_compile_definitions(aicc_boost INTERFACE
  BOOST_ASIO_NO_DEPRECATED)
