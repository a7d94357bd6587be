# tools/cluster/cluster.mk - `make cluster`: a sharded hta eval on a Slurm
# cluster through tools/cluster/hta-cluster (README.md there), and the
# cluster tools' part of `make install`. Its test, tests/cluster/test_slurm.sh,
# is registered in tests/tests.mk.
#
#   make cluster MODEL=M.hta SHARDS=N [DATASET=fashion-mnist] [DEVICE=sim]
#                [OUT=DIR] [EVAL_OPTS="--limit 600"] [SBATCH_OPTS="--partition=P --time=2:00:00"]

.PHONY: cluster install-cluster
cluster: $(HTA_CLI) ## sharded hta eval on Slurm: make cluster MODEL=M.hta SHARDS=N [DEVICE= SBATCH_OPTS=]
	$(if $(and $(MODEL),$(SHARDS)),,$(error make cluster needs MODEL=M.hta and SHARDS=N \
	  (tools/cluster/README.md)))
	$(Q)bash tools/cluster/hta-cluster --hta $(HTA_CLI) --shards $(SHARDS) --model $(MODEL) \
	  --dataset $(or $(DATASET),fashion-mnist) --device $(or $(DEVICE),sim) \
	  --out $(or $(OUT),$(BUILD)/cluster) \
	  $(foreach a,$(EVAL_OPTS),--eval-opt $(a)) -- $(SBATCH_OPTS)

# installed next to hta: hta-cluster finds bin/hta and share/hta/hta-eval.sbatch
install: install-cluster
install-cluster:
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/hta
	$(Q)install -m 755 tools/cluster/hta-cluster $(DESTDIR)$(PREFIX)/bin/hta-cluster
	$(Q)install -m 644 tools/cluster/hta-eval.sbatch $(DESTDIR)$(PREFIX)/share/hta/hta-eval.sbatch
