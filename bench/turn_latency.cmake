# End of speech → turn_complete through the real daemon, early decisions on
# and off (issue 17): a standalone program, not Google Benchmark.
add_executable(bench_turn_latency ${CMAKE_CURRENT_LIST_DIR}/turn_latency.cc)
target_link_libraries(bench_turn_latency PRIVATE aicc_sink aicc_rtp aicc_audio aicc_fake_speech
  nlohmann_json::nlohmann_json aicc_build_flags)
target_include_directories(bench_turn_latency PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
target_compile_definitions(bench_turn_latency PRIVATE AICC_BINARY_DIR="${PROJECT_BINARY_DIR}")
add_dependencies(bench_turn_latency aicc)
