# bitstreams/alveo/platforms.mk - the Alveo shells the flow knows, one line
# per card: the platform (as AMD publishes it; `PLATFORM=` takes either the
# short card name or this full name), the FPGA part (for the IP packaging
# project) and the memory bank both pointer arguments go to (one m_axi port,
# so one bank; `MEM=` overrides it, e.g. MEM=DDR[0] or MEM=HBM[0:1]).
#
# HBM cards: one pseudo-channel is 256 MiB, enough for a model's program and
# data windows; DDR cards: DDR[1] sits in SLR1 next to the shell's static
# region on U200/U250. Add a card by adding its four lines.
#
# CFG_<card>: the hardware configuration (hw/config/<name>.cfg) a card gets
# unless CFG= says otherwise; cards without one get "small".

ALVEO_CARDS := u50 u55c u200 u250 u280

PLATFORM_u50  := xilinx_u50_gen3x16_xdma_5_202210_1
PART_u50      := xcu50-fsvh2104-2-e
MEM_u50       := HBM[0]
CFG_u50       := u50

PLATFORM_u55c := xilinx_u55c_gen3x16_xdma_3_202210_1
PART_u55c     := xcu55c-fsvh2892-2L-e
MEM_u55c      := HBM[0]

PLATFORM_u200 := xilinx_u200_gen3x16_xdma_2_202110_1
PART_u200     := xcu200-fsgd2104-2-e
MEM_u200      := DDR[1]

PLATFORM_u250 := xilinx_u250_gen3x16_xdma_4_1_202210_1
PART_u250     := xcu250-figd2104-2L-e
MEM_u250      := DDR[1]

PLATFORM_u280 := xilinx_u280_gen3x16_xdma_1_202211_1
PART_u280     := xcu280-fsvh2892-2L-e
MEM_u280      := HBM[0]
