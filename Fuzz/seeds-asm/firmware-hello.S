# The default firmware of `socsim run` on the test bench: prints a greeting
# through the character port, sums 1..100 and prints it in decimal, reports
# one passing test case through the unit-test device and ends the run.

        .equ CHAR_PORT, 0xff000000
        .equ TEST_DEV,  0xffff0000

        .text
        .global _start
_start:
        xor     r0, r0, r0
        mvhi    sp, hi(0xfffc)
        ori     sp, sp, lo(0xfffc)
        mvhi    r10, hi(CHAR_PORT)
        ori     r10, r10, lo(CHAR_PORT)
        mvhi    r12, hi(TEST_DEV)
        ori     r12, r12, lo(TEST_DEV)

        mvhi    r1, hi(greeting)
        ori     r1, r1, lo(greeting)
        calli   puts

        # r3 = 1 + 2 + ... + 100
        mvi     r2, 100
        mvi     r3, 0
1:      add     r3, r3, r2
        addi    r2, r2, -1
        bne     r2, r0, 1b

        mvhi    r1, hi(sum_text)
        ori     r1, r1, lo(sum_text)
        calli   puts
        mv      r1, r3
        calli   putdec
        mvi     r1, 10              # newline
        sw      (r10+0), r1

        # report the sum as a test case: pass iff it is 5050
        mvhi    r13, hi(test_name)
        ori     r13, r13, lo(test_name)
        sw      (r12+8), r13
        cmpnei  r13, r3, 5050
        sw      (r12+4), r13
        sw      (r12+0), r0
2:      bi      2b

# puts: print the NUL-terminated string at r1 (clobbers r1, r2)
puts:
        lbu     r2, (r1+0)
        be      r2, r0, 1f
        sw      (r10+0), r2
        addi    r1, r1, 1
        bi      puts
1:      ret

# putdec: print r1 in decimal (clobbers r1, r4-r7)
putdec:
        mv      r7, sp
        mvi     r5, 10
1:      modu    r6, r1, r5
        divu    r1, r1, r5
        addi    r6, r6, 48          # '0'
        addi    sp, sp, -1
        sb      (sp+0), r6
        bne     r1, r0, 1b
2:      lbu     r6, (sp+0)
        sw      (r10+0), r6
        addi    sp, sp, 1
        bne     sp, r7, 2b
        ret

        .section .rodata
greeting:
        .asciz  "Hello from the LM32 on SoCSim.\n"
sum_text:
        .asciz  "1 + 2 + ... + 100 = "
test_name:
        .asciz  "SUM"
