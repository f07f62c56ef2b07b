# tlb.gp - written by kmbench plot from analysis/bars.gp;
# run `gnuplot tlb.gp` in this directory to redraw.
datafile = 'tlb.dat'
nseries = 5
title_text = 'TLB misses per 1000 accesses'
ylabel_text = 'misses per 1000 accesses'
set terminal pngcairo size 1000,560 enhanced font 'Sans,10'
set output 'tlb.png'
load 'tlb.body.gp'
reset
datafile = 'tlb.dat'
nseries = 5
title_text = 'TLB misses per 1000 accesses'
ylabel_text = 'misses per 1000 accesses'
set terminal svg size 1000,560 dynamic enhanced font 'Sans,10'
set output 'tlb.svg'
load 'tlb.body.gp'
set output
