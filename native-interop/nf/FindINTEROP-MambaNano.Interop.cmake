#
# nf-interpreter module for the MambaNano.Interop interop assembly (the layout of the metadata
# processor's generated FindINTEROP-<assembly>.cmake, pointed at this repository instead of
# nf-interpreter/InteropAssemblies/).
#
# nf-interpreter's top CMakeLists.txt sets CMAKE_MODULE_PATH to its own CMake/Modules, so this file
# has to be there: copy it, or better symlink it (then it finds this repository by itself):
#
#   ln -s /path/to/repo/native-interop/nf/FindINTEROP-MambaNano.Interop.cmake \
#         /path/to/nf-interpreter/CMake/Modules/
#   cmake --preset ESP32_S3 -DNF_INTEROP_ASSEMBLIES="MambaNano.Interop" ...
#
# With a copy, say where native-interop/ is: -DMAMBANANO_NATIVE_DIR=/path/to/repo/native-interop
# (or the environment variable of that name).
#
# Adds to the firmware: the interop glue in nf/ (*.cpp), the portable C of the engine in src/
# (*.c but the host-only mnf_* float reference) and include/. No MN_ENGINE_* defines: the sizes
# keep mn_engine.h's defaults, sized to the app on the ESP32 (ESP_PLATFORM: models read in place,
# no arenas); set them in the target's build options for bigger models or copied ones.
#

set(MAMBANANO_NATIVE_DIR "" CACHE PATH "native-interop/ folder of the MambaNano repository")
if(NOT MAMBANANO_NATIVE_DIR AND DEFINED ENV{MAMBANANO_NATIVE_DIR})
    set(MAMBANANO_NATIVE_DIR "$ENV{MAMBANANO_NATIVE_DIR}")
endif()
if(NOT MAMBANANO_NATIVE_DIR)
    # this file where it really lives (through a symlink): native-interop/nf/
    get_filename_component(_mn_module_file "${CMAKE_CURRENT_LIST_FILE}" REALPATH)
    get_filename_component(_mn_module_dir "${_mn_module_file}" DIRECTORY)
    if(EXISTS "${_mn_module_dir}/../include/mn_engine.h")
        get_filename_component(MAMBANANO_NATIVE_DIR "${_mn_module_dir}/.." ABSOLUTE)
    endif()
endif()
if(NOT EXISTS "${MAMBANANO_NATIVE_DIR}/include/mn_engine.h" OR
   NOT EXISTS "${MAMBANANO_NATIVE_DIR}/nf/MambaNano_Interop.cpp")
    message(FATAL_ERROR
        "MambaNano.Interop: native-interop/ not found (MAMBANANO_NATIVE_DIR='${MAMBANANO_NATIVE_DIR}'). "
        "Symlink ${CMAKE_CURRENT_LIST_FILE} from the repository's native-interop/nf/ or pass "
        "-DMAMBANANO_NATIVE_DIR=/path/to/repo/native-interop.")
endif()

# native code directory
set(BASE_PATH_FOR_THIS_MODULE "${MAMBANANO_NATIVE_DIR}/nf")

# set include directories
list(APPEND MambaNano.Interop_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/CLR/Core)
list(APPEND MambaNano.Interop_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/CLR/CorLib)
list(APPEND MambaNano.Interop_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/nanoFramework.ResourceManager)
list(APPEND MambaNano.Interop_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/CLR/Include)
list(APPEND MambaNano.Interop_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/HAL/Include)
list(APPEND MambaNano.Interop_INCLUDE_DIRS ${PROJECT_SOURCE_DIR}/src/PAL/Include)
list(APPEND MambaNano.Interop_INCLUDE_DIRS ${BASE_PATH_FOR_THIS_MODULE})
list(APPEND MambaNano.Interop_INCLUDE_DIRS ${MAMBANANO_NATIVE_DIR}/include)

# source files: the assembly table first (nf-interpreter reads its version and checksum from it
# for native_assemblies.csv), then the marshalling and the implementation
set(MambaNano.Interop_SRCS

    MambaNano_Interop.cpp

    MambaNano_Interop_MambaNano_Interop_NativeEngine_mshl.cpp
    MambaNano_Interop_MambaNano_Interop_NativeEngine.cpp
    MambaNano_Interop_MambaNano_Interop_NativeResources.cpp
)

set(MambaNano.Interop_SOURCES "")
foreach(SRC_FILE ${MambaNano.Interop_SRCS})
    if(NOT EXISTS "${BASE_PATH_FOR_THIS_MODULE}/${SRC_FILE}")
        message(FATAL_ERROR "MambaNano.Interop: ${BASE_PATH_FOR_THIS_MODULE}/${SRC_FILE} is missing")
    endif()
    if(BUILD_VERBOSE)
        message("${SRC_FILE} >> ${BASE_PATH_FOR_THIS_MODULE}/${SRC_FILE}")
    endif()
    list(APPEND MambaNano.Interop_SOURCES "${BASE_PATH_FOR_THIS_MODULE}/${SRC_FILE}")
endforeach()

# the engine's portable C (kernel, loader, front-ends, mn_engine.c); mnf_* is host-only
file(GLOB _mn_c_sources CONFIGURE_DEPENDS "${MAMBANANO_NATIVE_DIR}/src/*.c")
list(FILTER _mn_c_sources EXCLUDE REGEX "/mnf_[^/]*\\.c$")
list(SORT _mn_c_sources)
list(APPEND MambaNano.Interop_SOURCES ${_mn_c_sources})

include(FindPackageHandleStandardArgs)

FIND_PACKAGE_HANDLE_STANDARD_ARGS(MambaNano.Interop
    REQUIRED_VARS MambaNano.Interop_INCLUDE_DIRS MambaNano.Interop_SOURCES
    NAME_MISMATCHED)
