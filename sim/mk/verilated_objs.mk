# sim/mk/verilated_objs.mk - read after a Verilator-generated V<top>.mk:
#   make -C <mdir> -f V<top>.mk -f verilated_objs.mk htasim-objs
# Builds the model archive and Verilator's runtime objects (verilated.o,
# verilated_threads.o, verilated_fst_c.o when tracing), then lists the runtime
# objects in htasim-runtime.txt. Verilator 5.006 has no libverilated.a target,
# and which runtime objects a model needs depends on its options, so the
# generated makefile is asked rather than the list being written down here.
htasim-objs: $(VM_PREFIX)__ALL.a $(VK_GLOBAL_OBJS)
	echo $(VK_GLOBAL_OBJS) > htasim-runtime.txt
