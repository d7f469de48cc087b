// Checks the verilated RTL PCIe endpoint's clock-domain crossing against the
// latency rule of docs/pcie-endpoint.md ("Crossing latency"), at all 25 phases
// of the user clock (16 000 ps) against the system clock (12 500 ps), with the
// clocked bridge's edge order: transitions by time, the system clock first at a
// shared instant. Built by RTL/build.sh (profile pcie-endpoint); prints one
// line per phase and exits 1 on the first difference.
//
// Per phase: a CfgRd0 of dword 0 whose last dword the endpoint accepts at user
// edge U must come back as a CplD whose first dword the host takes at the 3rd
// user edge at or after S5, the 5th system edge after U; a BAR0 MWr to DOORBELL
// accepted at U must latch DOORBELL_CYCLE = the number of the system cycle that
// begins at the 3rd system edge after U (its number as the endpoint's cycle
// output shows it during that cycle).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include "Vsocsim.h"
#include "verilated.h"

namespace {
constexpr uint64_t kSys = 12500, kUser = 16000;
VerilatedContext ctx;
Vsocsim* top;
uint64_t now = 0;
std::vector<uint64_t> sysEdges, userEdges;   // times of rising edges since reset release
std::vector<uint64_t> sysCycleAt;            // the endpoint's cycle output after each sys edge
std::vector<std::vector<uint32_t>> sent;     // packets the endpoint sent
std::vector<uint64_t> sentAt;                // user edge time its first dword was taken
std::vector<uint32_t> current;
std::vector<uint32_t> rxQueue;               // dwords still to send, with sop/eop flags
std::vector<uint8_t> rxFlags;
uint64_t lastEopAccepted = 0;
uint64_t lastTx = 0;                         // time of the last dword the endpoint sent
uint64_t lastBus = 0;                        // time of the last cycle the DMA engine held CYC
// device memory on the DMA engine's Wishbone master, 64 KiB at 0 (bit 31 ignored):
// each beat acknowledged in its second cycle, as the SoC's BRAM; big-endian lanes
std::vector<uint8_t> memory(0x10000);
bool beatStarted = false;

void wishboneCycle() {   // after a system edge: the slave's answer for the cycle that begins
    top->m_ack = 0;
    if (!top->m_cyc) { beatStarted = false; top->eval(); return; }
    lastBus = now;
    if (!beatStarted) { beatStarted = true; top->eval(); return; }
    beatStarted = false;
    uint32_t a = (top->m_adr & 0x7FFFFFFF) % memory.size() & ~3u;
    if (top->m_we) {
        for (int k = 0; k < 4; k++)
            if (top->m_sel >> (3 - k) & 1) memory[a + k] = uint8_t(top->m_dat_w >> (24 - 8 * k));
    }
    top->m_dat_r = uint32_t(memory[a]) << 24 | uint32_t(memory[a + 1]) << 16 | uint32_t(memory[a + 2]) << 8 | memory[a + 3];
    top->m_ack = 1;
    top->eval();
}

// One transition instant: the system clock's transitions first, then the user clock's.
void advance() {
    uint64_t nextSys = (now / (kSys / 2) + 1) * (kSys / 2);
    uint64_t nextUser = (now / (kUser / 2) + 1) * (kUser / 2);
    now = nextSys < nextUser ? nextSys : nextUser;
    if (now % (kSys / 2) == 0) {
        bool rising = now % kSys == 0;
        top->clk = rising;
        top->eval();
        if (rising && !top->rst) {
            sysEdges.push_back(now);
            sysCycleAt.push_back(top->cycle);
            wishboneCycle();
        }
    }
    if (now % (kUser / 2) == 0) {
        bool rising = now % kUser == 0;
        if (rising) {
            // what the edge acts on: the values presented before it
            bool rxBeat = top->rx_valid && top->rx_ready;
            bool txBeat = top->tx_valid && top->tx_ready;
            uint32_t txData = top->tx_data;
            bool txSop = top->tx_sop, txEop = top->tx_eop;
            top->user_clk = 1;
            top->eval();
            if (!top->user_rst) userEdges.push_back(now);
            if (rxBeat) {
                if (rxFlags.front() & 2) lastEopAccepted = now;
                rxQueue.erase(rxQueue.begin());
                rxFlags.erase(rxFlags.begin());
            }
            if (txBeat) {
                lastTx = now;
                if (txSop) { current.clear(); sentAt.push_back(now); }
                current.push_back(txData);
                if (txEop) sent.push_back(current);
            }
            top->rx_valid = !rxQueue.empty();
            top->rx_data = rxQueue.empty() ? 0 : rxQueue.front();
            top->rx_sop = !rxQueue.empty() && (rxFlags.front() & 1);
            top->rx_eop = !rxQueue.empty() && (rxFlags.front() & 2);
            top->eval();
        } else {
            top->user_clk = 0;
            top->eval();
        }
    }
}

void send(const std::vector<uint32_t>& dwords) {
    for (size_t i = 0; i < dwords.size(); i++) {
        rxQueue.push_back(dwords[i]);
        rxFlags.push_back((i == 0 ? 1 : 0) | (i + 1 == dwords.size() ? 2 : 0));
    }
    if (!top->rx_valid) {   // present the first dword now (between edges)
        top->rx_valid = 1;
        top->rx_data = rxQueue.front();
        top->rx_sop = rxFlags.front() & 1;
        top->rx_eop = (rxFlags.front() & 2) != 0;
        top->eval();
    }
}

void runFor(uint64_t ps) { for (uint64_t end = now + ps; now < end;) advance(); }
void untilUserEdge() { size_t n = userEdges.size(); while (userEdges.size() == n) advance(); }

// the k-th edge (k >= 1) strictly after t, or at or after t
uint64_t edgeAfter(const std::vector<uint64_t>& e, uint64_t t, int k, bool atOrAfter) {
    for (size_t i = 0; i < e.size(); i++)
        if (e[i] > t || (atOrAfter && e[i] == t)) return i + k - 1 < e.size() ? e[i + k - 1] : 0;
    return 0;
}
size_t edgeIndex(const std::vector<uint64_t>& e, uint64_t t) {
    for (size_t i = 0; i < e.size(); i++) if (e[i] == t) return i;
    return SIZE_MAX;
}

int fail(const char* what, int phase, uint64_t got, uint64_t want) {
    std::printf("phase %d: %s: got %llu, expected %llu\n", phase, what, (unsigned long long)got,
                (unsigned long long)want);
    return 1;
}
}  // namespace

// A CSR write presented for one system cycle (it lands at the edge ending it).
void csrWrite(uint32_t offset, uint32_t value) {
    size_t n = sysEdges.size();
    while (sysEdges.size() == n) advance();
    top->we = 1;
    top->adr = (offset >> 2) & 0x3FF;
    top->dat_w = value;
    top->eval();
    n = sysEdges.size();
    while (sysEdges.size() == n) advance();
    top->we = 0;
    top->eval();
}

// --replay FILE: each line is a packet (hex dwords) or "w OFFSET VALUE" (a CSR
// write, hex); one at a time once the previous one's effects are over (nothing
// sent and no Wishbone cycle for 4 us). Device memory starts as (7i + 3) & 0xFF.
// Prints every packet the endpoint sent ("tx" and its dwords), the 16 counters
// read on the CSR side ("counters") and the device memory ("memory", hex).
// The differential tests against the Swift model (RTLEndpointTests) use it.
int replay(const char* path) {
    for (size_t i = 0; i < memory.size(); i++) memory[i] = uint8_t(7 * i + 3);
    std::ifstream in(path);
    if (!in) { std::fprintf(stderr, "cannot read %s\n", path); return 2; }
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::vector<uint32_t> dwords;
        std::string w;
        bool csr = false;
        while (words >> w) {
            if (w == "w") { csr = true; continue; }
            dwords.push_back(uint32_t(std::strtoul(w.c_str(), nullptr, 16)));
        }
        if (dwords.empty()) continue;
        if (csr) {
            csrWrite(dwords.at(0), dwords.at(1));
        } else {
            send(dwords);
            while (!rxQueue.empty()) advance();
        }
        uint64_t from = now;
        while (now - std::max(from, std::max(lastEopAccepted, std::max(lastTx, lastBus))) < 4000000) advance();
    }
    for (const auto& p : sent) {
        std::printf("tx");
        for (uint32_t d : p) std::printf(" %08x", d);
        std::printf("\n");
    }
    std::printf("counters");
    for (int i = 0; i < 16; i++) {
        top->adr = 0x20 + i;   // CSR dword 0x80 / 4 + i
        top->eval();
        std::printf(" %u", top->dat_r);
    }
    top->adr = 0x45;   // DMA_STATUS, DMA_DONE_BYTES
    top->eval();
    std::printf("\ndma %u", top->dat_r);
    top->adr = 0x46;
    top->eval();
    std::printf(" %u", top->dat_r);
    std::printf("\nmemory ");
    for (uint8_t b : memory) std::printf("%02x", b);
    std::printf("\n");
    return 0;
}

int main(int argc, char** argv) {
    ctx.randReset(0);
    top = new Vsocsim(&ctx);
    top->tx_ready = 1;
    top->rst = 1;
    top->user_rst = 1;
    top->eval();
    runFor(100000);
    top->rst = 0;          // released between edges
    top->user_rst = 0;
    top->eval();
    runFor(50000);
    if (argc == 3 && std::string(argv[1]) == "--replay") return replay(argv[2]);

    const uint32_t requester = 0x0000;
    const uint32_t target = 0x0100;   // 01:00.0
    const uint32_t bar = 0xF0000000;
    // set-up: BAR0 base, memory space on (each a CfgWr0, answered by a Cpl)
    send({0x44000001, requester << 16 | 0x000F, target << 16 | 0x10, 0x000000F0});   // payload 0xF0000000 LE
    send({0x44000001, requester << 16 | 0x010F, target << 16 | 0x04, 0x02000000});   // COMMAND = 0x0002
    runFor(2000000);
    if (sent.size() != 2) return fail("set-up completions", -1, sent.size(), 2);

    for (int phase = 0; phase < 25; phase++) {
        // the runs below last whole common periods (400 000 ps): one more user
        // edge moves the request to the next of the 25 phases
        untilUserEdge();
        size_t before = sent.size();
        send({0x04000001, requester << 16 | 0x200F, target << 16 | 0x00});
        runFor(2000000);
        if (sent.size() != before + 1) return fail("CplD count", phase, sent.size() - before, 1);
        const std::vector<uint32_t>& c = sent.back();
        if (c.size() != 4 || c[0] != 0x4A000001 || c[3] != 0xB41A0100)
            return fail("CplD of dword 0 (wire order b4 1a 01 00)", phase, c.size() == 4 ? c[3] : 0, 0xB41A0100);
        uint64_t u = lastEopAccepted;
        uint64_t s5 = edgeAfter(sysEdges, u, 5, false);
        uint64_t want = edgeAfter(userEdges, s5, 3, true);
        if (sentAt.back() != want) return fail("CplD first dword taken at (ps)", phase, sentAt.back(), want);
        unsigned userCycles = unsigned(edgeIndex(userEdges, sentAt.back()) - edgeIndex(userEdges, u));

        // doorbell: MWr of one dword to BAR0 + 0x20
        send({0x40000001, requester << 16 | 0x000F, bar + 0x20, 0x01000000 + uint32_t(phase)});
        runFor(2000000);
        uint64_t ud = lastEopAccepted;
        uint64_t s3 = edgeAfter(sysEdges, ud, 3, false);
        uint64_t cycle = sysCycleAt[edgeIndex(sysEdges, s3)];   // the cycle beginning at s3
        size_t n = sent.size();
        send({0x00000001, requester << 16 | 0x210F, bar + 0x24});   // MRd DOORBELL_CYCLE_LO
        runFor(2000000);
        if (sent.size() != n + 1) return fail("CplD of DOORBELL_CYCLE_LO", phase, sent.size() - n, 1);
        uint32_t w = sent.back()[3];
        uint32_t latched = (w >> 24) | (w >> 8 & 0xFF00) | (w << 8 & 0xFF0000) | (w << 24);
        if (latched != uint32_t(cycle)) return fail("DOORBELL_CYCLE_LO", phase, latched, cycle);
        std::printf("phase %2d: CfgRd0 eop at %llu ps, CplD taken %u user cycles later; doorbell cycle %u\n",
                    phase, (unsigned long long)(u % (kSys * kUser / 500)), userCycles, latched);
    }
    std::printf("pcie-endpoint crossing: all 25 phases as documented\n");
    top->final();
    delete top;
    return 0;
}
