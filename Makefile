# Driver for the virtual swap / batched compression patch series.
# Everything generated lives under build/. See README.md.

H := harness
B := build
ROUNDS ?= 3

.PHONY: help deps tree tree-base refresh refresh-check kernel run check \
	check-base check-kasan bench profile series series-check series-am clean

help:
	@sed -n 's/^## \([a-z-]*  \)/\1/p' README.md

deps:
	@$(H)/deps.sh

tree: deps
	@$(H)/tree.sh

tree-base: deps
	@$(H)/tree.sh --base

refresh:
	@$(H)/refresh.sh

refresh-check:
	@$(H)/refresh.sh --check

kernel: tree
	@$(H)/test-kernel.sh patched >/dev/null

run: tree
	@$(H)/demo.sh

check: tree
	@$(H)/check.sh

check-base: tree-base
	@$(H)/check.sh base

check-kasan: tree
	@$(H)/check.sh kasan

bench: tree-base
	@ROUNDS=$(ROUNDS) $(H)/bench.sh

profile: tree-base
	@$(H)/profile.sh

series: tree
	@python3 $(H)/series.py export

series-check: tree-base
	@$(H)/series-check.sh

series-am: tree
	@$(H)/series-am.sh

clean:
	@$(H)/refresh.sh --check >/dev/null || { \
		echo "build/linux holds unrefreshed edits: run 'make refresh' first"; exit 1; }
	rm -rf $(B)
