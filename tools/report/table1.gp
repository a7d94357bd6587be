# tools/report/table1.gp - the energy vs throughput plot of make table1.
# gnuplot -e "dir = 'build/table1'; out = 'x.png'; R = '2'" table1.gp
# Data (written by table1.sh): plot.dat "ROW|GRID plan throughput energy",
# measured.dat "plan throughput energy", paper.dat "\"label\" throughput energy".
set terminal pngcairo size 900,620 noenhanced font ",10"
set output out
set title "MobileNet-V1 0.5/224: energy vs throughput at equal area " . \
          "(norm. to int8; FP32 Horowitz, R = " . R . ")"
set xlabel "throughput at equal area (normalised to the int8 baseline)"
set ylabel "energy per inference, arithmetic (normalised)"
set grid
set key top right
set logscale x 2
set xrange [0.2:3]
set yrange [0:1.1]
plot dir."/plot.dat" using (strcol(1) eq "GRID" ? $3 : 1/0):4 \
       with points pt 6 ps 0.8 lc rgb "#999999" title "hybrid grid (ours)", \
     dir."/plot.dat" using (strcol(1) eq "ROW" ? $3 : 1/0):4 \
       with points pt 7 ps 1.6 lc rgb "#1f77b4" title "our plans", \
     dir."/plot.dat" using (strcol(1) eq "ROW" ? $3 : 1/0):4:2 \
       with labels offset 1.2,0.8 left notitle, \
     dir."/measured.dat" using 2:3 \
       with points pt 9 ps 1.4 lc rgb "#2ca02c" title "simulated, v2 vs MAC-only v2 (equal resources)", \
     dir."/measured.dat" using 2:3:1 \
       with labels offset 0,-1 font ",8" tc rgb "#2ca02c" notitle, \
     dir."/paper.dat" using 2:3 with points pt 5 ps 1.4 lc rgb "#d62728" title "paper, TABLE I", \
     dir."/paper.dat" using 2:3:1 with labels offset 1.2,-0.8 left tc rgb "#d62728" notitle
