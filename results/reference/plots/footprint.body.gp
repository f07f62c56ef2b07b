# analysis/footprint.gp - memory footprint along the trace per allocator,
# with the trace's live bytes for reference.
# kmbench plot sets: allocs (words), title_text.
# Data: tl_ALLOC.dat (see fragmentation.gp).
n = words(allocs)
set title title_text noenhanced
set grid
set key top left noenhanced
set xlabel 'trace event'
set ylabel 'MiB'
set datafile missing 'NaN'
plot for [k=1:n] 'tl_'.word(allocs, k).'.dat' using 1:($2 / 1048576.0) \
	with lines lw 2 lc k title word(allocs, k), \
	'tl_'.word(allocs, 1).'.dat' using 1:($3 / 1048576.0) with lines \
	lw 1 dt 2 lc rgb 'black' title 'live bytes'
