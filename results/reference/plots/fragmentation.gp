# fragmentation.gp - written by kmbench plot from analysis/fragmentation.gp;
# run `gnuplot fragmentation.gp` in this directory to redraw.
allocs = 'kmm glibc jemalloc tcmalloc mimalloc'
has_unusable = 1
title_text = 'Fragmentation along tar'
set terminal pngcairo size 1000,760 enhanced font 'Sans,10'
set output 'fragmentation.png'
load 'fragmentation.body.gp'
reset
allocs = 'kmm glibc jemalloc tcmalloc mimalloc'
has_unusable = 1
title_text = 'Fragmentation along tar'
set terminal svg size 1000,760 dynamic enhanced font 'Sans,10'
set output 'fragmentation.svg'
load 'fragmentation.body.gp'
set output
