# Compiled-style workload for the fast-path benchmark (bench/fastpath/run.sh):
# what a C compiler makes of ordinary firmware: calls with stack frames,
# loads and stores over 4 KiB of data, divides and modulos, a switch through
# a jump table. Runs forever; choose the length with the cycle count.
        .text
        .global _start
_start:
        xor     r0, r0, r0
        mvhi    sp, hi(_fstack)
        ori     sp, sp, lo(_fstack)
        mvi     r11, 1                  # round / seed
        mvi     r12, 0                  # accumulator
round:
        mvhi    r1, hi(src)
        ori     r1, r1, lo(src)
        mvi     r2, 512                 # 2 KiB
        mv      r3, r11
        calli   fill
        mvhi    r1, hi(src)
        ori     r1, r1, lo(src)
        mvhi    r2, hi(dst)
        ori     r2, r2, lo(dst)
        mvi     r3, 512
        calli   copy
        mvhi    r1, hi(dst)
        ori     r1, r1, lo(dst)
        mvi     r2, 512
        calli   checksum
        add     r12, r12, r1
        mvi     r13, 32                 # divides
div_loop:
        mv      r1, r12
        addi    r2, r13, 3
        calli   divmix
        add     r12, r12, r1
        addi    r13, r13, -1
        bne     r13, r0, div_loop
        mvi     r13, 64                 # switch
sw_loop:
        andi    r1, r12, 7
        mv      r2, r13
        calli   dispatch
        add     r12, r12, r1
        addi    r13, r13, -1
        bne     r13, r0, sw_loop
        mvhi    r1, hi(result)
        ori     r1, r1, lo(result)
        sw      (r1+0), r12
        addi    r11, r11, 1
        bi      round

# fill(p, n, seed): p[i] = seed = seed * 13 + i
fill:
        addi    sp, sp, -8
        sw      (sp+4), r11
        sw      (sp+8), r12
        mvi     r11, 0
1:      muli    r3, r3, 13
        add     r3, r3, r11
        sw      (r1+0), r3
        addi    r1, r1, 4
        addi    r11, r11, 1
        bne     r11, r2, 1b
        lw      r11, (sp+4)
        lw      r12, (sp+8)
        addi    sp, sp, 8
        ret

# copy(src, dst, n): halfword and byte traffic mixed with words
copy:
        addi    sp, sp, -4
        sw      (sp+4), ra
1:      lw      r4, (r1+0)
        lhu     r5, (r1+2)
        lb      r6, (r1+1)
        add     r4, r4, r5
        xor     r4, r4, r6
        sw      (r2+0), r4
        sh      (r2+0), r5
        addi    r1, r1, 4
        addi    r2, r2, 4
        addi    r3, r3, -1
        bne     r3, r0, 1b
        lw      ra, (sp+4)
        addi    sp, sp, 4
        ret

# checksum(p, n): rotating sum
checksum:
        mvi     r3, 0
1:      lw      r4, (r1+0)
        sli     r5, r3, 5
        srui    r6, r3, 27
        or      r3, r5, r6
        add     r3, r3, r4
        addi    r1, r1, 4
        addi    r2, r2, -1
        bne     r2, r0, 1b
        mv      r1, r3
        ret

# divmix(a, b): a / b + a % b, through a nested call
divmix:
        addi    sp, sp, -12
        sw      (sp+4), ra
        sw      (sp+8), r11
        sw      (sp+12), r12
        divu    r11, r1, r2
        modu    r12, r1, r2
        mv      r1, r11
        calli   twice
        add     r1, r1, r12
        lw      ra, (sp+4)
        lw      r11, (sp+8)
        lw      r12, (sp+12)
        addi    sp, sp, 12
        ret
twice:
        add     r1, r1, r1
        ret

# dispatch(k, x): switch (k) through a jump table
dispatch:
        mvhi    r3, hi(table)
        ori     r3, r3, lo(table)
        sli     r4, r1, 2
        add     r3, r3, r4
        lw      r3, (r3+0)
        b       r3
case0:  addi    r1, r2, 1
        ret
case1:  sub     r1, r0, r2
        ret
case2:  sli     r1, r2, 3
        ret
case3:  mul     r1, r2, r2
        ret
case4:  xori    r1, r2, 0x5a5a
        bi      common
case5:  sri     r1, r2, 1
        bi      common
case6:  cmpgu   r1, r2, r1
        ret
case7:  mvi     r1, 7
common: addi    r1, r1, 2
        ret

        .data
        .align  4
table:  .word   case0, case1, case2, case3, case4, case5, case6, case7
result: .word   0
src:    .space  2048
dst:    .space  2048
