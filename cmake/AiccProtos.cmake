# Google Cloud Speech-to-Text V2 protos, compiled at build time.
#
# The .proto files come from the npm packages installed by `make deps`
# (scripts/deps.sh) under third_party/npm/node_modules:
#   @google-cloud/speech  build/protos/google/cloud/speech/v2/*.proto
#   google-gax            build/protos/google/{api,rpc,longrunning}/*.proto
# and the well-known types (google/protobuf/*.proto) from Debian's
# libprotobuf-dev in /usr/include, so they match the linked libprotobuf.
#
# Only cloud_speech.proto and what it imports (transitively) are compiled,
# plus locations_metadata.proto. They are copied into one staging tree in
# the build directory first: google-gax also ships its own copies of
# google/protobuf/*.proto (newer than protoc 3.21), which must never shadow
# Debian's. Generated code is never committed.
#
# Result: static library `aicc_speech_proto`; include its headers as
#   #include "google/cloud/speech/v2/cloud_speech.grpc.pb.h"
# Warnings are off for generated code (no aicc_build_flags, -w).

if(TARGET aicc_speech_proto)
  return()
endif()

set(AICC_NPM_DIR ${PROJECT_SOURCE_DIR}/third_party/npm/node_modules
    CACHE PATH "node_modules with @google-cloud/speech and google-gax (make deps)")
set(_speech_root ${AICC_NPM_DIR}/@google-cloud/speech/build/protos)
set(_gax_root ${AICC_NPM_DIR}/google-gax/build/protos)

if(NOT EXISTS ${_speech_root}/google/cloud/speech/v2/cloud_speech.proto
   OR NOT EXISTS ${_gax_root}/google/api/annotations.proto)
  message(FATAL_ERROR
    "Google Speech V2 protos not found under ${AICC_NPM_DIR} "
    "(@google-cloud/speech and google-gax): run make deps")
endif()

# Well-known types: Debian's, next to protoc.
find_path(AICC_PROTOBUF_WKT_DIR google/protobuf/duration.proto
  HINTS /usr/include /usr/local/include
  DOC "directory holding google/protobuf/*.proto of the installed protobuf")
if(NOT AICC_PROTOBUF_WKT_DIR)
  message(FATAL_ERROR "google/protobuf/duration.proto not found (libprotobuf-dev): run make deps")
endif()

# Relative path → package root it comes from.
set(_speech_protos
  google/cloud/speech/v2/cloud_speech.proto
  google/cloud/speech/v2/locations_metadata.proto)
set(_gax_protos
  google/api/annotations.proto
  google/api/http.proto
  google/api/client.proto
  google/api/launch_stage.proto
  google/api/field_behavior.proto
  google/api/field_info.proto
  google/api/resource.proto
  google/longrunning/operations.proto
  google/rpc/status.proto)
# Only cloud_speech.proto declares services.
set(_grpc_protos google/cloud/speech/v2/cloud_speech.proto
                 google/longrunning/operations.proto)

set(_stage ${CMAKE_BINARY_DIR}/speech_proto/src)
set(_gen ${CMAKE_BINARY_DIR}/speech_proto/gen)
file(MAKE_DIRECTORY ${_gen})

set(_staged "")
foreach(rel ${_speech_protos})
  configure_file(${_speech_root}/${rel} ${_stage}/${rel} COPYONLY)
  list(APPEND _staged ${rel})
endforeach()
foreach(rel ${_gax_protos})
  if(NOT EXISTS ${_gax_root}/${rel})
    message(FATAL_ERROR "${_gax_root}/${rel} missing (google-gax too old?): run make deps")
  endif()
  configure_file(${_gax_root}/${rel} ${_stage}/${rel} COPYONLY)
  list(APPEND _staged ${rel})
endforeach()

set(_all_staged_files "")
foreach(rel ${_staged})
  list(APPEND _all_staged_files ${_stage}/${rel})
endforeach()

set(_sources "")
set(_headers "")
foreach(rel ${_staged})
  string(REGEX REPLACE "\\.proto$" "" base ${rel})
  set(outs ${_gen}/${base}.pb.cc ${_gen}/${base}.pb.h)
  set(args --cpp_out=${_gen})
  list(FIND _grpc_protos ${rel} is_grpc)
  if(NOT is_grpc EQUAL -1)
    list(APPEND outs ${_gen}/${base}.grpc.pb.cc ${_gen}/${base}.grpc.pb.h)
    list(APPEND args --grpc_out=${_gen} --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN})
  endif()
  add_custom_command(
    OUTPUT ${outs}
    COMMAND ${PROTOC} -I${_stage} -I${AICC_PROTOBUF_WKT_DIR} ${args} ${rel}
    WORKING_DIRECTORY ${_stage}
    DEPENDS ${_all_staged_files} ${PROTOC} ${GRPC_CPP_PLUGIN}
    COMMENT "protoc ${rel}"
    VERBATIM)
  foreach(o ${outs})
    if(o MATCHES "\\.cc$")
      list(APPEND _sources ${o})
    else()
      list(APPEND _headers ${o})
    endif()
  endforeach()
endforeach()

add_library(aicc_speech_proto STATIC ${_sources} ${_headers})
target_include_directories(aicc_speech_proto SYSTEM PUBLIC ${_gen})
target_compile_options(aicc_speech_proto PRIVATE -w)
target_link_libraries(aicc_speech_proto PUBLIC PkgConfig::GRPCPP PkgConfig::PROTOBUF)
if(AICC_SANITIZE)
  # Same instrumentation as the rest, without the warning flags.
  target_compile_options(aicc_speech_proto PRIVATE -fsanitize=${AICC_SANITIZE}
                         -fno-omit-frame-pointer)
  target_link_options(aicc_speech_proto PUBLIC -fsanitize=${AICC_SANITIZE})
endif()
