# Protocol code generation and the samsa_protocol library. Included by protocol/CMakeLists.txt and
# by the standalone fuzz project (fuzz/CMakeLists.txt), so it must not depend on the top level.
#
# samsa_add_protocol_library() defines:
#   samsa_protocol          static library, PUBLIC includes: the repo root and the generated dir
#   samsa_protocol_testing  static library with the generated test-only fill() helpers
set(SAMSA_PROTOCOL_DIR ${CMAKE_CURRENT_LIST_DIR}/..)
get_filename_component(SAMSA_PROTOCOL_DIR ${SAMSA_PROTOCOL_DIR} ABSOLUTE)
get_filename_component(SAMSA_REPO_ROOT ${SAMSA_PROTOCOL_DIR}/.. ABSOLUTE)

function(samsa_add_protocol_library)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  set(spec_dir ${SAMSA_PROTOCOL_DIR}/specs)
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/protocol_gen)
  file(GLOB specs CONFIGURE_DEPENDS ${spec_dir}/*.spec)
  file(GLOB scripts CONFIGURE_DEPENDS ${SAMSA_PROTOCOL_DIR}/codegen/*.py)

  set(msg_headers "")
  set(msg_sources "")
  foreach(spec ${specs})
    get_filename_component(base ${spec} NAME_WE)
    list(APPEND msg_headers ${gen_dir}/protocol/messages/${base}.h)
    list(APPEND msg_sources ${gen_dir}/protocol/messages/${base}.cc)
  endforeach()
  set(fixed_sources ${gen_dir}/protocol/messages/api_registry.cc ${gen_dir}/protocol/error_codes.cc)
  set(fixed_headers ${gen_dir}/protocol/messages/api_registry.h
      ${gen_dir}/protocol/messages/all_messages.h ${gen_dir}/protocol/error_codes.h)
  set(fill_files ${gen_dir}/protocol/messages/test_fill.h ${gen_dir}/protocol/messages/test_fill.cc)

  add_custom_command(
    OUTPUT ${msg_headers} ${msg_sources} ${fixed_sources} ${fixed_headers} ${fill_files}
    COMMAND Python3::Interpreter ${SAMSA_PROTOCOL_DIR}/codegen/generate.py
            --specs ${spec_dir} --out ${gen_dir}
    DEPENDS ${specs} ${spec_dir}/error_codes.table ${scripts}
    COMMENT "Generating Kafka protocol codecs"
    VERBATIM)

  add_library(samsa_protocol STATIC
    ${SAMSA_PROTOCOL_DIR}/reader.cc
    ${SAMSA_PROTOCOL_DIR}/writer.cc
    ${SAMSA_PROTOCOL_DIR}/headers.cc
    ${msg_sources} ${fixed_sources} ${msg_headers} ${fixed_headers})
  target_include_directories(samsa_protocol PUBLIC ${SAMSA_REPO_ROOT} ${gen_dir})
  target_compile_features(samsa_protocol PUBLIC cxx_std_20)

  add_library(samsa_protocol_testing STATIC ${fill_files})
  target_link_libraries(samsa_protocol_testing PUBLIC samsa_protocol)
endfunction()
