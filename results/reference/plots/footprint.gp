# footprint.gp - written by kmbench plot from analysis/footprint.gp;
# run `gnuplot footprint.gp` in this directory to redraw.
allocs = 'kmm glibc jemalloc tcmalloc mimalloc'
title_text = 'Memory footprint along tar'
set terminal pngcairo size 1000,560 enhanced font 'Sans,10'
set output 'footprint.png'
load 'footprint.body.gp'
reset
allocs = 'kmm glibc jemalloc tcmalloc mimalloc'
title_text = 'Memory footprint along tar'
set terminal svg size 1000,560 dynamic enhanced font 'Sans,10'
set output 'footprint.svg'
load 'footprint.body.gp'
set output
