# trace_hist.gp - written by kmbench plot from analysis/trace_hist.gp;
# run `gnuplot trace_hist.gp` in this directory to redraw.
ntraces = 6
has_sizes = 1
has_orders = 1
title_text = 'Requests per size class and order'
set terminal pngcairo size 1100,520 enhanced font 'Sans,10'
set output 'trace_hist.png'
load 'trace_hist.body.gp'
reset
ntraces = 6
has_sizes = 1
has_orders = 1
title_text = 'Requests per size class and order'
set terminal svg size 1100,520 dynamic enhanced font 'Sans,10'
set output 'trace_hist.svg'
load 'trace_hist.body.gp'
set output
