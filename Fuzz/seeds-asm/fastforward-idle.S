# socsim run bench/fastforward/idle.S --cycle --profile testbench-cache --max-cycles 1000000000 --stats
# (issue 18): interrupts on, a branch to itself; nothing ever interrupts.
_start: mvi r1, 1
        wcsr IE, r1
loop:   bi loop
