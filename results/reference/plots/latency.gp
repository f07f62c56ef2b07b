# latency.gp - written by kmbench plot from analysis/latency.gp;
# run `gnuplot latency.gp` in this directory to redraw.
ops = 'kmem_cache_alloc kmem_cache_free page_alloc page_free'
nalloc = 5
title_text = 'Latency percentiles (ns, log scale)'
set terminal pngcairo size 1100,760 enhanced font 'Sans,10'
set output 'latency.png'
load 'latency.body.gp'
reset
ops = 'kmem_cache_alloc kmem_cache_free page_alloc page_free'
nalloc = 5
title_text = 'Latency percentiles (ns, log scale)'
set terminal svg size 1100,760 dynamic enhanced font 'Sans,10'
set output 'latency.svg'
load 'latency.body.gp'
set output
