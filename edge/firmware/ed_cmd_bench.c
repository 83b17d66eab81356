/*
 * BENCH: time one firmware routine `iterations` times. Kinds (ED_BENCH_KIND_*): load -- the whole LOAD pass with
 * flags `arg` (the model stays loaded with them); decode -- the decode + detect pass alone (without packing the weights for the kernels, which LOAD's decode
 * count includes); infer -- inference of
 * stored sample `arg`; layer -- op `arg` alone, on stored sample 0's activations (each iteration timed, so the
 * firmware's dispatch to the kernel and the timer reads count with it); kernel -- dense op `arg`'s fully connected
 * kernel call alone (ed_fully_connected_s8_eval with inference's arguments, built once; from flash, ed_flash_run,
 * the in-place kernel over the op's tiles), the same input, all iterations between one pair of timer reads: what a
 * per-kernel figure of another library counts. ERR_ARG details: 1 kind, 2 iterations (0, or above
 * ED_BENCH_MAX_ITERATIONS), 3 arg (kernel: also an op that is not dense, or decoded on the fly).
 */
#include "ed_bytes.h"
#include "ed_dispatch.h"
#include "ed_flash.h"
#include "ed_model_state.h"
#include "ed_platform.h"

ed_status_t ed_cmd_bench(const ed_request_t *req, ed_response_t *rsp)
{
    const uint8_t kind = req->payload[ED_BENCH_REQ_KIND];
    const uint32_t iterations = ed_get_u32(req->payload + ED_BENCH_REQ_ITERATIONS);
    const uint32_t arg = ed_get_u32(req->payload + ED_BENCH_REQ_ARG);
    ed_model_t *md = ed_state_model();
    const int8_t *in = 0, *out;
    ed_dense_call_t call;
    int where = 0;
    uint32_t i, detail = 0;
    uint64_t t0, ticks = 0;
    ed_status_t st;

    rsp->detail = 1;
    if (kind > ED_BENCH_KIND_KERNEL) {
        return ED_STATUS_ERR_ARG;
    }
    rsp->detail = 2;
    if (iterations == 0u || iterations > ED_BENCH_MAX_ITERATIONS) { /* a command cannot be interrupted */
        return ED_STATUS_ERR_ARG;
    }
    rsp->detail = 0;
    if (!md->loaded) {
        return ED_STATUS_ERR_NO_IMAGE;
    }
    rsp->detail = 3;
    if ((kind == ED_BENCH_KIND_INFER && arg >= md->test_count) ||
        (kind >= ED_BENCH_KIND_LAYER && (arg >= md->num_ops || md->test_count == 0u)) ||
        (kind == ED_BENCH_KIND_KERNEL && (where = ed_model_dense_call(md, arg, &call)) < 0)) {
        return ED_STATUS_ERR_ARG;
    }
    rsp->detail = 0;
    if (kind >= ED_BENCH_KIND_LAYER) { /* the op's input: run the ops before it, untimed */
        in = md->test_x;
        for (i = 0; i < arg; i++) {
            if (ed_model_run_op(md, i, in, &in, &detail) != 0) {
                return ed_state_kernel_error(rsp, detail);
            }
        }
    }
    if (kind == ED_BENCH_KIND_KERNEL) {
        int8_t *const y = in == md->act[0] ? md->act[1] : md->act[0]; /* the op's output buffer, as inference's */
        t0 = ed_timer_ticks();
        if (where == 0) {
            for (i = 0; i < iterations; i++) {
                ed_fully_connected_s8_eval(&call.params, &call.requant, 1, call.in_features, call.out_features, in,
                                           call.weights, call.bias, y, &md->scratch);
            }
        } else {
            for (i = 0; i < iterations; i++) {
                const ed_kernel_status_t ks = ed_flash_run(md, &md->ops[arg], in, y);
                if (ks != ED_OK) { /* the detail inference gives: (op << 8) | -status */
                    return ed_state_kernel_error(rsp, (arg << 8) | (uint32_t)(-(int32_t)ks));
                }
            }
        }
        ticks = ed_timer_ticks() - t0;
    }
    for (i = 0; kind != ED_BENCH_KIND_KERNEL && i < iterations; i++) {
        t0 = ed_timer_ticks();
        if (kind == ED_BENCH_KIND_LOAD) {
            st = ed_state_load(arg, rsp);
            if (st != ED_STATUS_OK) {
                return st;
            }
        } else if (kind == ED_BENCH_KIND_DECODE) {
            ed_model_decode_detect(md);
        } else if (kind == ED_BENCH_KIND_INFER) {
            if (ed_model_infer(md, md->test_x + (size_t)arg * md->input_size, &out, &detail) != 0) {
                return ed_state_kernel_error(rsp, detail);
            }
        } else if (ed_model_run_op(md, arg, in, &out, &detail) != 0) {
            return ed_state_kernel_error(rsp, detail);
        }
        ticks += ed_timer_ticks() - t0;
    }
    ed_put_u32(rsp->payload + ED_BENCH_RSP_ITERATIONS, iterations);
    ed_put_u64(rsp->payload + ED_BENCH_RSP_TICKS, ticks);
    ed_put_u64(rsp->payload + ED_BENCH_RSP_INSTRUCTIONS, ed_timer_instructions(ticks));
    rsp->len = ED_BENCH_RSP_SIZE;
    return ED_STATUS_OK;
}
