/*
 * INFO: versions, the board's memory map as linked, what the image region holds (its first word, and the length
 * and CRC-32 of the image its first superblock copy describes, so the host can skip re-flashing the same file),
 * the boot counter and the uptime (so the host notices a reset). The CRC reads the whole image: about 12
 * instructions a byte, e.g. 50 ms for 64 KB at 16 MHz.
 */
#include "ed_board.h"
#include "ed_boot.h"
#include "ed_bytes.h"
#include "ed_crc32.h"
#include "ed_dispatch.h"
#include "ed_image_format.h"
#include "ed_platform.h"

#include <string.h>

/* Length of the image the first superblock copy describes, when its magic is there and it fits the region. */
static uint32_t ed_info_image_bytes(void)
{
    uint32_t region = (uint32_t)(_ed_image_end - _ed_image_base);
    uint32_t len;
    if (region < ED_IMG_SUPERBLOCK_SIZE || ed_get_u32(_ed_image_base + ED_IMG_SUPERBLOCK_MAGIC) != ED_IMG_MAGIC) {
        return 0;
    }
    len = ed_get_u32(_ed_image_base + ED_IMG_SUPERBLOCK_IMAGE_LEN);
    return len <= region ? len : 0;
}

ed_status_t ed_cmd_info(const ed_request_t *req, ed_response_t *rsp)
{
    static const char board[] = ED_BOARD_NAME;
    uint8_t *p = rsp->payload;
    uint32_t flags = 0;
    uint32_t image_bytes = ed_info_image_bytes();
    (void)req;
    if (ED_DEBUG_COMMANDS) {
        flags |= ED_INFO_FLAG_DEBUG;
    }
    if (ED_INSTR_PER_TICK_NUM != 0) {
        flags |= ED_INFO_FLAG_ICOUNT;
    }
    if (ed_timer_counts_cycles()) {
        flags |= ED_INFO_FLAG_CYCLES;
    }
    ed_put_u16(p + ED_INFO_RSP_PROTOCOL, ED_PROTOCOL_VERSION);
    ed_put_u16(p + ED_INFO_RSP_MAX_PAYLOAD, ED_MAX_PAYLOAD);
    ed_put_u32(p + ED_INFO_RSP_FIRMWARE, ED_FIRMWARE_VERSION);
    ed_put_u32(p + ED_INFO_RSP_BUILD_ID, ed_build_id);
    ed_put_u32(p + ED_INFO_RSP_FLAGS, flags);
    ed_put_u32(p + ED_INFO_RSP_TIMER_HZ, ED_TIMER_HZ);
    ed_put_u32(p + ED_INFO_RSP_CODE_BASE, ED_CODE_BASE);
    ed_put_u32(p + ED_INFO_RSP_CODE_SIZE, ED_CODE_SIZE);
    ed_put_u32(p + ED_INFO_RSP_IMAGE_BASE, (uint32_t)(uintptr_t)_ed_image_base);
    ed_put_u32(p + ED_INFO_RSP_IMAGE_SIZE, (uint32_t)(_ed_image_end - _ed_image_base));
    ed_put_u32(p + ED_INFO_RSP_RAM_BASE, ED_RAM_BASE);
    ed_put_u32(p + ED_INFO_RSP_RAM_SIZE, ED_RAM_SIZE);
    ed_put_u32(p + ED_INFO_RSP_ARENA_BASE, (uint32_t)(uintptr_t)_ed_arena_start);
    ed_put_u32(p + ED_INFO_RSP_ARENA_SIZE, (uint32_t)(_ed_arena_end - _ed_arena_start));
    ed_put_u32(p + ED_INFO_RSP_IMAGE_HEAD, ed_get_u32(_ed_image_base));
    ed_put_u32(p + ED_INFO_RSP_IMAGE_BYTES, image_bytes);
    ed_put_u32(p + ED_INFO_RSP_IMAGE_CRC, image_bytes ? ed_crc32(_ed_image_base, image_bytes) : 0u);
    ed_put_u32(p + ED_INFO_RSP_BOOT_COUNT, ed_boot_count());
    ed_put_u64(p + ED_INFO_RSP_UPTIME, ed_timer_ticks());
    memcpy(p + ED_INFO_RSP_SIZE, board, sizeof(board) - 1);
    rsp->len = ED_INFO_RSP_SIZE + sizeof(board) - 1;
    return ED_STATUS_OK;
}
