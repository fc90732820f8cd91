# Runs at install time (packaging/CMakeLists.txt, install(CODE)), after every other install rule:
# writes the files that are derived from what was just installed, so nothing here lists programs.
#   SAMSA_HELP2MAN      help2man, or empty/NOTFOUND when it is not installed
#   SAMSA_VERSION       project version, printed in the man pages
#   SAMSA_MAN_INCLUDES  directory of optional <program>.h2m help2man include files
#   SAMSA_CHANGELOG     the Debian changelog source
#   SAMSA_WORK_DIR      scratch directory in the build tree
# CPack installs into a staging dir through DESTDIR; CMAKE_INSTALL_PREFIX is the final prefix.

set(_root "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
# Two cpack runs on one build dir (make deb, the package test) must not share scratch files.
string(RANDOM LENGTH 8 _run)
set(SAMSA_WORK_DIR "${SAMSA_WORK_DIR}/${_run}")
file(MAKE_DIRECTORY "${SAMSA_WORK_DIR}/man1")

# -n: no file name or time stamp in the gzip header, so the package is reproducible.
execute_process(COMMAND gzip -9nc "${SAMSA_CHANGELOG}"
                OUTPUT_FILE "${SAMSA_WORK_DIR}/changelog.gz" COMMAND_ERROR_IS_FATAL ANY)
file(INSTALL "${SAMSA_WORK_DIR}/changelog.gz" DESTINATION "${CMAKE_INSTALL_PREFIX}/share/doc/samsa")

file(GLOB _programs LIST_DIRECTORIES false "${_root}/bin/*")
if(_programs AND NOT SAMSA_HELP2MAN)
  message(FATAL_ERROR "help2man is needed for the man pages (scripts/install-deps.sh installs it)")
endif()
foreach(_program IN LISTS _programs)
  get_filename_component(_name "${_program}" NAME)
  # The first line of every Samsa program's --help is "<name>: <what it is>", which makes the NAME
  # section (whatis/apropos); help2man's default would be "manual page for <name>".
  execute_process(COMMAND "${_program}" --help OUTPUT_VARIABLE _help RESULT_VARIABLE _rc
                  ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${_name} --help failed (${_rc}): ${_err}")
  endif()
  string(REGEX MATCH "^${_name}: ([^\n]*)" _first "${_help}")
  if(_first)
    string(REGEX REPLACE "\\.$" "" _what "${CMAKE_MATCH_1}")
  else()
    set(_what "part of the Samsa message broker")
  endif()
  set(_args --no-info --no-discard-stderr "--version-string=${SAMSA_VERSION}" "--name=${_what}"
            --section=1 "--source=Samsa ${SAMSA_VERSION}" "--manual=Samsa")
  if(EXISTS "${SAMSA_MAN_INCLUDES}/${_name}.h2m")
    list(APPEND _args "--include=${SAMSA_MAN_INCLUDES}/${_name}.h2m")
  endif()
  # A program with subcommands (samsa-perf producer|consumer) has most of its options on their
  # own --help pages: each goes into a section of its own, verbatim.
  string(REGEX MATCH "\nSubcommands:\n(([ ]+[^\n]*\n?)+)" _subs "${_help}")
  if(_subs)
    set(_include "${SAMSA_WORK_DIR}/${_name}.subcommands.h2m")
    file(WRITE "${_include}" "")
    string(REGEX MATCHALL "\n  [a-z][a-z0-9-]*" _sub_names "\n${CMAKE_MATCH_1}")
    foreach(_sub IN LISTS _sub_names)
      string(STRIP "${_sub}" _sub)
      execute_process(COMMAND "${_program}" ${_sub} --help OUTPUT_VARIABLE _sub_help
                      RESULT_VARIABLE _rc ERROR_VARIABLE _err)
      if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "${_name} ${_sub} --help failed (${_rc}): ${_err}")
      endif()
      string(REPLACE "${_program}" "${_name}" _sub_help "${_sub_help}")
      # Verbatim roff: backslashes escaped, no line taken for a request, hyphens as minus signs.
      string(REPLACE "\\" "\\e" _sub_help "${_sub_help}")
      string(REPLACE "-" "\\-" _sub_help "${_sub_help}")
      string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" _sub_help "${_sub_help}")
      file(APPEND "${_include}" "[COMMAND ${_sub}]\n.nf\n${_sub_help}\n.fi\n\n")
    endforeach()
    list(APPEND _args "--include=${_include}")
  endif()
  set(_page "${SAMSA_WORK_DIR}/man1/${_name}.1")
  # help2man dates the page; SOURCE_DATE_EPOCH (set by `make deb` from the last commit) keeps
  # rebuilds identical.
  execute_process(COMMAND "${SAMSA_HELP2MAN}" ${_args} --output=${_page} "${_program}"
                  RESULT_VARIABLE _rc ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "help2man ${_name}: ${_err}")
  endif()
  execute_process(COMMAND gzip -9nf "${_page}" COMMAND_ERROR_IS_FATAL ANY)
  file(INSTALL "${_page}.gz" DESTINATION "${CMAKE_INSTALL_PREFIX}/share/man/man1")
endforeach()
file(REMOVE_RECURSE "${SAMSA_WORK_DIR}")
