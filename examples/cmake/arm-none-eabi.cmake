# A toolchain file for bare-metal Cortex-M with Debian's gcc-arm-none-eabi; ECCLESS_CPU picks the core
# (cortex-m0, cortex-m4, ...). Soft-float ABI, so one library works with or without an FPU.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(ECCLESS_CPU "cortex-m4" CACHE STRING "the -mcpu of the target core")
set(CMAKE_C_FLAGS_INIT "-mcpu=${ECCLESS_CPU} -mthumb -mfloat-abi=soft -ffreestanding")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-mcpu=${ECCLESS_CPU} -mthumb -mfloat-abi=soft")
set(CMAKE_C_FLAGS_RELEASE_INIT "-O2")
