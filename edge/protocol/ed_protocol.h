/*
 * ed_protocol.h: the serial protocol between eccless and its firmware.
 * GENERATED from host/eccless/protocol/__init__.py by eccless.firmware.codegen -- do not edit. Change the
 * Python table, then run `python -m eccless.firmware.codegen --write`; a test fails while this is stale.
 * Fields are little-endian at the byte offsets below (no padding); read them with ed_bytes.h.
 */
#ifndef ED_PROTOCOL_H
#define ED_PROTOCOL_H

#define ED_PROTOCOL_VERSION 6u
#define ED_FIRMWARE_VERSION ((0u << 16) | (4u << 8) | 0u)
#define ED_MAX_PAYLOAD 4096u
#define ED_FRAME_HEADER 2u /* code, seq */
#define ED_FRAME_CRC 2u /* CRC-16/CCITT-FALSE, little-endian */
#define ED_MAX_FRAME 4100u /* decoded: header + payload + CRC */
#define ED_MAX_ENCODED 4117u /* COBS worst case, without delimiters */
#define ED_RESPONSE_FLAG 0x80u
#define ED_SEQ_NONE 0xFFu
#define ED_CRC16_POLY 0x1021u
#define ED_CRC16_INIT 0xFFFFu
#define ED_FAULT_MARKER "ED FAULT"
#define ED_NO_INDEX 0xFFFFFFFFu

#define ED_INFO_FLAG_DEBUG (1u << 0)
#define ED_INFO_FLAG_ICOUNT (1u << 1)
#define ED_INFO_FLAG_CYCLES (1u << 2)
#define ED_FAULT_KIND_BAD_READ 0u
#define ED_FAULT_KIND_UNDEFINED 1u
#define ED_FAULT_KIND_DIVIDE 2u
#define ED_FAULT_KIND_STACK_OVERFLOW 3u
#define ED_LOAD_FLAG_ON_THE_FLY (1u << 0)
#define ED_LOAD_FLAG_NO_LUT (1u << 1)
#define ED_LOAD_FLAG_WEIGHTS_FLASH (1u << 2)
#define ED_LOAD_FLAG_WEIGHTS_AUTO (1u << 3)
#define ED_INJECT_REGION_CLEAR 0u
#define ED_INJECT_REGION_WEIGHTS 1u
#define ED_INJECT_REGION_PROTECTED 2u
#define ED_INJECT_MODEL_IID 0u
#define ED_INJECT_MODEL_BURST 1u
#define ED_INJECT_MODEL_STUCK 2u
#define ED_EVAL_REPORT_PER_CLASS 0u
#define ED_EVAL_REPORT_PREDICTIONS 1u
#define ED_BENCH_KIND_LOAD 0u
#define ED_BENCH_KIND_DECODE 1u
#define ED_BENCH_KIND_INFER 2u
#define ED_BENCH_KIND_LAYER 3u
#define ED_BENCH_KIND_KERNEL 4u
#define ED_EVAL_MAX_PREDICTIONS 2000u
#define ED_BENCH_MAX_ITERATIONS 1000u

/* ERR_IMAGE details: (record index << 8) | ED_LOAD_ERR_* reason (ed_image_format.h) */

typedef enum {
    ED_STATUS_OK = 0, /* ok */
    ED_STATUS_ERR_CRC = 1, /* bad CRC in a frame the device received */
    ED_STATUS_ERR_FRAME = 2, /* malformed frame */
    ED_STATUS_ERR_OVERSIZE = 3, /* frame too long */
    ED_STATUS_ERR_UNKNOWN_CMD = 4, /* unknown command id */
    ED_STATUS_ERR_LENGTH = 5, /* request payload of bytes does not fit the command's layout */
    ED_STATUS_ERR_NOT_IMPLEMENTED = 6, /* command not implemented yet in this firmware */
    ED_STATUS_ERR_DISABLED = 7, /* debug command not built in */
    ED_STATUS_ERR_ARG = 8, /* request field out of range */
    ED_STATUS_ERR_NO_IMAGE = 9, /* no valid model image loaded */
    ED_STATUS_ERR_IMAGE = 10, /* model image rejected */
    ED_STATUS_ERR_INTERNAL = 11, /* internal firmware error */
    ED_STATUS_ERR_UNSUPPORTED = 12, /* image not supported by this firmware */
    ED_STATUS_ERR_ARENA = 13, /* model does not fit the arena: needs at least bytes */
} ed_status_t;
#define ED_STATUS_COUNT 14u

typedef enum {
    ED_CMD_PING = 0x01,
    ED_CMD_ECHO = 0x02,
    ED_CMD_INFO = 0x03,
    ED_CMD_LOAD = 0x10,
    ED_CMD_INJECT = 0x11,
    ED_CMD_EVAL = 0x12,
    ED_CMD_INFER = 0x13,
    ED_CMD_BENCH = 0x14,
    ED_CMD_DIGEST = 0x15,
    ED_CMD_CLASSIFY = 0x16,
    ED_CMD_RESET = 0x7C, /* debug builds only */
    ED_CMD_SPIN = 0x7D, /* debug builds only */
    ED_CMD_FAULT = 0x7E, /* debug builds only */
} ed_cmd_t;

/* Payload of every non-OK response */
#define ED_ERROR_CMD 0u /* uint8_t: command id of the rejected request, 0 if unknown */
#define ED_ERROR_DETAIL 1u /* uint32_t: status-specific number, see the status messages */
#define ED_ERROR_SIZE 5u
#define ED_ERROR_TAIL 0u

/* PING (0x01): Liveness check; empty request and response. */
#define ED_PING_REQ_SIZE 0u
#define ED_PING_REQ_TAIL 0u
#define ED_PING_RSP_SIZE 0u
#define ED_PING_RSP_TAIL 0u

/* ECHO (0x02): Returns the request bytes unchanged (link test). */
#define ED_ECHO_REQ_SIZE 0u /* then req tail of uint8_t data */
#define ED_ECHO_REQ_TAIL 1u
#define ED_ECHO_RSP_SIZE 0u /* then rsp tail of uint8_t data */
#define ED_ECHO_RSP_TAIL 1u

/* INFO (0x03): Firmware version, board, memory map and image summary. */
#define ED_INFO_REQ_SIZE 0u
#define ED_INFO_REQ_TAIL 0u
#define ED_INFO_RSP_PROTOCOL 0u /* uint16_t: protocol VERSION the firmware was generated from */
#define ED_INFO_RSP_MAX_PAYLOAD 2u /* uint16_t: MAX_PAYLOAD of the firmware */
#define ED_INFO_RSP_FIRMWARE 4u /* uint32_t: firmware version, major << 16 | minor << 8 | patch */
#define ED_INFO_RSP_BUILD_ID 8u /* uint32_t: hash of the sources and flags the firmware was built from */
#define ED_INFO_RSP_FLAGS 12u /* uint32_t: bit 0: debug commands built in; bit 1: instruction counts available; bit 2: ticks are CPU cycles (a running DWT cycle counter) */
#define ED_INFO_RSP_TIMER_HZ 16u /* uint32_t: TIMER0 rate in Hz */
#define ED_INFO_RSP_CODE_BASE 20u /* uint32_t */
#define ED_INFO_RSP_CODE_SIZE 24u /* uint32_t */
#define ED_INFO_RSP_IMAGE_BASE 28u /* uint32_t: where the model image is expected */
#define ED_INFO_RSP_IMAGE_SIZE 32u /* uint32_t */
#define ED_INFO_RSP_RAM_BASE 36u /* uint32_t */
#define ED_INFO_RSP_RAM_SIZE 40u /* uint32_t */
#define ED_INFO_RSP_ARENA_BASE 44u /* uint32_t: free RAM after the firmware's own data (for the model loader) */
#define ED_INFO_RSP_ARENA_SIZE 48u /* uint32_t */
#define ED_INFO_RSP_IMAGE_HEAD 52u /* uint32_t: first 32-bit word of the image region (its magic when one is loaded) */
#define ED_INFO_RSP_IMAGE_BYTES 56u /* uint32_t: image length in the first superblock copy; 0 when the region holds no image */
#define ED_INFO_RSP_IMAGE_CRC 60u /* uint32_t: zlib CRC-32 of those bytes as they read now (flash errors included): the host skips re-flashing an image whose file has the same length and CRC */
#define ED_INFO_RSP_BOOT_COUNT 64u /* uint32_t: boots since the RAM last lost power (a .noinit word with a magic; counts warm resets: reset button, watchdog, a fault on a board without semihosting) */
#define ED_INFO_RSP_UPTIME 68u /* uint64_t: timer ticks since this boot (TIMER0 rate): a reset makes it go backwards */
#define ED_INFO_RSP_SIZE 76u /* then rsp tail of char board: board name */
#define ED_INFO_RSP_TAIL 1u

/* LOAD (0x10): Read the image in flash (with the armed INJECT flips), repair the protected region, parse, decode and detect every parameter; returns detection counts per layer. */
#define ED_LOAD_REQ_FLAGS 0u /* uint32_t: LOAD_FLAGS bits: 0 decode on the fly (per inference), 1 no lookup tables, 2 weights stay in flash, 3 in RAM if they fit, else in flash */
#define ED_LOAD_REQ_SIZE 4u
#define ED_LOAD_REQ_TAIL 0u
#define ED_LOAD_RSP_IMAGE_BYTES 0u /* uint32_t: image length from the superblock */
#define ED_LOAD_RSP_PARAMS 4u /* uint32_t: parameters decoded */
#define ED_LOAD_RSP_ZEROED_PARITY 8u /* uint32_t: parameters zeroed because their parity failed */
#define ED_LOAD_RSP_ZEROED_RANGE 12u /* uint32_t: parameters zeroed by the range check */
#define ED_LOAD_RSP_ECC_CORRECTED 16u /* uint32_t: bit errors the BCH code repaired in the protected region */
#define ED_LOAD_RSP_FLIPS_WEIGHTS 20u /* uint32_t: bits INJECT flipped in the weight region */
#define ED_LOAD_RSP_FLIPS_PROTECTED 24u /* uint32_t: bits INJECT flipped in the superblock and protected blob */
#define ED_LOAD_RSP_ARENA_USED 28u /* uint32_t: bytes of the arena the model occupies */
#define ED_LOAD_RSP_SAMPLES 32u /* uint32_t: test samples stored in the image */
#define ED_LOAD_RSP_CLASSES 36u /* uint32_t: outputs of the model */
#define ED_LOAD_RSP_TICKS 40u /* uint64_t: timer ticks spent (CPU cycles when INFO flags bit 2 is set) */
#define ED_LOAD_RSP_INSTRUCTIONS 48u /* uint64_t: instructions (QEMU icount); 0 when the board cannot count them */
#define ED_LOAD_RSP_DECODE_TICKS 56u /* uint64_t: TIMER0 ticks of decode + detect and weight packing */
#define ED_LOAD_RSP_DECODE_INSTRUCTIONS 64u /* uint64_t: instructions of decode + detect and weight packing */
#define ED_LOAD_RSP_WEIGHTS_FLASH 72u /* uint32_t: 1 when the weights stay in flash (run from flash), 0 in RAM */
#define ED_LOAD_RSP_FIXES 76u /* uint32_t: run from flash: corrections kept for the layers read in place */
#define ED_LOAD_RSP_RESIDENT_LAYERS 80u /* uint32_t: weights 'auto' run from flash: layers whose weights were decoded into RAM after all (the most MACs per weight first) */
#define ED_LOAD_RSP_ECC_FAILED 84u /* uint32_t: ECC-coded weight region: blocks detected uncorrectable */
#define ED_LOAD_RSP_ZEROED_ECC 88u /* uint32_t: ECC `zero` policy: parameters zeroed for overlapping a failed block */
#define ED_LOAD_RSP_ARENA_ACTIVATIONS 92u /* uint32_t: of arena_used: the two ping-pong activation buffers */
#define ED_LOAD_RSP_ARENA_TILES 96u /* uint32_t: of arena_used: weight decode buffers (from flash the tiles, in RAM one layer's staging) */
#define ED_LOAD_RSP_ARENA_SCRATCH 100u /* uint32_t: of arena_used: the kernels' scratch (widened inputs, conv images) */
#define ED_LOAD_RSP_SIZE 104u /* then rsp tail of {uint32_t, uint32_t} layers: per weighted op: (zeroed by parity, zeroed by range) */
#define ED_LOAD_RSP_TAIL 8u

/* INJECT (0x11): Arm the storage channel (docs/CHANNEL.md) for one region: every later LOAD reads that region with these flips applied; flash is never written. Region 0 disarms every region. */
#define ED_INJECT_REQ_SEED 0u /* uint64_t */
#define ED_INJECT_REQ_STREAM 8u /* uint32_t: channel stream (eccless corrupt: weights 0, protected 1) */
#define ED_INJECT_REQ_K_Q32 12u /* uint64_t */
#define ED_INJECT_REQ_KEEP_1TO0 20u /* uint64_t */
#define ED_INJECT_REQ_KEEP_0TO1 28u /* uint64_t */
#define ED_INJECT_REQ_REGION 36u /* uint8_t: INJECT_REGIONS: 0 clear all, 1 weights, 2 protected */
#define ED_INJECT_REQ_MODEL 37u /* uint8_t: INJECT_MODELS: 0 i.i.d. (bsc, asym), 1 burst, 2 stuck-at */
#define ED_INJECT_REQ_LENGTH 38u /* uint32_t: burst: bits per run, 1 .. 65536 (0 for the other models) */
#define ED_INJECT_REQ_SIZE 42u
#define ED_INJECT_REQ_TAIL 0u
#define ED_INJECT_RSP_ARMED 0u /* uint8_t: bit mask of the armed regions (1 weights, 2 protected) */
#define ED_INJECT_RSP_SIZE 1u
#define ED_INJECT_RSP_TAIL 0u

/* EVAL (0x12): Classify stored test samples [first, first + count) with the loaded model. */
#define ED_EVAL_REQ_FIRST 0u /* uint32_t */
#define ED_EVAL_REQ_COUNT 4u /* uint32_t */
#define ED_EVAL_REQ_REPORT 8u /* uint8_t: EVAL_REPORTS: 0 per-class counts, 1 per-sample predictions */
#define ED_EVAL_REQ_SIZE 9u
#define ED_EVAL_REQ_TAIL 0u
#define ED_EVAL_RSP_CORRECT 0u /* uint32_t */
#define ED_EVAL_RSP_COUNT 4u /* uint32_t */
#define ED_EVAL_RSP_TICKS 8u /* uint64_t: timer ticks spent (CPU cycles when INFO flags bit 2 is set) */
#define ED_EVAL_RSP_INSTRUCTIONS 16u /* uint64_t: instructions (QEMU icount); 0 when the board cannot count them */
#define ED_EVAL_RSP_SIZE 24u /* then rsp tail of uint8_t data: report 0: per class (correct u32, predicted u32); report 1: per sample the predicted class, u16 */
#define ED_EVAL_RSP_TAIL 1u

/* INFER (0x13): Classify one sample: a stored one by index, or the input bytes in the request. */
#define ED_INFER_REQ_INDEX 0u /* uint32_t: stored sample index, or NO_INDEX to use the tail */
#define ED_INFER_REQ_SIZE 4u /* then req tail of uint8_t input: quantized input tensor bytes */
#define ED_INFER_REQ_TAIL 1u
#define ED_INFER_RSP_LABEL 0u /* uint16_t: predicted class */
#define ED_INFER_RSP_DTYPE 2u /* uint8_t: 0 int8, 1 int32, 2 float32 */
#define ED_INFER_RSP_TICKS 3u /* uint64_t: timer ticks spent (CPU cycles when INFO flags bit 2 is set) */
#define ED_INFER_RSP_INSTRUCTIONS 11u /* uint64_t: instructions (QEMU icount); 0 when the board cannot count them */
#define ED_INFER_RSP_SIZE 19u /* then rsp tail of uint8_t output: output tensor bytes, little-endian */
#define ED_INFER_RSP_TAIL 1u

/* BENCH (0x14): Time a firmware routine (BENCH_KINDS) for a number of iterations. */
#define ED_BENCH_REQ_KIND 0u /* uint8_t: BENCH_KINDS: 0 load, 1 decode + detect (no packing), 2 inference, 3 one layer, 4 one dense op's kernel call alone */
#define ED_BENCH_REQ_ITERATIONS 1u /* uint32_t */
#define ED_BENCH_REQ_ARG 5u /* uint32_t: load: LOAD flags; inference: stored sample; layer, kernel: op index */
#define ED_BENCH_REQ_SIZE 9u
#define ED_BENCH_REQ_TAIL 0u
#define ED_BENCH_RSP_ITERATIONS 0u /* uint32_t */
#define ED_BENCH_RSP_TICKS 4u /* uint64_t: timer ticks spent (CPU cycles when INFO flags bit 2 is set) */
#define ED_BENCH_RSP_INSTRUCTIONS 12u /* uint64_t: instructions (QEMU icount); 0 when the board cannot count them */
#define ED_BENCH_RSP_SIZE 20u
#define ED_BENCH_RSP_TAIL 0u

/* DIGEST (0x15): Decode and detect one weighted op's tensors again, as the last LOAD did (its INJECT flips included), and return CRC-32s of the values: host and device decode checked bit for bit. */
#define ED_DIGEST_REQ_OP 0u /* uint32_t: index among the weighted ops */
#define ED_DIGEST_REQ_SIZE 4u
#define ED_DIGEST_REQ_TAIL 0u
#define ED_DIGEST_RSP_WEIGHTS 0u /* uint32_t: values of the weights */
#define ED_DIGEST_RSP_WEIGHTS_CRC 4u /* uint32_t: zlib CRC-32 of the decoded weights, int8, in stored order */
#define ED_DIGEST_RSP_BIASES 8u /* uint32_t: values of the biases */
#define ED_DIGEST_RSP_BIASES_CRC 12u /* uint32_t: zlib CRC-32 of the decoded biases, int32 little-endian */
#define ED_DIGEST_RSP_ZEROED_PARITY 16u /* uint32_t: of these values, zeroed because their parity failed */
#define ED_DIGEST_RSP_ZEROED_RANGE 20u /* uint32_t: of these values, zeroed by the range check */
#define ED_DIGEST_RSP_SIZE 24u
#define ED_DIGEST_RSP_TAIL 0u

/* CLASSIFY (0x16): Classify samples sent in the request -- a test set the board's flash cannot hold, streamed in batches: only the model's bits are exposed to errors, the inputs cross a CRC-checked link. */
#define ED_CLASSIFY_REQ_COUNT 0u /* uint16_t: samples in the tail, back to back, the model's input size each */
#define ED_CLASSIFY_REQ_SIZE 2u /* then req tail of uint8_t inputs: quantized input tensors */
#define ED_CLASSIFY_REQ_TAIL 1u
#define ED_CLASSIFY_RSP_COUNT 0u /* uint16_t */
#define ED_CLASSIFY_RSP_TICKS 2u /* uint64_t: timer ticks spent (CPU cycles when INFO flags bit 2 is set) */
#define ED_CLASSIFY_RSP_INSTRUCTIONS 10u /* uint64_t: instructions (QEMU icount); 0 when the board cannot count them */
#define ED_CLASSIFY_RSP_SIZE 18u /* then rsp tail of uint16_t predictions: per sample the predicted class */
#define ED_CLASSIFY_RSP_TAIL 2u

/* RESET (0x7C): Debug builds only: reset the CPU at once (AIRCR.SYSRESETREQ, a warm reset that keeps RAM) without a reply, so tests can prove that the host notices a reset (INFO boot_count, uptime). */
#define ED_RESET_REQ_SIZE 0u
#define ED_RESET_REQ_TAIL 0u
#define ED_RESET_RSP_SIZE 0u
#define ED_RESET_RSP_TAIL 0u

/* SPIN (0x7D): Debug builds only: run a fixed busy loop of `iterations` steps and time it (checks the timer and the determinism of instruction counts). */
#define ED_SPIN_REQ_ITERATIONS 0u /* uint32_t */
#define ED_SPIN_REQ_SIZE 4u
#define ED_SPIN_REQ_TAIL 0u
#define ED_SPIN_RSP_TICKS 0u /* uint64_t: timer ticks spent (CPU cycles when INFO flags bit 2 is set) */
#define ED_SPIN_RSP_INSTRUCTIONS 8u /* uint64_t: instructions (QEMU icount); 0 when the board cannot count them */
#define ED_SPIN_RSP_SIZE 16u
#define ED_SPIN_RSP_TAIL 0u

/* FAULT (0x7E): Debug builds only: trigger a CPU fault (kind 0 read of the no-access stack guard, 1 undefined instruction, 2 divide by zero, 3 stack overflow) to test the fault path. */
#define ED_FAULT_REQ_KIND 0u /* uint8_t */
#define ED_FAULT_REQ_SIZE 1u
#define ED_FAULT_REQ_TAIL 0u
#define ED_FAULT_RSP_SIZE 0u
#define ED_FAULT_RSP_TAIL 0u

/* The dispatch table: X(id, handler, request size, request tail, response size, response tail).
 * Commands not implemented yet point at ed_cmd_not_implemented (protocol.py: implemented=False). */
#define ED_COMMAND_TABLE(X) \
    X(ED_CMD_PING, ed_cmd_ping, ED_PING_REQ_SIZE, ED_PING_REQ_TAIL, ED_PING_RSP_SIZE, ED_PING_RSP_TAIL) \
    X(ED_CMD_ECHO, ed_cmd_echo, ED_ECHO_REQ_SIZE, ED_ECHO_REQ_TAIL, ED_ECHO_RSP_SIZE, ED_ECHO_RSP_TAIL) \
    X(ED_CMD_INFO, ed_cmd_info, ED_INFO_REQ_SIZE, ED_INFO_REQ_TAIL, ED_INFO_RSP_SIZE, ED_INFO_RSP_TAIL) \
    X(ED_CMD_LOAD, ed_cmd_load, ED_LOAD_REQ_SIZE, ED_LOAD_REQ_TAIL, ED_LOAD_RSP_SIZE, ED_LOAD_RSP_TAIL) \
    X(ED_CMD_INJECT, ed_cmd_inject, ED_INJECT_REQ_SIZE, ED_INJECT_REQ_TAIL, ED_INJECT_RSP_SIZE, ED_INJECT_RSP_TAIL) \
    X(ED_CMD_EVAL, ed_cmd_eval, ED_EVAL_REQ_SIZE, ED_EVAL_REQ_TAIL, ED_EVAL_RSP_SIZE, ED_EVAL_RSP_TAIL) \
    X(ED_CMD_INFER, ed_cmd_infer, ED_INFER_REQ_SIZE, ED_INFER_REQ_TAIL, ED_INFER_RSP_SIZE, ED_INFER_RSP_TAIL) \
    X(ED_CMD_BENCH, ed_cmd_bench, ED_BENCH_REQ_SIZE, ED_BENCH_REQ_TAIL, ED_BENCH_RSP_SIZE, ED_BENCH_RSP_TAIL) \
    X(ED_CMD_DIGEST, ed_cmd_digest, ED_DIGEST_REQ_SIZE, ED_DIGEST_REQ_TAIL, ED_DIGEST_RSP_SIZE, ED_DIGEST_RSP_TAIL) \
    X(ED_CMD_CLASSIFY, ed_cmd_classify, ED_CLASSIFY_REQ_SIZE, ED_CLASSIFY_REQ_TAIL, ED_CLASSIFY_RSP_SIZE, ED_CLASSIFY_RSP_TAIL) \
    X(ED_CMD_RESET, ed_cmd_reset, ED_RESET_REQ_SIZE, ED_RESET_REQ_TAIL, ED_RESET_RSP_SIZE, ED_RESET_RSP_TAIL) \
    X(ED_CMD_SPIN, ed_cmd_spin, ED_SPIN_REQ_SIZE, ED_SPIN_REQ_TAIL, ED_SPIN_RSP_SIZE, ED_SPIN_RSP_TAIL) \
    X(ED_CMD_FAULT, ed_cmd_fault, ED_FAULT_REQ_SIZE, ED_FAULT_REQ_TAIL, ED_FAULT_RSP_SIZE, ED_FAULT_RSP_TAIL) \

#endif /* ED_PROTOCOL_H */
