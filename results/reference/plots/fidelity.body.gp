# analysis/bars.gp - grouped bars with 95% confidence whiskers.
# kmbench plot sets: datafile, nseries, title_text, ylabel_text.
# datafile: a header line "label S1 S1_lo S1_hi S2 ...", then one row per
# group (the x axis) with median, low and high of each series.
set title title_text noenhanced
set ylabel ylabel_text noenhanced
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key outside right top vertical noenhanced
set key autotitle columnhead
set xtics rotate by -25 noenhanced nomirror
set bmargin 8
set datafile missing 'NaN'
plot for [i=0:nseries-1] datafile \
	using (column(2+3*i)):(column(3+3*i)):(column(4+3*i)):xtic(1) \
	title columnhead(2+3*i)
