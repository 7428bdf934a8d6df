# The load benchmark's backend (bench/load/capacity.sh): a WebSocket server
# that stamps each event's receipt.
add_executable(bench_load_backend ${CMAKE_CURRENT_LIST_DIR}/load/backend.cc)
target_link_libraries(bench_load_backend PRIVATE aicc_boost nlohmann_json::nlohmann_json aicc_build_flags)
