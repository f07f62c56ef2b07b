# fidelity.gp - written by kmbench plot from analysis/bars.gp;
# run `gnuplot fidelity.gp` in this directory to redraw.
datafile = 'fidelity.dat'
nseries = 2
title_text = 'kmm agreement with the recorded kernel'
ylabel_text = 'percent of requests'
set terminal pngcairo size 1000,520 enhanced font 'Sans,10'
set output 'fidelity.png'
load 'fidelity.body.gp'
reset
datafile = 'fidelity.dat'
nseries = 2
title_text = 'kmm agreement with the recorded kernel'
ylabel_text = 'percent of requests'
set terminal svg size 1000,520 dynamic enhanced font 'Sans,10'
set output 'fidelity.svg'
load 'fidelity.body.gp'
set output
