aicc_bench(bench_media SOURCES ${CMAKE_CURRENT_LIST_DIR}/media_bench.cc LIBS aicc_rtp aicc_audio)
aicc_bench(bench_vad SOURCES ${CMAKE_CURRENT_LIST_DIR}/vad_bench.cc LIBS aicc_vad)
aicc_bench(bench_turn SOURCES ${CMAKE_CURRENT_LIST_DIR}/turn_bench.cc LIBS aicc_turn)
aicc_bench(bench_sink SOURCES ${CMAKE_CURRENT_LIST_DIR}/sink_bench.cc LIBS aicc_sink_journal)
# A standalone load program (not Google Benchmark): real sockets and servers.
add_executable(bench_delivery_load ${CMAKE_CURRENT_LIST_DIR}/delivery_load.cc)
target_link_libraries(bench_delivery_load PRIVATE aicc_sink aicc_build_flags)
target_include_directories(bench_delivery_load PRIVATE ${PROJECT_SOURCE_DIR}/src)
