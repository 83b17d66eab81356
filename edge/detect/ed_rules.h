/*
 * ed_rules.h: the detection rule byte (META.rule), parity placements and word layouts.
 * GENERATED from host/eccless/detect/__init__.py and detect/parity.py by eccless.firmware.codegen -- do not edit:
 * change the Python registry, then run `python -m eccless.firmware.codegen --write`.
 */
#ifndef ED_RULES_H
#define ED_RULES_H

/* rule byte = placement id | ED_RULE_RANGE when the range check follows */
#define ED_RULE_PLACEMENT_MASK 0x0Fu
#define ED_RULE_RANGE 0x10u
#define ED_RULE_KNOWN_BITS 0x1Fu

/* where a word's parity bit sits (ed_tensor_t.parity) */
#define ED_PARITY_NONE 0u
#define ED_PARITY_SHIFTED 1u
#define ED_PARITY_BIT30 2u

/* parity placements: id 0 is none */
#define ED_PLACEMENT_LSB 1u /* even parity in the word's LSB (costs one bit of precision) */
#define ED_PLACEMENT_EXTRA 2u /* even parity in an extra bit per parameter (costs 1/n storage) */
#define ED_PLACEMENT_EXP 3u /* float32: even parity in the exponent MSB (bit 30), free while |w| < 2 */
#define ED_PLACEMENT_COUNT 4u

/* per placement id: its word layout (ED_PARITY_*) and the stored bits beyond the index bits */
#define ED_PLACEMENT_LAYOUTS {0u, 1u, 1u, 2u}
#define ED_PLACEMENT_EXTRA_BITS {0u, 1u, 1u, 0u}

#endif /* ED_RULES_H */
