# The device's side of the integrity test cycle (docs/attestation.md,
# "The attest firmware"). Each round:
#
#   1. waits a random interval: cfg_min_wait + (rand mod cfg_wait_span)
#      cycles on timer 1 (one-shot);
#   2. draws a challenge from its xorshift128 generator (state rng_state,
#      provisioned): id (round + 1), nonce, a cfg_states-state table; the
#      window, steps and environment test selectors come from the
#      configuration;
#   3. has the automaton coprocessor compute the expected answer over the
#      golden image at cfg_golden, with the environment values the attested
#      host must yield (cfg_env_values);
#   4. writes the challenge, in the wire layout of docs/automaton.md, into the
#      hypervisor's mailbox (cfg_mailbox) by DMA, and sends the MSI (the
#      endpoint latches MSI_CYCLE when it starts on the link);
#   5. waits for the doorbell, at most cfg_timeout cycles (timer 1);
#   6. judges: no doorbell: no-answer; an answer that differs from the
#      expected one in any word (magic, id, digest, final state, steps
#      done): wrong-answer; DOORBELL_CYCLE - MSI_CYCLE above cfg_deadline:
#      late; else trusted; a challenge whose DMA failed is no-answer, logged
#      with send cycle 0;
#   7. records the verdict in the log ring (log_count counts entries, entry
#      n at log_ring + (n mod LOG_ENTRIES) * LOG_BYTES, written before the
#      count), in the endpoint's BAR0 verdict counters, and, when
#      cfg_uart_lines is set, as one line on the UART.
#
# After cfg_rounds rounds (0: forever) it prints the four counts and halts.
# The configuration words below hold defaults for a run on its own (with no
# hypervisor behind the root complex every round is no-answer); the host
# model provisions them, the generator's state and the golden image before
# the first instruction.

        .include "soc.inc"

        # The log entry: LOG_BYTES bytes, word offsets below.
        .equ    LOG_ENTRIES, 64
        .equ    LOG_BYTES, 64
        .equ    LOG_ROUND, 0
        .equ    LOG_ID, 4
        .equ    LOG_NONCE_LO, 8
        .equ    LOG_NONCE_HI, 12
        .equ    LOG_EXPECTED_LO, 16             # digest word a
        .equ    LOG_EXPECTED_HI, 20             # digest word b
        .equ    LOG_ANSWER_MAGIC, 24            # the answer's words as received (0 without a doorbell)
        .equ    LOG_RECEIVED_LO, 28
        .equ    LOG_RECEIVED_HI, 32
        .equ    LOG_SEND_LO, 36                 # MSI_CYCLE
        .equ    LOG_SEND_HI, 40
        .equ    LOG_ARRIVAL_LO, 44              # DOORBELL_CYCLE (0 without a doorbell)
        .equ    LOG_ARRIVAL_HI, 48
        .equ    LOG_VERDICT, 52                 # the index of its BAR0 counter after VERDICT_TRUSTED
        .equ    LOG_DEADLINE, 56
        .equ    LOG_STEPS, 60
        .global LOG_ENTRIES, LOG_BYTES, LOG_ROUND, LOG_ID, LOG_NONCE_LO, LOG_NONCE_HI
        .global LOG_EXPECTED_LO, LOG_EXPECTED_HI, LOG_ANSWER_MAGIC, LOG_RECEIVED_LO, LOG_RECEIVED_HI
        .global LOG_SEND_LO, LOG_SEND_HI, LOG_ARRIVAL_LO, LOG_ARRIVAL_HI, LOG_VERDICT, LOG_DEADLINE, LOG_STEPS

        # Verdicts: the order of the endpoint's counters VERDICT_TRUSTED ... VERDICT_NO_ANSWER.
        .equ    V_TRUSTED, (PCIE_VERDICT_TRUSTED - PCIE_VERDICT_TRUSTED) / 4
        .equ    V_WRONG, (PCIE_VERDICT_WRONG - PCIE_VERDICT_TRUSTED) / 4
        .equ    V_LATE, (PCIE_VERDICT_LATE - PCIE_VERDICT_TRUSTED) / 4
        .equ    V_NO_ANSWER, (PCIE_VERDICT_NO_ANSWER - PCIE_VERDICT_TRUSTED) / 4

        .data
        .align  4
        .global cfg_rounds, cfg_min_wait, cfg_wait_span, cfg_timeout, cfg_deadline, cfg_mailbox_lo
        .global cfg_mailbox_hi, cfg_golden, cfg_window_base, cfg_window_words, cfg_steps, cfg_states
        .global cfg_env_count, cfg_env_selectors, cfg_env_values, cfg_uart_lines, rng_state
cfg_rounds:     .word   4
cfg_min_wait:   .word   800
cfg_wait_span:  .word   7200
cfg_timeout:    .word   80000                   # 1 ms
cfg_deadline:   .word   40000
cfg_mailbox_lo: .word   0x00000000
cfg_mailbox_hi: .word   0x00000001
cfg_golden:     .word   SDRAM_BASE + 0x00100000
cfg_window_base: .word  0x00400000
cfg_window_words: .word 1024
cfg_steps:      .word   4096
cfg_states:     .word   64
cfg_env_count:  .word   0
cfg_env_selectors: .space 64
cfg_env_values: .space  64
cfg_uart_lines: .word   1
rng_state:      .word   0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x1a6e0001

        .bss
        .align  4
        .global log_count, log_ring
log_count:      .space  4
log_ring:       .space  LOG_ENTRIES * LOG_BYTES
challenge:      .space  CHALLENGE_SIZE          # the wire bytes
table:          .space  8 * 64                  # the same states as the coprocessor reads them
expected:       .space  16                      # a, b, final state, steps done

        .text
        .global main
# Registers kept across the loop: r20 PCIE_BASE, r21 COPROCESSOR_BASE,
# r22 SYSCTL_BASE, r23 the round, r24 the verdict, r25 the log entry.
main:
        addi    sp, sp, -4
        sw      (sp+4), ra
        mvhi    r20, hi(PCIE_BASE)
        ori     r20, r20, lo(PCIE_BASE)
        mvhi    r21, hi(COPROCESSOR_BASE)
        ori     r21, r21, lo(COPROCESSOR_BASE)
        mvhi    r22, hi(SYSCTL_BASE)
        ori     r22, r22, lo(SYSCTL_BASE)
        lw      r1, (r20+PCIE_STATUS)
        ori     r1, r1, PCIE_STATUS_FIRMWARE_READY_MASK
        sw      (r20+PCIE_STATUS), r1
        mvi     r23, 0

round:
        mvhi    r1, hi(cfg_rounds)
        ori     r1, r1, lo(cfg_rounds)
        lw      r1, (r1+0)
        be      r1, r0, 1f
        be      r1, r23, finish
        # 1. The random wait.
1:      calli   rand
        mvhi    r2, hi(cfg_wait_span)
        ori     r2, r2, lo(cfg_wait_span)
        lw      r2, (r2+0)
        be      r2, r0, 2f
        modu    r1, r1, r2
        bi      3f
2:      mvi     r1, 0
3:      mvhi    r2, hi(cfg_min_wait)
        ori     r2, r2, lo(cfg_min_wait)
        lw      r2, (r2+0)
        add     r1, r1, r2
        calli   start_timer
4:      lw      r1, (r22+SYSCTL_TIMER1_CONTROL)
        andi    r1, r1, SYSCTL_TIMER1_CONTROL_ENABLE_MASK
        bne     r1, r0, 4b

        # 2. The challenge.
        calli   draw

        # 3. The expected answer.
        calli   precompute

        # 4. The challenge into the mailbox, then the MSI.
        mvi     r1, PCIE_IRQ_PENDING_DOORBELL_MASK
        sw      (r20+PCIE_IRQ_PENDING), r1
        mvhi    r1, hi(challenge)
        ori     r1, r1, lo(challenge)
        sw      (r20+PCIE_DMA_LOCAL), r1
        mvhi    r1, hi(cfg_mailbox_lo)
        ori     r1, r1, lo(cfg_mailbox_lo)
        lw      r2, (r1+0)
        sw      (r20+PCIE_DMA_HOST_LO), r2
        mvhi    r1, hi(cfg_mailbox_hi)
        ori     r1, r1, lo(cfg_mailbox_hi)
        lw      r2, (r1+0)
        sw      (r20+PCIE_DMA_HOST_HI), r2
        mvi     r1, CHALLENGE_SIZE
        sw      (r20+PCIE_DMA_LENGTH), r1
        mvi     r1, PCIE_DMA_CONTROL_START_MASK
        sw      (r20+PCIE_DMA_CONTROL), r1
5:      lw      r1, (r20+PCIE_DMA_STATUS)
        andi    r2, r1, PCIE_DMA_STATUS_BUSY_MASK
        bne     r2, r0, 5b
        mvi     r24, V_NO_ANSWER
        andi    r17, r1, PCIE_DMA_STATUS_ERROR_MASK
        bne     r17, r0, judged                 # the challenge did not leave: no answer can come
        mvi     r1, PCIE_MSI_CONTROL_SEND_MASK
        sw      (r20+PCIE_MSI_CONTROL), r1

        # 5. The doorbell, or the timeout.
        mvhi    r1, hi(cfg_timeout)
        ori     r1, r1, lo(cfg_timeout)
        lw      r1, (r1+0)
        calli   start_timer
6:      lw      r1, (r20+PCIE_IRQ_PENDING)
        andi    r1, r1, PCIE_IRQ_PENDING_DOORBELL_MASK
        bne     r1, r0, 7f
        lw      r1, (r22+SYSCTL_TIMER1_CONTROL)
        andi    r1, r1, SYSCTL_TIMER1_CONTROL_ENABLE_MASK
        bne     r1, r0, 6b
        bi      judged                          # r24 = V_NO_ANSWER

        # 6. The verdict.
7:      sw      (r22+SYSCTL_TIMER1_CONTROL), r0
        mvi     r1, PCIE_IRQ_PENDING_DOORBELL_MASK
        sw      (r20+PCIE_IRQ_PENDING), r1
        mvi     r24, V_WRONG
        mvhi    r3, hi(expected)
        ori     r3, r3, lo(expected)
        lw      r1, (r20+PCIE_ANSWER0)
        mvhi    r2, hi(ANSWER_MAGIC)
        ori     r2, r2, lo(ANSWER_MAGIC)
        bne     r1, r2, judged
        lw      r1, (r20+PCIE_ANSWER1)
        addi    r2, r23, 1
        bne     r1, r2, judged
        lw      r1, (r20+PCIE_ANSWER2)
        lw      r2, (r3+0)
        bne     r1, r2, judged
        lw      r1, (r20+PCIE_ANSWER3)
        lw      r2, (r3+4)
        bne     r1, r2, judged
        lw      r1, (r20+PCIE_ANSWER4)
        lw      r2, (r3+8)
        bne     r1, r2, judged
        lw      r1, (r20+PCIE_ANSWER5)
        lw      r2, (r3+12)
        bne     r1, r2, judged
        # Elapsed = DOORBELL_CYCLE - MSI_CYCLE, 64 bits; late above the deadline.
        mvi     r24, V_LATE
        lw      r1, (r20+PCIE_DOORBELL_CYCLE_LO)
        lw      r2, (r20+PCIE_DOORBELL_CYCLE_HI)
        lw      r3, (r20+PCIE_MSI_CYCLE_LO)
        lw      r4, (r20+PCIE_MSI_CYCLE_HI)
        cmpgu   r5, r3, r1                      # borrow
        sub     r1, r1, r3
        sub     r2, r2, r4
        sub     r2, r2, r5
        bne     r2, r0, judged
        mvhi    r2, hi(cfg_deadline)
        ori     r2, r2, lo(cfg_deadline)
        lw      r2, (r2+0)
        bgu     r1, r2, judged
        mvi     r24, V_TRUSTED

        # 7. The records.
judged:
        calli   log_round
        sli     r1, r24, 2
        add     r1, r1, r20
        lw      r2, (r1+PCIE_VERDICT_TRUSTED)
        addi    r2, r2, 1
        sw      (r1+PCIE_VERDICT_TRUSTED), r2
        mvhi    r1, hi(cfg_uart_lines)
        ori     r1, r1, lo(cfg_uart_lines)
        lw      r1, (r1+0)
        be      r1, r0, 8f
        calli   print_round
8:      addi    r23, r23, 1
        bi      round

finish:
        mvhi    r1, hi(summary_text)
        ori     r1, r1, lo(summary_text)
        calli   uart_puts
        mv      r1, r23
        calli   uart_putdec
        mvi     r11, 0
9:      mvi     r1, 32
        calli   uart_putc
        sli     r1, r11, 2
        mvhi    r2, hi(verdict_names)
        ori     r2, r2, lo(verdict_names)
        add     r2, r2, r1
        lw      r1, (r2+0)
        calli   uart_puts
        mvi     r1, 32
        calli   uart_putc
        sli     r1, r11, 2
        add     r1, r1, r20
        lw      r1, (r1+PCIE_VERDICT_TRUSTED)
        calli   uart_putdec
        addi    r11, r11, 1
        cmpei   r1, r11, V_NO_ANSWER + 1
        be      r1, r0, 9b
        mvi     r1, 10
        calli   uart_putc
        lw      ra, (sp+4)
        addi    sp, sp, 4
        ret

# start_timer: timer 1, one-shot, reaching its compare r1 cycles from now
# (CONTROL.ENABLE clears then; r1 = 0 waits one cycle). Clobbers r1.
start_timer:
        sw      (r22+SYSCTL_TIMER1_CONTROL), r0
        sw      (r22+SYSCTL_TIMER1_COUNTER), r0
        sw      (r22+SYSCTL_TIMER1_COMPARE), r1
        mvi     r1, SYSCTL_TIMER1_CONTROL_ENABLE_MASK
        sw      (r22+SYSCTL_TIMER1_CONTROL), r1
        ret

# rand: the next output of Marsaglia's xorshift128 in r1: t = x ^ (x << 11),
# (x, y, z) = (y, z, w), w = w ^ (w >> 19) ^ t ^ (t >> 8). Clobbers r2-r4.
rand:
        mvhi    r4, hi(rng_state)
        ori     r4, r4, lo(rng_state)
        lw      r1, (r4+0)
        sli     r2, r1, 11
        xor     r1, r1, r2
        srui    r2, r1, 8
        xor     r1, r1, r2
        lw      r2, (r4+4)
        sw      (r4+0), r2
        lw      r2, (r4+8)
        sw      (r4+4), r2
        lw      r2, (r4+12)
        sw      (r4+8), r2
        srui    r3, r2, 19
        xor     r2, r2, r3
        xor     r1, r1, r2
        sw      (r4+12), r1
        ret

# put_le: store r1 at challenge + r5 as the little-endian word of the wire
# (the bus is big-endian: the stored word is r1 byte-swapped). Clobbers r1-r3.
put_le:
        sli     r2, r1, 24
        srui    r3, r1, 24
        or      r2, r2, r3
        andi    r3, r1, 0xff00
        sli     r3, r3, 8
        or      r2, r2, r3
        srui    r3, r1, 8
        andi    r3, r3, 0xff00
        or      r2, r2, r3
        mvhi    r3, hi(challenge)
        ori     r3, r3, lo(challenge)
        add     r3, r3, r5
        sw      (r3+0), r2
        ret

# cfg: the configuration word `name` in `reg`.
        .macro  cfg reg, name
        mvhi    \reg, hi(\name)
        ori     \reg, \reg, lo(\name)
        lw      \reg, (\reg+0)
        .endm

# draw: the round's challenge into `challenge` (wire bytes, all of them
# rewritten) and `table` (the states as the coprocessor reads them); the
# nonce in r18 (low) and r19 (high). Clobbers r1-r17.
draw:
        addi    sp, sp, -4
        sw      (sp+4), ra
        # Zero the wire bytes.
        mvhi    r1, hi(challenge)
        ori     r1, r1, lo(challenge)
        addi    r2, r1, CHALLENGE_SIZE
1:      sw      (r1+0), r0
        addi    r1, r1, 4
        bne     r1, r2, 1b
        calli   rand
        mv      r18, r1
        calli   rand
        mv      r19, r1
        mvhi    r1, hi(CHALLENGE_MAGIC)
        ori     r1, r1, lo(CHALLENGE_MAGIC)
        mvi     r5, CHALLENGE_MAGIC_OFFSET
        calli   put_le
        addi    r1, r23, 1
        mvi     r5, CHALLENGE_ID_OFFSET
        calli   put_le
        mv      r1, r18
        mvi     r5, CHALLENGE_NONCE_OFFSET
        calli   put_le
        mv      r1, r19
        mvi     r5, CHALLENGE_NONCE_OFFSET + 4
        calli   put_le
        cfg     r1, cfg_window_base
        mvi     r5, CHALLENGE_WINDOW_BASE_OFFSET
        calli   put_le
        cfg     r1, cfg_window_words
        mvi     r5, CHALLENGE_WINDOW_WORDS_OFFSET
        calli   put_le
        cfg     r1, cfg_steps
        mvi     r5, CHALLENGE_STEPS_OFFSET
        calli   put_le
        # The counts word: the state count in its first byte, the environment count in its second.
        cfg     r16, cfg_states
        cfg     r17, cfg_env_count
        sli     r1, r17, 8
        or      r1, r1, r16
        mvi     r5, CHALLENGE_COUNTS_OFFSET
        calli   put_le
        # The environment test selectors.
        mvhi    r11, hi(cfg_env_selectors)
        ori     r11, r11, lo(cfg_env_selectors)
        mvi     r5, CHALLENGE_ENVIRONMENT_OFFSET
        mv      r12, r17
        be      r12, r0, 3f
2:      lw      r1, (r11+0)
        calli   put_le
        addi    r11, r11, 4
        addi    r5, r5, 4
        addi    r12, r12, -1
        bne     r12, r0, 2b
        # The states: constant, then descriptor (operation | branch bit << 8 |
        # successor 0 << 16 | successor 1 << 24), successors modulo the count.
3:      mvhi    r11, hi(table)
        ori     r11, r11, lo(table)
        mvi     r5, CHALLENGE_TABLE_OFFSET
        mv      r12, r16
4:      calli   rand
        sw      (r11+0), r1
        calli   put_le
        addi    r5, r5, 4
        calli   rand
        andi    r13, r1, 7                      # operation
        srui    r14, r1, 8
        andi    r14, r14, 31                    # branch bit
        sli     r14, r14, 8
        or      r13, r13, r14
        srui    r14, r1, 16
        andi    r14, r14, 0xff
        modu    r14, r14, r16                   # successor 0
        sli     r14, r14, 16
        or      r13, r13, r14
        srui    r14, r1, 24
        modu    r14, r14, r16                   # successor 1
        sli     r14, r14, 24
        or      r1, r13, r14
        sw      (r11+4), r1
        calli   put_le
        addi    r5, r5, 4
        addi    r11, r11, 8
        addi    r12, r12, -1
        bne     r12, r0, 4b
        lw      ra, (sp+4)
        addi    sp, sp, 4
        ret

# precompute: the coprocessor's run of the drawn challenge over the golden
# image into `expected`; halts the device (a failed run) on an error code,
# which only a bad configuration gives. Clobbers r1-r5.
precompute:
        sw      (r21+COPROCESSOR_NONCE_LO), r18
        sw      (r21+COPROCESSOR_NONCE_HI), r19
        cfg     r1, cfg_window_base
        sw      (r21+COPROCESSOR_WINDOW_BASE), r1
        cfg     r1, cfg_window_words
        sw      (r21+COPROCESSOR_WINDOW_WORDS), r1
        cfg     r1, cfg_golden
        sw      (r21+COPROCESSOR_SOURCE), r1
        cfg     r1, cfg_steps
        sw      (r21+COPROCESSOR_STEPS), r1
        mvhi    r1, hi(table)
        ori     r1, r1, lo(table)
        sw      (r21+COPROCESSOR_TABLE_ADDR), r1
        cfg     r1, cfg_states
        sw      (r21+COPROCESSOR_STATES), r1
        cfg     r4, cfg_env_count
        sw      (r21+COPROCESSOR_ENV_COUNT), r4
        mvhi    r2, hi(cfg_env_values)
        ori     r2, r2, lo(cfg_env_values)
        addi    r3, r21, COPROCESSOR_ENV0
        be      r4, r0, 2f
1:      lw      r1, (r2+0)
        sw      (r3+0), r1
        addi    r2, r2, 4
        addi    r3, r3, 4
        addi    r4, r4, -1
        bne     r4, r0, 1b
2:      mvi     r1, COPROCESSOR_CTRL_START_MASK
        sw      (r21+COPROCESSOR_CTRL), r1
3:      lw      r1, (r21+COPROCESSOR_STATUS)
        andi    r2, r1, COPROCESSOR_STATUS_DONE_MASK
        be      r2, r0, 3b
        mvi     r2, COPROCESSOR_STATUS_DONE_MASK
        sw      (r21+COPROCESSOR_STATUS), r2
        srui    r1, r1, COPROCESSOR_STATUS_ERROR_SHIFT
        andi    r1, r1, 0xff
        bne     r1, r0, coprocessor_failed
        mvhi    r3, hi(expected)
        ori     r3, r3, lo(expected)
        lw      r1, (r21+COPROCESSOR_DIGEST_LO)
        sw      (r3+0), r1
        lw      r1, (r21+COPROCESSOR_DIGEST_HI)
        sw      (r3+4), r1
        lw      r1, (r21+COPROCESSOR_FINAL_STATE)
        sw      (r3+8), r1
        lw      r1, (r21+COPROCESSOR_STEPS_DONE)
        sw      (r3+12), r1
        ret

coprocessor_failed:
        mv      r11, r1
        mvhi    r1, hi(error_text)
        ori     r1, r1, lo(error_text)
        calli   uart_puts
        mv      r1, r11
        calli   uart_putdec
        mvi     r1, 10
        calli   uart_putc
        bi      _fatal_halt

# log_round: the round's entry, then log_count; r17 is the DMA error of the
# challenge (nonzero: it did not leave). Clobbers r1-r6, r25.
log_round:
        mvhi    r25, hi(log_count)
        ori     r25, r25, lo(log_count)
        lw      r5, (r25+0)
        andi    r1, r5, LOG_ENTRIES - 1
        muli    r1, r1, LOG_BYTES
        mvhi    r25, hi(log_ring)
        ori     r25, r25, lo(log_ring)
        add     r25, r25, r1
        sw      (r25+LOG_ROUND), r23
        addi    r1, r23, 1
        sw      (r25+LOG_ID), r1
        sw      (r25+LOG_NONCE_LO), r18
        sw      (r25+LOG_NONCE_HI), r19
        mvhi    r3, hi(expected)
        ori     r3, r3, lo(expected)
        lw      r1, (r3+0)
        sw      (r25+LOG_EXPECTED_LO), r1
        lw      r1, (r3+4)
        sw      (r25+LOG_EXPECTED_HI), r1
        mvi     r1, 0                           # no MSI when the challenge did not leave: send cycle 0
        mvi     r2, 0
        bne     r17, r0, 2f
        lw      r1, (r20+PCIE_MSI_CYCLE_LO)
        lw      r2, (r20+PCIE_MSI_CYCLE_HI)
2:      sw      (r25+LOG_SEND_LO), r1
        sw      (r25+LOG_SEND_HI), r2
        mvi     r1, 0
        mvi     r2, 0
        mvi     r3, 0
        mvi     r4, 0
        mvi     r5, 0
        cmpei   r6, r24, V_NO_ANSWER
        bne     r6, r0, 1f
        lw      r1, (r20+PCIE_ANSWER0)
        lw      r2, (r20+PCIE_ANSWER2)
        lw      r3, (r20+PCIE_ANSWER3)
        lw      r4, (r20+PCIE_DOORBELL_CYCLE_LO)
        lw      r5, (r20+PCIE_DOORBELL_CYCLE_HI)
1:      sw      (r25+LOG_ANSWER_MAGIC), r1
        sw      (r25+LOG_RECEIVED_LO), r2
        sw      (r25+LOG_RECEIVED_HI), r3
        sw      (r25+LOG_ARRIVAL_LO), r4
        sw      (r25+LOG_ARRIVAL_HI), r5
        sw      (r25+LOG_VERDICT), r24
        cfg     r1, cfg_deadline
        sw      (r25+LOG_DEADLINE), r1
        cfg     r1, cfg_steps
        sw      (r25+LOG_STEPS), r1
        mvhi    r1, hi(log_count)
        ori     r1, r1, lo(log_count)
        lw      r2, (r1+0)
        addi    r2, r2, 1
        sw      (r1+0), r2
        ret

# print_round: "attest: round R id I VERDICT[ elapsed E cycles]" from the
# entry at r25. Clobbers r1-r4, r11.
print_round:
        addi    sp, sp, -4
        sw      (sp+4), ra
        mvhi    r1, hi(round_text)
        ori     r1, r1, lo(round_text)
        calli   uart_puts
        lw      r1, (r25+LOG_ROUND)
        calli   uart_putdec
        mvhi    r1, hi(id_text)
        ori     r1, r1, lo(id_text)
        calli   uart_puts
        lw      r1, (r25+LOG_ID)
        calli   uart_putdec
        mvi     r1, 32
        calli   uart_putc
        sli     r1, r24, 2
        mvhi    r2, hi(verdict_names)
        ori     r2, r2, lo(verdict_names)
        add     r2, r2, r1
        lw      r1, (r2+0)
        calli   uart_puts
        cmpei   r1, r24, V_NO_ANSWER
        bne     r1, r0, 1f
        mvhi    r1, hi(elapsed_text)
        ori     r1, r1, lo(elapsed_text)
        calli   uart_puts
        lw      r1, (r25+LOG_ARRIVAL_LO)
        lw      r2, (r25+LOG_SEND_LO)
        sub     r1, r1, r2
        calli   uart_putdec
        mvhi    r1, hi(cycles_text)
        ori     r1, r1, lo(cycles_text)
        calli   uart_puts
1:      mvi     r1, 10
        calli   uart_putc
        lw      ra, (sp+4)
        addi    sp, sp, 4
        ret

        .section .rodata
        .align  4
verdict_names:
        .word   trusted_text, wrong_text, late_text, no_answer_text
trusted_text:
        .asciz  "trusted"
wrong_text:
        .asciz  "wrong-answer"
late_text:
        .asciz  "late"
no_answer_text:
        .asciz  "no-answer"
round_text:
        .asciz  "attest: round "
id_text:
        .asciz  " id "
elapsed_text:
        .asciz  " elapsed "
cycles_text:
        .asciz  " cycles"
summary_text:
        .asciz  "attest: rounds "
error_text:
        .asciz  "attest: coprocessor error "
