# latency.gp - written by kmbench plot from analysis/latency.gp;
# run `gnuplot latency.gp` in this directory to redraw.
ops = 'kmem_cache_alloc kmem_cache_free page_alloc kmalloc kfree page_free fault percpu_alloc percpu_free mmap munmap mprotect mremap brk vmalloc exec exit fork'
nalloc = 5
nrows = 4
ncols = 5
ymin = 1
ymax = 1e+06
title_text = 'Latency percentiles (ns, log scale)'
set terminal pngcairo size 2000,1240 enhanced font 'Sans,10'
set output 'latency.png'
load 'latency.body.gp'
reset
ops = 'kmem_cache_alloc kmem_cache_free page_alloc kmalloc kfree page_free fault percpu_alloc percpu_free mmap munmap mprotect mremap brk vmalloc exec exit fork'
nalloc = 5
nrows = 4
ncols = 5
ymin = 1
ymax = 1e+06
title_text = 'Latency percentiles (ns, log scale)'
set terminal svg size 2000,1240 dynamic enhanced font 'Sans,10'
set output 'latency.svg'
load 'latency.body.gp'
set output
