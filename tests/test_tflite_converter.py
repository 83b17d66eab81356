"""Import of a real TFLite-converter model: every op but FULLY_CONNECTED matches LiteRT's reference kernels.

The fixture below is a .tflite written by the TFLite converter (tensorflow-cpu 2.21.0, full-integer
quantization, float input/output, 300 representative digits) from this Keras model trained 15 epochs on
sklearn digits:

    Input(8, 8, 1) -> Conv2D(8, 3, same, relu)
    -> DepthwiseConv2D(3, depth_multiplier=2, strides=2, same, relu6) -> MaxPool2D(2, strides=1, same)
    -> AveragePooling2D(3, strides=2, same) -> ReLU -> Flatten
    -> Dense(16, relu) -> Dense(10, softmax)

The converter wrote QUANTIZE, CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D (the ReLU fused into
it), SHAPE, STRIDED_SLICE, PACK, RESHAPE, FULLY_CONNECTED x2 (per-channel weights), SOFTMAX, DEQUANTIZE.
Stored zlib-compressed and base64-encoded; sha256 of the .tflite:
50902adc093870ad941546dbb6104daf1e60a491da2e5478d10d12020f59c651.
"""

from __future__ import annotations

import base64
import hashlib
import zlib

import numpy as np
import pytest

from eccless.quant.fixedpoint import round_half_away, wrap_int32
from eccless.quant.kernels import INT8_KERNELS
from eccless.tflite import read_tflite, to_tflite_bytes

litert = pytest.importorskip("ai_edge_litert.interpreter")

pytestmark = pytest.mark.unit

CONVERTER_CNN = (
    "eNrVWQlUFEca7pnhZhiuQQFBAVGG+5aGRgTBiCygAhLXEMdRBiHhEgbjkew4TxPNrlGTYNYDE0U8Yoy3Bo0KGuKJCsiVCIooRgFB"
    "ULlh9q/pmgMU4nubfc9t3kdXV1f99f1HV/1VY0EQRMw74Z5cwoqwIEwJLmFAsKFOi1CDMgF1BLEe8BDwWIsgugBx4wiCBc8MgBqg"
    "8aVUysZt/QH6gExhxtKk1MX8eGGCICtZpGi7SSqVmuIyiCLSskTpWSK+G6Eirx3koTsH8KEwQ5DJFwlTM9My+J4EwYQ6L9yuBmSN"
    "wWVjQPDMyNhpUdEzZkbyI6bFBIUExQTBGGyZLmgsc5W2KUmp/IysVFFSipC/VJiRmZSWKuOPGnZpgr6AEsBZwBpAuQbcASIgYAtY"
    "A2RjAH3Q5QWgGduoBlAOKAYUAc4CTgAOAvIAOYBsgAhzudtB67oAQNudo+BrAOAhToSGrE4D90F2amKh9nJ/qcn6/nKoc/e+D2Z8"
    "imzExG1RHw8XD3cXsHBYJz0Wkuvu4u7lIrM6fZ2tl0oLAUWAK4BiQAmgHFANqAHUAR4CHgOaAduwvFBA3WIbyUSyfeCdipnUD2Sf"
    "5FKk+KAtxemdPXfUbFu739ZIbj34SVd8eVZMBc9zRp1YGBwfxD26d6GreP7S2S2Xf4gUx+ZtsWBdNm3BMq0Aq/UIYgv4fIkhQYS4"
    "QPxBQM6zAfsaEUQglM276LabAMc6J7nNlBTP6VnQkN/6OK3813vJmo+m64ddZzDuFtrNLxN778m16zMWv6/haXVfKq7R0vON4ja7"
    "mJ4Uf5eUZOtgvnjjNPKJl5eOjg35gV/iGOeoQPsscTg/jt+kK14hnuT62YB4hZpZyDjJtI6zBcnP3g+SxK0MqRKX/jNB3N1l/3T5"
    "h+xMMe/XGJdb7l2HJf1W4lOYWyDgfj/YC/zVDvFaOiCVRiK/goO3wjNyZiE4yxxwB+rfgU7zoMyFPsg97F6plNlNy0IOnRttElrk"
    "/KP2c7eWG076jY2OnaHsq26XWN5Py397Uad7My5V53poWP6Xjxw1pySolx+Jqi881hN5rCJh6oR3F/k3SpwfM667nW1gsyZU3mlj"
    "S4pTn7fcuq1raNai8VDHsH3nb+muwqRnY2sbqMT7xEN1C5ewxlZLb53LelYzjgdSbkW39hmnpwSWMP/duCVnQ1j7HLujR3IfFJ6s"
    "nPOt9lpWteUju7rYjV/1+ApOSZ4WPC72LhN+4X04hemVUJVme2N/+8SBGWEJvfY11vo7t08Wqnf1VDbsKbu98d/R1IWVhWkhRg7O"
    "N7W/ylsTuM+zyS3SqYcjyWj383M5/rI077hBu1VhzUkhY1fAuMqGG3dvOdtN8fjdVK/PxaDVjJU93c34F4fbf5joT+C0TY29Gx3p"
    "YDH9b/dKXHRX/vwspMxDstDlxBWLzk2dphO+b0rpDe/6XFJYdEeHwy7wqswzM50p3PDVGemlzy+e/zHqptrdc3seftFUV7e+ZdpA"
    "hab2Zo2cNOH4ItEz2/jK6A2+sfq71+4/vKshPNN2FD/x8boLcZI5nNi0E8K1EZvrs73rTbqMvuEUJwVcn7Ht2w0GP7cXc6JWD8Rr"
    "Fz3a8S/dirHO3k6/Xmi+Z1f65VHjl2R53DcW74aX7riRbGuxfOvP+lzJ3L39BQXnepcfKmpnbzvLNsieWdCXn/DRziKy5t00+9aw"
    "c8250yZUG9/oOBPYzem/bRU7PmpCT2XrhaKjy5vGePTajtZ/2vZUI/90G+X+cLblPeasOc7mGoZ2ORNCwivExrWRCzxy5xVd2zW9"
    "yZJRaPnesSfiqnP/KO9oDZwzjdqSaJd3SG2bFjfYaInJN+v0D3+V7VnXc/W8lkFIyOa/Z+06+sn7iY3ODy+ZtXTXWbpPZTCMfNj2"
    "brx87lzLbgf/6ccZ3rrqOtHjvj/9yLiY+Gi2Cc/euoLz4vhqhtCieszE2ZL7Phev9z3vGacV5mOgWV0/YOqga9AduOdrOy//Jt8a"
    "rRx/b7OHXWX/Ymg/uGnccMXwYk+vj4b7ncsS3s2yqqhTD05ZM3qneej9Mc77ycwpH9pWXm/Q89Tqn2PtN+un3vT71qcW2sTyYrxN"
    "l5mFWjfe9/Lj1tQduK1XY+UTYRdiPuZikGWcTrHR7eviUTFPCw+cjjpi4Xi7t89j16cenVeDX/Im/7G9Yrzbib3PN2//IvtZwNG4"
    "G7dLNKNOOW7VCr46Pm/ttT6baEn5hu3e3MPLm6uIa7UtjmHevNPBCb/NHB9y2k63Ycy1uXWtmm3jjrj+3k1UnJl2uLbsWXCHpdiB"
    "fSgi4P5up+LjTG6P0dyJbft+tDzQW2/IspjiUP6DrYajq2DSBQ2Wq6GdprC+qs+QE/p3XsGThoF8/25y4DSjpUHngfiMywR7nkOr"
    "0LW8R1pvU8XpV84raQBYiol0mEcWwryyDe7VcLeAuxEgCs0vcFkz8NrDoOf6Argfgfs8LGsngFvb0eVuUu1k8shQr7GXKbET88Yz"
    "YuvjPi0gHPJO1u11GC3t2DcqzPrzCy3B2VbpEr/vWDM2nykpOGD4TMzZ23VXkugycYHNDVuBmenB2otbf+q76Hxx4v2g2peTFu3P"
    "cxRneIiu+fRe1S2ra5QcbW0zNdwh0b8fMOZOS62e47G5zM0T1cKjrvr7BBhIDlb84n7H/td+SVHPdsurU6a/KNUJ/8U0TmOA5orW"
    "ww9ALwp0CIB7CTynApZAuQDaqDPoedYR6vxwH7m9wlSekSnmqTyjq/AJrH8AlL9EhM+IsgpOS4XcQCSMd5G158pacRSrLlqTObge"
    "5Q6rYI5fA1jHomWmCJIQNUIPrZFQ14zyBpw/lIDAbEAIQI1B5w0oL4jDOqL+U6V0XoXWa13M2RTfRwMywH80J0Kbi9/poPVe5vdV"
    "U+Tt0H0UIFfZXssA89YG5DdKpfI2KK8zAahjDpUqfeRjoD4cOrYYDNyeheVp4pwDMZHbSAfnNgY455PbkonrUD6Wi+KWHoeywOu/"
    "5pDch4n7GuOyER73LvS1pfta2WL7aWBfaSkyHNpXDAwjrJ8hfpbnTA5SBQ8fOQ91BQ9NLJdgMlT6Ih0GlBzUUX5KYvkGMovJ40VT"
    "1hZ1Y2HuTBW9DPAdxd8xqVKeG855WVgnrqytMv5UZTBUZDBwDo3+m2MOurgPls2Uy2a+IlsT9yVYzCFjcDAXPRwLWkO+C/kYVlhX"
    "5A8n3Jct05KWz8bvVXnrYdlsHPM6OJbkexIdPB5bIY++E0O+D3SZof0IOLoIHJUM4AJ4MHwoGEcNCNZBZy8YpA6UyNOi8/1wQCA4"
    "2Racvg4cWAxkPgbwACVggHDAOgad6y/APg5oob8F+TxggceW2xVcKUW8rVro/Uq0SCASJmQlzxJkiJJEsPMQxgcLkpP57n5uChuj"
    "9rHdtFxTbMtArB8y+9whsrOfSaVa+LtC/VdJ6YtQ2GOV7LsaYWx3QsXHSGblkPH98XyCxl82ZHxuGz2+PIadVHzycmvh5EDZnnBJ"
    "lhC2XAIYju/uGg+bOiHfE0oRAlFEVjI17PupSYLMoPj4ofyW9rxqn1GY3xYVfojTibaR7XPzwO/+84fj6PEnHNH7KGFy1vBvFRqo"
    "fuuTel+1r8lr/Iv0ErUPtq+cPyrvOrDd3+pV7gnJAhFsnGXcMhMF6UJV+yGZH7Qp45arWN8IJorbYoiniW8g0xVLls+h54fINFaR"
    "adX2JzIzRRlJ8cJ4fmZy0iIh3ZHTPlieEZaH4isd5I0dSV60khv6Tvf2Ke3Nw/tWQ2zvdbgNsilTZW1qfj5y3CDbv/MqhwwhPzlr"
    "mKgQQE4hWCzkp6elJSelLvaIh7qgpYtnwaMyN1HlML9/MO8QXI94J6rwVlOsOTCfvRg5Xnivck4RLBvEKUKwDHHyiCdUcibVMTpe"
    "w0sf83o8DC//lyPz2v+6bzBdlPhREnxJiyAfk1FDZp1E/Xk7/Nm9QUtF1Ru0jYYGwhVC9+HsIs+NVO2C11LtQhW7aOG1DCGmY3i7"
    "7Dg13V/yql0GWYMa7uUwJlC8R4W05Cy0FAzbRkVhub6q3NGsi04PxyhODwnZ+o7n4kHfmx62w6zX2AHJjesc+XuTrFpFoRFECcku"
    "S7IEQHaFkHgNL1QO61DOHetwroDGRnuhIjxOuEKH//5CcpzCKint+aVU99o7lHfteerj73+gxDsrKNHHh6gog53U+BH8qOIKxfmo"
    "PE9E+ph3KvVZg/Mj2TSB9hJdtD6hf5E+SEakdZWPn1uZz/z4Gp/bOQU+ZXMO+nQurfTZ6XjYR+3oTp9Vb0FMEip+R3E4FjKk0TiD"
    "pS9lHPJwYx0cB7ayxMgIz6XyHmqKfYUWPvs2IN6OC/H4Mj+X6h99h9K4d5OyvphPzb+6kUqN2EM9/+Is1dd1i8pcvZHqFm+mVt9b"
    "T93anE3l8D6n2OdSqfiPa6gd7CrK8Y3mV0WV4ruSxyHikNutjMPHeA+A4hDlxRa9dBy+bXYb/eATsrXpANm6cBd53GYT6Tl3ATnm"
    "5Sqy2vRr8lFALmnRxCcDpiaRy4rfIx+ULyZLiVgyaIof2c04SHoX7SP3/f+sS4r8MqxX6aeHynlBG/1mUdRH+2ndW+InxGF67Blq"
    "3Phqyv4Ql0rYbkRFjz1KdWzVp7JsTKiV73EonasFFF9dg8o9cYkSuJdTd/7IoVYe1KF0Vx+ivj5RSo378/xdkVPJ8t++wXGsiePY"
    "Cu3v+t/OOL6XU09Gp7B8TUu9yJy/eZDlCVVk7W4Xcu18b3K9lTNpPvkJad9vQ367r42M0WT4NpeeJ/P38MjZVDk5SUtKBoxkozfc"
    "w8jj60C/0n47FWcuhHY+Ol/A63qcYg//119I7vv/GOuvv3gPFVF0hfpk/T6qdkE7tbutmirYVE+ViTX9v+OfpDy21w4fG56DY0MH"
    "6/bZAK2bFf7tTh3HxhXZSiHPcdTwucT/Xs/3BGt9x4bq+Vp+4uibYqnv66U103dNpK9vymdBvpIVi32XNJv7qoVN9rUaSU+VfbR8"
    "D50qHby/wmehTHR+VQI24L3xHtDVXc734hCZLCzTAscFyoUFGUmiRBeYujJFkMQpz3/QGm4xwhrOVTk7RDe0Z14GMp3eeF8JT4JF"
    "HxLEq2MSw+SvXJy/8nD70GFyVzXZH72XH/L7N3/w79h+bsPlrGw8F6E424/PhFGelY7Pm2bhucsJnwWp4fN/DaVNNFDObKZ8NkO/"
    "uWsrfau9Bp6xbqPQu2i6HJ0DZWe67LwfyhF0OaIE70OwPEYdPBsqnw2f4T0e9rMaOuPTV/k+WMp3LLbsfJDWHr3LoOsz/gPaehIg"
)


@pytest.fixture(scope="module")
def model_bytes() -> bytes:
    data = zlib.decompress(base64.b64decode("".join(CONVERTER_CNN)))
    assert hashlib.sha256(data).hexdigest().startswith("50902adc0938")
    return data


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    return (load_digits().data / 16.0).astype(np.float32).reshape(-1, 8, 8, 1)


def _interpreter(data: bytes, x: np.ndarray):
    it = litert.Interpreter(
        model_content=data,
        experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=True,
    )
    inp = it.get_input_details()[0]
    it.resize_tensor_input(inp["index"], list(x.shape))
    it.allocate_tensors()
    it.set_tensor(inp["index"], x)
    it.invoke()
    return it, {t["name"]: t["index"] for t in it.get_tensor_details()}


def litert_style_fc(op, x):
    """LiteRT's reference FULLY_CONNECTED: round(double(acc) * in * w / out), no fixed-point multiplier."""
    acc = wrap_int32((x.astype(np.int64) - op.in_zp) @ op.weight.astype(np.int64).T + op.bias)
    scale = (
        np.float64(np.float32(op.in_scale))
        * op.w_scale.astype(np.float64)
        / np.float64(np.float32(op.out_scale))
    )
    return np.clip(round_half_away(acc * scale) + op.out_zp, op.act_min, op.act_max).astype(np.int8)


def test_converter_model_imports_op_by_op_exactly(model_bytes, digits):
    qg = read_tflite(model_bytes)
    assert [op.kind for op in qg.ops] == [
        "conv2d",
        "dwconv2d",
        "maxpool",
        "avgpool",
        "reshape",
        "dense",
        "dense",
    ]
    assert qg.ops[3].act == "relu" and qg.ops[1].act == "relu6" and qg.input_shape == (8, 8, 1)
    it, tensors = _interpreter(model_bytes, digits)
    h = qg.quantize_input(digits)
    first = next(
        n
        for n in tensors
        if it.get_tensor(tensors[n]).dtype == np.int8
        and it.get_tensor(tensors[n]).shape == (len(digits), 8, 8, 1)
    )
    assert np.array_equal(it.get_tensor(tensors[first]), h)  # LiteRT's QUANTIZE == QGraph.quantize_input
    for op, shape in zip(qg.ops, qg.shapes()):  # each op from LiteRT's own input tensor: checked on its own
        theirs = it.get_tensor(tensors[op.name]).reshape((len(digits),) + shape)
        if op.kind == "dense":
            ours = INT8_KERNELS["dense"](op, h)
            assert np.abs(ours.astype(int) - theirs).max() <= 1 and np.mean(ours != theirs) < 0.01
            assert np.array_equal(litert_style_fc(op, h), theirs)  # the difference is only the rescale rule
        else:
            assert np.array_equal(INT8_KERNELS[op.kind](op, h), theirs), op.name
        h = theirs


def test_converter_model_reexported_is_bit_exact_in_litert(model_bytes, digits):
    """Imported, then written back by our exporter (dense as 1x1 conv): LiteRT reproduces QGraph.forward."""
    qg = read_tflite(model_bytes)
    xq = qg.quantize_input(digits)
    it, _ = _interpreter(to_tflite_bytes(qg), xq)
    ours = qg.forward(xq)
    assert np.array_equal(it.get_tensor(it.get_output_details()[0]["index"]), ours)
    original, _ = _interpreter(model_bytes, digits)  # float in, softmax probabilities out
    probs = original.get_tensor(original.get_output_details()[0]["index"])
    agree = np.mean(np.argmax(probs, axis=1) == np.argmax(ours, axis=1))
    assert (
        agree >= 0.99
    )  # dropping SOFTMAX and LiteRT's FC rounding change no argmax here (measured: 1797/1797)
