aicc_bench(bench_pii SOURCES ${CMAKE_CURRENT_LIST_DIR}/pii_bench.cc LIBS aicc_pii)
