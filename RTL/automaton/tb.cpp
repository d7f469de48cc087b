// Stand-alone test bench of RTL/soc/socsim_automaton.v: BRAM (2 cycles per
// read) and SDRAM (a given latency) behind its Wishbone master, driven by a
// script on standard input, one command per line (numbers in hex):
//   latency L        SDRAM read latency in cycles (default 8)
//   mem ADDR WORD    a bus word of BRAM or SDRAM
//   errat ADDR       reads of this word get ERR in their first cycle
//   deny P           from now on a beat waits for its grant: each cycle before
//                    it is denied when (cycle * 0x9E3779B97F4A7C15) >> 58 < P
//                    (P of 64; 0: granted at once), as a bus that
//                    re-arbitrates at every beat would make it wait
//   write IDX VALUE  a CSR write presented for one cycle
//   read IDX         one cycle; prints "read CYCLE IDX VALUE"
//   idle N           N cycles
//   watch N          N cycles; prints "status CYCLE VALUE" and "irq CYCLE V"
//                    whenever STATUS or the IRQ differs from the cycle before
//                    (and in the first cycle)
// Cycle 0 is the first cycle after one reset cycle. The Swift test
// (Tests/SoCTests/CoprocessorRTLTests.swift) runs the same script on the
// model and compares the transcripts.
#include "Vsocsim_automaton.h"
#include "verilated.h"
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

static std::vector<uint32_t> bram(0x10000 / 4), sdram(0x1000000 / 4);
static unsigned latency = 8;
static std::vector<uint32_t> error_words;
static std::unique_ptr<Vsocsim_automaton> top;
static unsigned beat = 0, deny = 0;
static bool granted = false;
static uint64_t cycle = 0;

static uint32_t *word(uint32_t a) {
    a &= 0x7fffffffu;
    if (a < 0x10000u) return &bram[a >> 2];
    if (a >= 0x40000000u && a < 0x41000000u) return &sdram[(a - 0x40000000u) >> 2];
    return nullptr;
}

// One cycle: CSR inputs, the slave's answer, `observe` before the edge, the edge.
template <typename F> static void step(bool we, unsigned idx, uint32_t value, bool rst, F observe) {
    top->rst = rst;
    top->we = we;
    top->adr = idx;
    top->dat_w = value;
    top->clk = 0;
    top->m_ack = 0;
    top->m_err = 0;
    top->m_dat_r = 0;
    top->eval();
    bool ack = false, err = false;
    bool denied = uint64_t(cycle * 0x9E3779B97F4A7C15ull) >> 58 < deny;
    if (!rst && top->m_cyc && top->m_stb && (granted || !denied)) {
        granted = true;
        beat++;
        uint32_t a = top->m_adr & ~3u;
        uint32_t *w = word(a);
        bool bad = !w;
        for (uint32_t e : error_words) bad |= (e & 0x7fffffffu) == (a & 0x7fffffffu);
        unsigned n = bad ? 1 : (a & 0x7fffffffu) < 0x10000u ? 2 : latency;
        if (beat == n) {
            if (bad) err = true; else { ack = true; top->m_dat_r = *w; }
        }
    } else if (!(top->m_cyc && top->m_stb)) {
        beat = 0;
        granted = false;
    }
    top->m_ack = ack;
    top->m_err = err;
    top->eval();
    observe();
    top->clk = 1;
    top->eval();
    if (ack || err) { beat = 0; granted = false; }
    if (!rst) cycle++;
}

int main(int argc, char **argv) {
    Verilated::commandArgs(argc, argv);
    top.reset(new Vsocsim_automaton);
    step(false, 0, 0, true, [] {});
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        char cmd[32];
        uint64_t a = 0, b = 0;
        int n = sscanf(line, "%31s %" SCNx64 " %" SCNx64, cmd, &a, &b);
        if (n < 1) continue;
        std::string c(cmd);
        if (c == "latency") latency = unsigned(a);
        else if (c == "mem") { if (uint32_t *w = word(uint32_t(a))) *w = uint32_t(b); }
        else if (c == "errat") error_words.push_back(uint32_t(a));
        else if (c == "deny") deny = unsigned(a);
        else if (c == "write") step(true, unsigned(a), uint32_t(b), false, [] {});
        else if (c == "read") {
            step(false, unsigned(a), 0, false, [&] {
                printf("read %" PRIu64 " %u %08x\n", cycle, unsigned(a), top->dat_r);
            });
        } else if (c == "idle") {
            for (uint64_t i = 0; i < a; i++) step(false, 0, 0, false, [] {});
        } else if (c == "watch") {
            int64_t status = -1, irq = -1;
            for (uint64_t i = 0; i < a; i++) {
                step(false, 1, 0, false, [&] {
                    if (int64_t(top->dat_r) != status) { status = top->dat_r; printf("status %" PRIu64 " %08x\n", cycle, top->dat_r); }
                    if (int64_t(top->irq) != irq) { irq = top->irq; printf("irq %" PRIu64 " %d\n", cycle, int(top->irq)); }
                });
            }
        } else {
            fprintf(stderr, "unknown command: %s", line);
            top.reset();
            return 2;
        }
    }
    top->final();
    top.reset();
    return 0;
}
