# analysis/latency.gp - latency percentiles (p50 .. max) per allocator on a
# log axis, one panel per operation kind (every kind in the results).
# kmbench plot sets: ops (words: operation kinds), nalloc, nrows, ncols,
# ymin and ymax (the y range, from the data), title_text.
# Data: lat_OP.dat, header "pct A1 A2 ...", rows p50 p90 p99 p999 max (ns).
n = words(ops)
set logscale y
set yrange [ymin:ymax]
set grid ytics mytics
set ylabel 'ns per operation' noenhanced
set key top left noenhanced font ',8'
set key autotitle columnhead
set xrange [-0.3:4.3]
set datafile missing 'NaN'
set multiplot layout nrows, ncols title title_text noenhanced
do for [k=1:n] {
	set title word(ops, k) noenhanced
	if (k > 1) { unset key }
	plot for [i=2:nalloc+1] 'lat_'.word(ops, k).'.dat' using 0:i:xtic(1) \
		with linespoints lw 2 pt 7 title columnhead(i)
}
unset multiplot
