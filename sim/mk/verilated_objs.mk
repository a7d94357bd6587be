# sim/mk/verilated_objs.mk - read after a Verilator-generated V<top>.mk:
#   make -C <mdir> -f V<top>.mk -f verilated_objs.mk htasim-objs
# Builds the model archive and Verilator's runtime objects (verilated.o,
# verilated_threads.o, verilated_fst_c.o when tracing), then lists the runtime
# objects in htasim-runtime.txt. Verilator 5.006 has no libverilated.a target,
# and which runtime objects a model needs depends on its options, so the
# generated makefile is asked rather than the list being written down here.
htasim-objs: $(VM_PREFIX)__ALL.a $(VK_GLOBAL_OBJS)
	echo $(VK_GLOBAL_OBJS) > htasim-runtime.txt

# The trace code (the fast-path __Trace__ support files) runs only while a
# waveform is open, when writing the FST costs far more than it: -O1 compiles
# it in ~60% of -O2's time (v2small's Trace__0.cpp: 9.3 s against 15.2 s).
SIM_TRACE_OBJS := $(addsuffix .o,$(foreach c,$(VM_SUPPORT_FAST),$(if $(findstring __Trace__,$(c)),$(c))))
$(SIM_TRACE_OBJS): override OPT_FAST := -O1
