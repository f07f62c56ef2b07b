# analysis/trace_hist.gp - the traces' request histograms: kmalloc size
# classes and page-allocation orders, one bar series per trace.
# kmbench plot sets: ntraces, has_sizes, has_orders (0: that panel has
# no data and is left out), title_text.
# Data: hist_sizes.dat and hist_orders.dat, header "class T1 T2 ...".
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set grid ytics
set yrange [0.8:*]
set ylabel 'requests'
set key top right noenhanced
set key autotitle columnhead
set xtics rotate by -45 noenhanced
set datafile missing 'NaN'
set multiplot layout 1, (has_sizes && has_orders ? 2 : 1) title title_text noenhanced
if (has_sizes) {
	set title 'kmalloc size classes (bytes)'
	plot for [i=2:ntraces+1] 'hist_sizes.dat' using i:xtic(1) \
		title columnhead(i)
}
if (has_orders) {
	set title 'page allocation orders'
	plot for [i=2:ntraces+1] 'hist_orders.dat' using i:xtic(1) \
		title columnhead(i)
}
unset multiplot
