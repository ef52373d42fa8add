# Clustered bars: each system's figures relative to HAProxy (1.0), inverted
# where lower is better, so taller is better. Called by compare.sh with
# datafile and outfile set.
set terminal svg size 900,420 dynamic font "sans,11"
set output outfile
set title "wsedge benchmark: relative to HAProxy 2.6 (taller is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "x HAProxy"
set yrange [0:*]
set grid ytics
set key top right
set xtics rotate by -20
ncol = system("head -1 " . datafile . " | wc -w") + 0
plot for [i=2:ncol] datafile using i:xtic(1) title columnheader(i), 1 with lines lc rgb "#888888" dt 2 notitle
