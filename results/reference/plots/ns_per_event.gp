# ns_per_event.gp - written by kmbench plot from analysis/bars.gp;
# run `gnuplot ns_per_event.gp` in this directory to redraw.
datafile = 'ns_per_event.dat'
nseries = 5
title_text = 'Replay time per event'
ylabel_text = 'ns per event (median, 95% CI)'
set terminal pngcairo size 1000,560 enhanced font 'Sans,10'
set output 'ns_per_event.png'
load 'ns_per_event.body.gp'
reset
datafile = 'ns_per_event.dat'
nseries = 5
title_text = 'Replay time per event'
ylabel_text = 'ns per event (median, 95% CI)'
set terminal svg size 1000,560 dynamic enhanced font 'Sans,10'
set output 'ns_per_event.svg'
load 'ns_per_event.body.gp'
set output
