# analysis/fragmentation.gp - fragmentation along the trace: the buddy
# unusable index (orders 3 and 9) and footprint / live bytes.
# kmbench plot sets: allocs (words), has_unusable (0: no unusable index
# in the data: the ratio panel only), title_text.
# Data: tl_ALLOC.dat columns: event footprint_bytes live_bytes
#	unusable_index_3 unusable_index_9 (NaN where unknown).
n = words(allocs)
set grid
set key top left noenhanced
set xlabel 'trace event' noenhanced
set datafile missing 'NaN'
set multiplot layout (has_unusable ? 2 : 1), 1 title title_text noenhanced
if (has_unusable) {
set title 'unusable index (solid: order 3, dashed: order 9)' noenhanced
set ylabel 'unusable index'
set yrange [0:1]
plot for [k=1:n] 'tl_'.word(allocs, k).'.dat' using 1:4 with lines lw 2 \
	lc k title word(allocs, k), \
	for [k=1:n] 'tl_'.word(allocs, k).'.dat' using 1:5 with lines lw 1 \
	dt 2 lc k notitle
}
set title 'footprint / live bytes (log scale: early in a trace little is live)' noenhanced
set ylabel 'ratio'
set yrange [*:*]
set logscale y
plot for [k=1:n] 'tl_'.word(allocs, k).'.dat' \
	using 1:($3 > 0 ? $2 / $3 : NaN) with lines lw 2 lc k \
	title word(allocs, k)
unset multiplot
